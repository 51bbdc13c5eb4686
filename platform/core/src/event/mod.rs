//! Domain events: every state change is one, stored in the tenant's event log and published on
//! the bus (DESIGN.md, "Events are the spine").
//!
//! [`DomainEvent`] is what happened, typed; [`Event`] is one as the log keeps it: the tenant, a
//! per-tenant sequence number the log assigns, an id and the time. Event names are stable
//! strings (`call.answered`) because they are stored and sent to browsers and plugins; the JSON
//! form is `{"type": "call.answered", "data": {...}}`, flattened into the envelope.
//!
//! This module only describes events. It never stores, sends or numbers them: the event log
//! (`kefu-store`) assigns sequence numbers and the bus (`kefu-events`) carries them.

mod agent;
mod call;
mod other;

pub use agent::{AgentPresence, AgentStateChanged, MissReason};
pub use call::{
    CallEnded, CallEntry, CallReceived, ConnectedTo, Direction, Disposition, HangupBy,
    IvrActionKind, MediaSummary, TransferTarget,
};
pub use other::{PluginFailureKind, RecordingStored};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    AgentId, CallId, EventId, InstallationId, PluginInvocationId, RecordingId, Role, TenantId,
    UserId,
};

/// Something that happened in a tenant. See the module docs for the JSON form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum DomainEvent {
    /// A company signed up.
    #[serde(rename = "tenant.created")]
    TenantCreated {
        /// The new tenant.
        tenant: TenantId,
    },
    /// A user was invited (or created by an admin).
    #[serde(rename = "user.invited")]
    UserInvited {
        /// The invited user.
        user: UserId,
        /// The role they will hold.
        role: Role,
    },
    /// A user's role changed.
    #[serde(rename = "user.role_changed")]
    UserRoleChanged {
        /// Whose role.
        user: UserId,
        /// The new role.
        role: Role,
    },
    /// A user was disabled or enabled again.
    #[serde(rename = "user.disabled_changed")]
    UserDisabledChanged {
        /// Whose account.
        user: UserId,
        /// Disabled now?
        disabled: bool,
    },

    /// A call reached Kefu (an admitted INVITE) or was placed by it.
    #[serde(rename = "call.received")]
    CallReceived(Box<CallReceived>),
    /// The caller's leg was answered (by the IVR or an agent).
    #[serde(rename = "call.answered")]
    CallAnswered {
        /// The call.
        call: CallId,
    },
    /// The IVR did something the call's story should show (a menu node visited, a prompt
    /// played, digits collected).
    #[serde(rename = "call.ivr.action")]
    CallIvrAction {
        /// The call.
        call: CallId,
        /// What kind of step.
        action: IvrActionKind,
        /// The node name, prompt tag or collection tag (never the digits themselves: they may
        /// be a PIN).
        name: String,
    },
    /// The call joined a queue.
    #[serde(rename = "call.queued")]
    CallQueued {
        /// The call.
        call: CallId,
        /// The queue's name.
        queue: String,
        /// Its priority there (higher first).
        priority: i32,
    },
    /// The call left its queue without reaching an agent (the IVR took it back, it timed out,
    /// or the enqueue failed).
    #[serde(rename = "call.dequeued")]
    CallDequeued {
        /// The call.
        call: CallId,
        /// The queue's name.
        queue: String,
        /// Time spent there, milliseconds.
        waited_ms: u64,
        /// Why it left (`timeout`, `ivr`, `enqueue_failed: …`).
        reason: String,
    },
    /// The ACD offered the call to an agent.
    #[serde(rename = "call.offered")]
    CallOffered {
        /// The call.
        call: CallId,
        /// The agent offered to.
        agent: AgentId,
        /// The queue it waited in.
        queue: String,
    },
    /// The agent's phone is ringing with the call.
    #[serde(rename = "call.ringing")]
    CallRinging {
        /// The call.
        call: CallId,
        /// The agent.
        agent: AgentId,
    },
    /// The caller is talking to someone: an agent or an external number.
    #[serde(rename = "call.connected")]
    CallConnected {
        /// The call.
        call: CallId,
        /// Who answered.
        to: ConnectedTo,
    },
    /// The caller was put on hold.
    #[serde(rename = "call.held")]
    CallHeld {
        /// The call.
        call: CallId,
        /// The agent who held it, if an agent did.
        by: Option<AgentId>,
    },
    /// The caller was taken off hold.
    #[serde(rename = "call.resumed")]
    CallResumed {
        /// The call.
        call: CallId,
        /// The agent who resumed it, if an agent did.
        by: Option<AgentId>,
    },
    /// The call was handed to another target.
    #[serde(rename = "call.transferred")]
    CallTransferred {
        /// The call.
        call: CallId,
        /// Where to.
        target: TransferTarget,
        /// The agent who transferred it, if an agent did.
        by: Option<AgentId>,
    },
    /// The caller left a voicemail (stored).
    #[serde(rename = "call.voicemail")]
    CallVoicemail {
        /// The call.
        call: CallId,
        /// The mailbox it was left in.
        mailbox: String,
        /// Length of the message, milliseconds.
        duration_ms: u64,
    },
    /// A recording of the call was stored.
    #[serde(rename = "call.recorded")]
    CallRecorded {
        /// The call.
        call: CallId,
        /// The recording.
        recording: RecordingId,
    },
    /// The call ended: everything its detail record holds.
    #[serde(rename = "call.ended")]
    CallEnded(Box<CallEnded>),

    /// An agent signed in to take calls.
    #[serde(rename = "agent.logged_in")]
    AgentLoggedIn {
        /// The agent.
        agent: AgentId,
    },
    /// An agent signed out (or was signed out after losing the connection).
    #[serde(rename = "agent.logged_out")]
    AgentLoggedOut {
        /// The agent.
        agent: AgentId,
        /// Why, when not by their own choice.
        reason: Option<String>,
    },
    /// An agent's state changed (ready, not ready with a reason, busy, wrap-up).
    #[serde(rename = "agent.state_changed")]
    AgentStateChanged(AgentStateChanged),
    /// The ACD offered a call to the agent.
    #[serde(rename = "agent.offered")]
    AgentOffered {
        /// The agent.
        agent: AgentId,
        /// The call.
        call: CallId,
        /// The queue it came from.
        queue: String,
    },
    /// The agent did not take an offered call.
    #[serde(rename = "agent.missed")]
    AgentMissed {
        /// The agent.
        agent: AgentId,
        /// The call.
        call: CallId,
        /// How the offer ended.
        reason: MissReason,
    },
    /// After-call work started.
    #[serde(rename = "agent.wrap_up_started")]
    AgentWrapUpStarted {
        /// The agent.
        agent: AgentId,
        /// The call just finished.
        call: CallId,
    },
    /// After-call work ended.
    #[serde(rename = "agent.wrap_up_ended")]
    AgentWrapUpEnded {
        /// The agent.
        agent: AgentId,
        /// The call it was for.
        call: CallId,
        /// The wrap-up code the agent chose, if any.
        code: Option<String>,
    },

    /// How many calls wait in a queue, and the longest wait, changed.
    #[serde(rename = "queue.depth_changed")]
    QueueDepthChanged {
        /// The queue's name.
        queue: String,
        /// Calls waiting.
        waiting: u32,
        /// The longest wait, milliseconds.
        longest_wait_ms: u64,
    },
    /// A waiting call overflowed to another queue.
    #[serde(rename = "queue.overflowed")]
    QueueOverflowed {
        /// The queue it left.
        queue: String,
        /// The call.
        call: CallId,
        /// The queue it went to.
        to: String,
    },

    /// A plugin installation failed an invocation (trap, time-out, refusal).
    #[serde(rename = "plugin.failed")]
    PluginFailed {
        /// The installation.
        installation: InstallationId,
        /// The logged invocation.
        invocation: PluginInvocationId,
        /// The export that was called (`on-event`, `card`…).
        export: String,
        /// How it failed.
        kind: PluginFailureKind,
        /// What failed, for people.
        detail: String,
    },

    /// Recording of a call started.
    #[serde(rename = "recording.started")]
    RecordingStarted {
        /// The recording.
        recording: RecordingId,
        /// The call recorded.
        call: CallId,
    },
    /// Recording was paused (the pause is silence and a marker, never audio).
    #[serde(rename = "recording.paused")]
    RecordingPaused {
        /// The recording.
        recording: RecordingId,
        /// Who paused it.
        by: Option<AgentId>,
    },
    /// Recording resumed after a pause.
    #[serde(rename = "recording.resumed")]
    RecordingResumed {
        /// The recording.
        recording: RecordingId,
        /// Who resumed it.
        by: Option<AgentId>,
    },
    /// The recording is finalised in the object store.
    #[serde(rename = "recording.stored")]
    RecordingStored(RecordingStored),
    /// The recording could not be kept.
    #[serde(rename = "recording.failed")]
    RecordingFailed {
        /// The recording.
        recording: RecordingId,
        /// The call.
        call: CallId,
        /// What went wrong.
        reason: String,
    },
}

