//! Why the engine refused an input. A refused input changes nothing.

use kefu_core::{AgentId, CallId, QueueId, SkillId};

use crate::agent::ReasonCode;

/// An input the engine cannot apply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// No such agent in this tenant's configuration.
    #[error("unknown agent {0}")]
    UnknownAgent(AgentId),
    /// No such queue.
    #[error("unknown queue {0}")]
    UnknownQueue(QueueId),
    /// No such skill.
    #[error("unknown skill {0}")]
    UnknownSkill(SkillId),
    /// The call is not in the engine (never enqueued, or its wait already ended).
    #[error("call {0} is not waiting in any queue")]
    UnknownCall(CallId),
    /// The call is already queued.
    #[error("call {0} is already queued")]
    DuplicateCall(CallId),
    /// A call (or the agent) is not in the state the input assumes.
    #[error("call {call} is not ringing at agent {agent}")]
    NotOffered {
        /// The call.
        call: CallId,
        /// The agent.
        agent: AgentId,
    },
    /// No answered call with this id is in progress.
    #[error("call {0} is not connected to an agent")]
    NotConnected(CallId),
    /// The not-ready reason is not one of the tenant's codes.
    #[error("unknown not-ready reason `{0}`")]
    UnknownReason(ReasonCode),
    /// A level in the input is outside 1–10.
    #[error("level {0} is outside 1–10")]
    LevelOutOfRange(u8),
    /// A priority in the input is outside 1–10.
    #[error("priority {0} is outside 1–10")]
    PriorityOutOfRange(u8),
}
