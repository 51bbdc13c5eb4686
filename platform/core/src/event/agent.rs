//! The payloads of `agent.*` events: an agent's presence as the ACD sees it, and how an offer
//! the agent did not take ended.

use serde::{Deserialize, Serialize};

use crate::AgentId;

/// Where an agent stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentPresence {
    /// Signed out.
    Offline,
    /// Waiting for a call.
    Ready,
    /// Signed in but taking no calls (break, training…; the reason says which).
    NotReady,
    /// A call is being offered (ringing).
    Offered,
    /// On a call.
    Busy,
    /// After-call work.
    WrapUp,
}

/// An agent's state changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentStateChanged {
    /// The agent.
    pub agent: AgentId,
    /// The state before.
    pub from: AgentPresence,
    /// The state now.
    pub to: AgentPresence,
    /// The not-ready reason code, or why the system changed the state (`connection lost`).
    pub reason: Option<String>,
    /// How long the agent was in the state before, milliseconds (unknown at log-in).
    #[serde(default)]
    pub in_previous_ms: Option<u64>,
}

/// How an offer the agent did not take ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissReason {
    /// It rang until the offer timed out.
    NoAnswer,
    /// The agent declined it.
    Declined,
    /// The caller hung up while it rang.
    CallerHungUp,
    /// The agent's connection was lost.
    ConnectionLost,
}
