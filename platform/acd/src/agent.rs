//! Agent states as the routing engine owns them, and the engine's record of one agent.
//!
//! The ACD is the single owner of every agent's state (see DESIGN.md, "one owner per piece of
//! live state"): browsers and supervisors *request* changes, the engine decides and announces
//! them as `agent.state_changed` events.

use std::fmt;

use kefu_core::{AgentId, CallId};
use serde::{Deserialize, Serialize};

use crate::ix::{QueueIx, SkillIx};
use crate::level::Level;
use crate::time::Millis;

/// Why an agent is not ready: a tenant-defined code ("lunch", "training") or a built-in one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReasonCode(String);

impl ReasonCode {
    /// Built in: the agent let an offer ring out or declined it (RONA).
    pub const MISSED: &'static str = "missed";

    /// A reason code with this text.
    pub fn new(code: impl Into<String>) -> ReasonCode {
        ReasonCode(code.into())
    }

    /// The built-in "missed" reason.
    pub fn missed() -> ReasonCode {
        ReasonCode(Self::MISSED.to_owned())
    }

    /// The code's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Is this one of the engine's own codes (which tenants may not redefine)?
    pub fn is_builtin(&self) -> bool {
        self.0 == Self::MISSED
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where an agent is, as every other part of Kefu sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AgentState {
    /// Not working; gets no calls.
    LoggedOut,
    /// Waiting for a call.
    Available,
    /// A call is ringing at the agent's softphone.
    Reserved {
        /// The offered call.
        call: CallId,
    },
    /// Talking.
    OnCall {
        /// The call.
        call: CallId,
    },
    /// Wrapping up after a call.
    AfterCallWork {
        /// The call just finished.
        call: CallId,
    },
    /// Logged in but taking no calls.
    NotReady {
        /// Why.
        reason: ReasonCode,
    },
}

impl AgentState {
    /// The bucket this state is counted in by statistics.
    pub fn kind(&self) -> AgentStateKind {
        match self {
            AgentState::LoggedOut => AgentStateKind::LoggedOut,
            AgentState::Available => AgentStateKind::Available,
            AgentState::Reserved { .. } => AgentStateKind::Reserved,
            AgentState::OnCall { .. } => AgentStateKind::OnCall,
            AgentState::AfterCallWork { .. } => AgentStateKind::AfterCallWork,
            AgentState::NotReady { .. } => AgentStateKind::NotReady,
        }
    }
}

/// An agent state without its details, for counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentStateKind {
    /// See [`AgentState::LoggedOut`].
    LoggedOut,
    /// See [`AgentState::Available`].
    Available,
    /// See [`AgentState::Reserved`].
    Reserved,
    /// See [`AgentState::OnCall`].
    OnCall,
    /// See [`AgentState::AfterCallWork`].
    AfterCallWork,
    /// See [`AgentState::NotReady`].
    NotReady,
}

/// A state an agent (or a supervisor for them) can ask for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RequestedState {
    /// Ready for calls (logs in if logged out).
    Available,
    /// Logged in, no calls (logs in if logged out).
    NotReady {
        /// A reason code from the tenant's configuration.
        reason: ReasonCode,
    },
    /// Stop working.
    LoggedOut,
}

/// The engine's record of one agent.
#[derive(Debug, Clone)]
pub(crate) struct Agent {
    pub(crate) id: AgentId,
    /// Sorted by skill index; small (≈20), searched by binary search.
    pub(crate) skills: Vec<(SkillIx, Level)>,
    /// Queues whose requirements this agent meets once relaxed as far as that queue's calls
    /// can be: where it looks for calls, and whose statistics count it.
    pub(crate) queues: Vec<QueueIx>,
    /// Queues naming this agent as a backup.
    pub(crate) backup_for: Vec<QueueIx>,
    pub(crate) state: AgentState,
    pub(crate) state_since: Millis,
    /// A change asked for during a call, applied when wrap-up ends.
    pub(crate) pending: Option<RequestedState>,
    /// When the agent last became available; the longest-idle order. Kept across a withdrawn
    /// offer so an agent does not lose their place because a caller hung up.
    pub(crate) idle_since: Millis,
    /// Talk and wrap-up time since logging in; the least-occupied order.
    pub(crate) busy: Millis,
    /// The call whose router-plugin scoring round holds this available agent.
    pub(crate) held: Option<CallId>,
    pub(crate) heartbeat_deadline: Option<Millis>,
    pub(crate) wrap_up_until: Option<Millis>,
    /// The queue of the current or last call (its wrap-up time and statistics).
    pub(crate) call_queue: Option<QueueIx>,
    /// When the current call was answered.
    pub(crate) talk_started: Millis,
    /// Talk time of the last call (handle time = talk + wrap-up).
    pub(crate) last_talk: Millis,
    pub(crate) stats: crate::stats::AgentStats,
}

impl Agent {
    /// The agent's level in `skill`, if they have it.
    pub(crate) fn level(&self, skill: SkillIx) -> Option<Level> {
        self.skills
            .binary_search_by_key(&skill, |(s, _)| *s)
            .ok()
            .and_then(|i| self.skills.get(i))
            .map(|(_, l)| *l)
    }

    /// Does the agent meet every requirement, each lowered by `relax` levels?
    pub(crate) fn meets(&self, requirements: &[(SkillIx, Level)], relax: u8) -> bool {
        requirements
            .iter()
            .all(|(skill, min)| self.level(*skill).is_some_and(|l| l >= min.relaxed(relax)))
    }

    /// May routing offer this agent a call right now?
    pub(crate) fn is_routable(&self) -> bool {
        self.state == AgentState::Available && self.held.is_none()
    }
}