impl DomainEvent {
    /// The stable event name (`call.answered`), as stored in the log's `type` column.
    pub fn name(&self) -> &'static str {
        use DomainEvent as E;
        match self {
            E::TenantCreated { .. } => "tenant.created",
            E::UserInvited { .. } => "user.invited",
            E::UserRoleChanged { .. } => "user.role_changed",
            E::UserDisabledChanged { .. } => "user.disabled_changed",
            E::CallReceived(_) => "call.received",
            E::CallAnswered { .. } => "call.answered",
            E::CallIvrAction { .. } => "call.ivr.action",
            E::CallQueued { .. } => "call.queued",
            E::CallDequeued { .. } => "call.dequeued",
            E::CallOffered { .. } => "call.offered",
            E::CallRinging { .. } => "call.ringing",
            E::CallConnected { .. } => "call.connected",
            E::CallHeld { .. } => "call.held",
            E::CallResumed { .. } => "call.resumed",
            E::CallTransferred { .. } => "call.transferred",
            E::CallVoicemail { .. } => "call.voicemail",
            E::CallRecorded { .. } => "call.recorded",
            E::CallEnded(_) => "call.ended",
            E::AgentLoggedIn { .. } => "agent.logged_in",
            E::AgentLoggedOut { .. } => "agent.logged_out",
            E::AgentStateChanged(_) => "agent.state_changed",
            E::AgentOffered { .. } => "agent.offered",
            E::AgentMissed { .. } => "agent.missed",
            E::AgentWrapUpStarted { .. } => "agent.wrap_up_started",
            E::AgentWrapUpEnded { .. } => "agent.wrap_up_ended",
            E::QueueDepthChanged { .. } => "queue.depth_changed",
            E::QueueOverflowed { .. } => "queue.overflowed",
            E::PluginFailed { .. } => "plugin.failed",
            E::RecordingStarted { .. } => "recording.started",
            E::RecordingPaused { .. } => "recording.paused",
            E::RecordingResumed { .. } => "recording.resumed",
            E::RecordingStored(_) => "recording.stored",
            E::RecordingFailed { .. } => "recording.failed",
        }
    }

    /// What the event is about, as text: the call, agent, queue, installation, recording or
    /// user id (the queue's name for `queue.*`). Lists and streams filter on it.
    pub fn subject(&self) -> String {
        use DomainEvent as E;
        match self {
            E::TenantCreated { tenant } => tenant.to_string(),
            E::UserInvited { user, .. }
            | E::UserRoleChanged { user, .. }
            | E::UserDisabledChanged { user, .. } => user.to_string(),
            E::CallReceived(r) => r.call.to_string(),
            E::CallEnded(e) => e.received.call.to_string(),
            E::CallAnswered { call }
            | E::CallIvrAction { call, .. }
            | E::CallQueued { call, .. }
            | E::CallDequeued { call, .. }
            | E::CallOffered { call, .. }
            | E::CallRinging { call, .. }
            | E::CallConnected { call, .. }
            | E::CallHeld { call, .. }
            | E::CallResumed { call, .. }
            | E::CallTransferred { call, .. }
            | E::CallVoicemail { call, .. }
            | E::CallRecorded { call, .. } => call.to_string(),
            E::AgentStateChanged(s) => s.agent.to_string(),
            E::AgentLoggedIn { agent }
            | E::AgentLoggedOut { agent, .. }
            | E::AgentOffered { agent, .. }
            | E::AgentMissed { agent, .. }
            | E::AgentWrapUpStarted { agent, .. }
            | E::AgentWrapUpEnded { agent, .. } => agent.to_string(),
            E::QueueDepthChanged { queue, .. } | E::QueueOverflowed { queue, .. } => queue.clone(),
            E::PluginFailed { installation, .. } => installation.to_string(),
            E::RecordingStored(s) => s.recording.to_string(),
            E::RecordingStarted { recording, .. }
            | E::RecordingPaused { recording, .. }
            | E::RecordingResumed { recording, .. }
            | E::RecordingFailed { recording, .. } => recording.to_string(),
        }
    }

    /// The agent the event concerns, when it concerns one (what an agent's own stream shows).
    pub fn agent(&self) -> Option<AgentId> {
        use DomainEvent as E;
        match self {
            E::AgentStateChanged(s) => Some(s.agent),
            E::AgentLoggedIn { agent }
            | E::AgentLoggedOut { agent, .. }
            | E::AgentOffered { agent, .. }
            | E::AgentMissed { agent, .. }
            | E::AgentWrapUpStarted { agent, .. }
            | E::AgentWrapUpEnded { agent, .. }
            | E::CallOffered { agent, .. }
            | E::CallRinging { agent, .. } => Some(*agent),
            E::CallConnected {
                to: ConnectedTo::Agent { agent },
                ..
            } => Some(*agent),
            E::CallHeld { by, .. } | E::CallResumed { by, .. } | E::CallTransferred { by, .. } => {
                *by
            }
            _ => None,
        }
    }

    /// The event's `data` as JSON (what integration plugins receive as the payload).
    pub fn data_json(&self) -> String {
        // Adjacently tagged: the serialised form is {"type": …, "data": …}; the data part alone
        // is what the log stores beside the type column.
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(mut map)) => map
                .remove("data")
                .unwrap_or(serde_json::Value::Null)
                .to_string(),
            _ => "null".to_owned(),
        }
    }

    /// Rebuilds an event from its stored type and data.
    pub fn from_parts(kind: &str, data: &str) -> Result<DomainEvent, serde_json::Error> {
        let data: serde_json::Value = serde_json::from_str(data)?;
        serde_json::from_value(serde_json::json!({"type": kind, "data": data}))
    }
}

/// One event as the tenant's log keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the tenant's log: 1, 2, 3… with no gaps in one tenant.
    pub seq: u64,
    /// The event's id.
    pub id: EventId,
    /// The tenant.
    pub tenant: TenantId,
    /// When it happened (UTC, millisecond precision).
    pub at: DateTime<Utc>,
    /// What it is about (see [`DomainEvent::subject`]).
    pub subject: String,
    /// What happened.
    #[serde(flatten)]
    pub event: DomainEvent,
}

#[cfg(test)]
mod tests;
