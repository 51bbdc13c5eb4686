//! What the driver feeds the engine ([`Input`]) and what it gets back ([`Output`]).

use std::collections::BTreeMap;

use kefu_core::{AgentId, CallId, QueueId};
use serde::{Deserialize, Serialize};

use crate::agent::RequestedState;
use crate::call::WaitOutcome;
use crate::config::SkillRequirement;
use crate::event::AcdEvent;
use crate::level::Priority;
use crate::time::Millis;

/// Something that happened outside the engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "input", rename_all = "snake_case")]
pub enum Input {
    /// An agent asks for a state (logging in is asking for available or not ready). During a
    /// call or wrap-up, not-ready and log-out wait until wrap-up ends.
    SetAgentState {
        /// Who.
        agent: AgentId,
        /// What they ask for.
        state: RequestedState,
    },
    /// A supervisor forces an agent's state: it applies now, except that a talking agent is
    /// only logged out now; other forced states wait for the end of the call.
    ForceAgentState {
        /// Whose.
        agent: AgentId,
        /// The state.
        state: RequestedState,
    },
    /// The agent's browser is alive.
    Heartbeat {
        /// Whose.
        agent: AgentId,
    },
    /// The agent's connection closed: log them out now, re-queue what rings at them.
    AgentUnreachable {
        /// Whose.
        agent: AgentId,
    },
    /// The call actor hands a call to a queue.
    Enqueue(EnqueueCall),
    /// The agent accepted the offer; the call actor connects them.
    Accept {
        /// The offered call.
        call: CallId,
        /// Who accepts.
        agent: AgentId,
    },
    /// The agent declined the offer (treated like a ring-out).
    Decline {
        /// The offered call.
        call: CallId,
        /// Who declines.
        agent: AgentId,
    },
    /// An answered call hung up: its agent starts wrap-up.
    CallEnded {
        /// The call.
        call: CallId,
    },
    /// The agent finished wrap-up early.
    WrapUpDone {
        /// Who.
        agent: AgentId,
    },
    /// The caller hung up while waiting or ringing.
    Abandon {
        /// The call.
        call: CallId,
    },
    /// The router plugin's answer to a [`ScoreRequest`].
    Scores {
        /// The call scored.
        call: CallId,
        /// The request answered (stale answers are ignored).
        request: u64,
        /// A score per candidate; higher is better. Candidates left out score lowest.
        scores: Vec<(AgentId, i64)>,
    },
}

/// A call to queue, with what the IVR learned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnqueueCall {
    /// The call.
    pub call: CallId,
    /// The queue.
    pub queue: QueueId,
    /// A priority the IVR asks for; the queue's rules may raise it.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Skills this call needs beyond the queue's.
    #[serde(default)]
    pub required_skills: Vec<SkillRequirement>,
    /// IVR data (`vip`, `language`, …), matched by the queue's priority and skill rules.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// The agent the caller last spoke to, for sticky routing.
    #[serde(default)]
    pub last_agent: Option<AgentId>,
}

/// Something the engine wants done or announced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "output", rename_all = "snake_case")]
pub enum Output {
    /// Ring `agent` with `call` until `ring_until` (engine time).
    Offer {
        /// The call.
        call: CallId,
        /// Who to ring.
        agent: AgentId,
        /// When the offer rings out.
        ring_until: Millis,
    },
    /// Stop ringing `agent`: the call was answered elsewhere, hung up, or went back to queue.
    OfferWithdrawn {
        /// The call.
        call: CallId,
        /// Who to stop ringing.
        agent: AgentId,
    },
    /// Ask the router plugin to score candidates; answer with [`Input::Scores`] before
    /// `deadline`, after which the engine decides without scores.
    ScoreRequest(ScoreRequest),
    /// The call's wait is over (exactly once per enqueued call).
    WaitEnded {
        /// The call.
        call: CallId,
        /// How it ended.
        outcome: WaitOutcome,
    },
    /// A domain event for the bus and the event store.
    Event(AcdEvent),
}

/// Candidates for one call, for the router plugin to score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreRequest {
    /// The call.
    pub call: CallId,
    /// Its home queue.
    pub queue: QueueId,
    /// Echoed in [`Input::Scores`].
    pub request: u64,
    /// Candidates in the queue strategy's order (best first).
    pub candidates: Vec<AgentId>,
    /// The call's IVR data.
    pub attributes: BTreeMap<String, String>,
    /// Engine time after which scores are ignored.
    pub deadline: Millis,
}
