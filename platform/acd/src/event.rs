//! Domain events the engine emits: one per state change, named like the rest of Kefu's events
//! (`agent.state_changed`, `queue.call_offered`, …).
//!
//! They are facts for the event store, reports and wallboards. Commands for the call actor
//! (ring this agent, withdraw that offer) are separate [`crate::Output`] variants.

use kefu_core::{AgentId, CallId, QueueId, TenantId};
use serde::{Deserialize, Serialize};

use crate::agent::AgentState;
use crate::config::LeaveDestination;
use crate::level::Priority;
use crate::time::Millis;

/// Something that happened in one tenant's routing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcdEvent {
    /// The tenant.
    pub tenant: TenantId,
    /// Engine time of the change.
    pub at: Millis,
    /// What happened.
    #[serde(flatten)]
    pub kind: AcdEventKind,
}

/// Why an agent's state changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateChangeCause {
    /// The agent asked (possibly earlier, applied after wrap-up).
    Agent,
    /// A supervisor forced it.
    Supervisor,
    /// Routing: an offer, an answer, the end of a call or of wrap-up.
    Routing,
    /// The agent let an offer ring out or declined it.
    Missed,
    /// The agent's connection or heartbeat was lost.
    ConnectionLost,
}

/// Why a call went back to its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequeueReason {
    /// Ring timeout passed (RONA).
    RingTimeout,
    /// The agent declined.
    Declined,
    /// The agent logged out or was lost while it rang.
    AgentLost,
}

/// The event's content; serialised with the stable name in `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum AcdEventKind {
    /// An agent's state changed.
    #[serde(rename = "agent.state_changed")]
    AgentStateChanged {
        /// Whose.
        agent: AgentId,
        /// Before.
        from: AgentState,
        /// After.
        to: AgentState,
        /// Why.
        cause: StateChangeCause,
    },
    /// An agent asked for a state during a call; it applies after wrap-up.
    #[serde(rename = "agent.state_change_deferred")]
    AgentStateChangeDeferred {
        /// Whose.
        agent: AgentId,
        /// The state that will apply.
        requested: crate::agent::RequestedState,
    },
    /// An offer rang out or was declined (RONA).
    #[serde(rename = "agent.offer_missed")]
    AgentOfferMissed {
        /// Who missed it.
        agent: AgentId,
        /// The call.
        call: CallId,
        /// Ring timeout or declined.
        reason: RequeueReason,
    },
    /// A call entered a queue.
    #[serde(rename = "queue.call_enqueued")]
    CallEnqueued {
        /// The call.
        call: CallId,
        /// The queue.
        queue: QueueId,
        /// Its priority.
        priority: Priority,
    },
    /// A call was offered to an agent (ringing).
    #[serde(rename = "queue.call_offered")]
    CallOffered {
        /// The call.
        call: CallId,
        /// Its home queue.
        queue: QueueId,
        /// Who it rings.
        agent: AgentId,
    },
    /// A call went back to the head of its queue.
    #[serde(rename = "queue.call_requeued")]
    CallRequeued {
        /// The call.
        call: CallId,
        /// Its home queue.
        queue: QueueId,
        /// Why.
        reason: RequeueReason,
    },
    /// An agent answered.
    #[serde(rename = "queue.call_answered")]
    CallAnswered {
        /// The call.
        call: CallId,
        /// Its home queue.
        queue: QueueId,
        /// Who answered.
        agent: AgentId,
        /// How long the caller waited.
        waited: Millis,
    },
    /// The caller hung up while waiting.
    #[serde(rename = "queue.call_abandoned")]
    CallAbandoned {
        /// The call.
        call: CallId,
        /// Its home queue.
        queue: QueueId,
        /// How long the caller waited.
        waited: Millis,
    },
    /// An overflow step took the call out of the queue.
    #[serde(rename = "queue.call_overflowed")]
    CallOverflowed {
        /// The call.
        call: CallId,
        /// Its home queue.
        queue: QueueId,
        /// Where it goes.
        destination: LeaveDestination,
        /// How long the caller waited.
        waited: Millis,
    },
    /// The call reached the queue's maximum wait.
    #[serde(rename = "queue.call_timed_out")]
    CallTimedOut {
        /// The call.
        call: CallId,
        /// Its home queue.
        queue: QueueId,
        /// How long the caller waited.
        waited: Millis,
    },
    /// An overflow step that keeps the call waiting (relax skills, add a queue, use backup).
    #[serde(rename = "queue.overflow_step_applied")]
    OverflowStepApplied {
        /// The call.
        call: CallId,
        /// Its home queue.
        queue: QueueId,
        /// Which step (index in the queue's `overflow`).
        step: usize,
    },
    /// Aging raised a waiting call's priority.
    #[serde(rename = "queue.call_priority_changed")]
    CallPriorityChanged {
        /// The call.
        call: CallId,
        /// Its home queue.
        queue: QueueId,
        /// The new priority.
        priority: Priority,
    },
    /// The queue's wait passed its threshold: backup agents now help.
    #[serde(rename = "queue.backup_activated")]
    BackupActivated {
        /// The queue.
        queue: QueueId,
    },
    /// The queue's wait fell back: backup agents are released.
    #[serde(rename = "queue.backup_released")]
    BackupReleased {
        /// The queue.
        queue: QueueId,
    },
}

impl AcdEventKind {
    /// The stable event name (`agent.state_changed`).
    pub fn name(&self) -> &'static str {
        match self {
            AcdEventKind::AgentStateChanged { .. } => "agent.state_changed",
            AcdEventKind::AgentStateChangeDeferred { .. } => "agent.state_change_deferred",
            AcdEventKind::AgentOfferMissed { .. } => "agent.offer_missed",
            AcdEventKind::CallEnqueued { .. } => "queue.call_enqueued",
            AcdEventKind::CallOffered { .. } => "queue.call_offered",
            AcdEventKind::CallRequeued { .. } => "queue.call_requeued",
            AcdEventKind::CallAnswered { .. } => "queue.call_answered",
            AcdEventKind::CallAbandoned { .. } => "queue.call_abandoned",
            AcdEventKind::CallOverflowed { .. } => "queue.call_overflowed",
            AcdEventKind::CallTimedOut { .. } => "queue.call_timed_out",
            AcdEventKind::OverflowStepApplied { .. } => "queue.overflow_step_applied",
            AcdEventKind::CallPriorityChanged { .. } => "queue.call_priority_changed",
            AcdEventKind::BackupActivated { .. } => "queue.backup_activated",
            AcdEventKind::BackupReleased { .. } => "queue.backup_released",
        }
    }
}

impl AcdEvent {
    /// The stable event name (`agent.state_changed`).
    pub fn name(&self) -> &'static str {
        self.kind.name()
    }
}
