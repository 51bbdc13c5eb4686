//! The payloads of `call.*` events that carry more than ids: what a call was when it arrived
//! ([`CallReceived`]) and everything its detail record holds when it ended ([`CallEnded`]).
//!
//! `call.ended` is self-contained on purpose: the call detail record is derived from it alone
//! (in the same transaction that stores the event), so the log and the records cannot
//! disagree, and a call closed after a crash gets its record the same way.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{AgentId, CallId, DidId, InstallationId, TrunkId};

/// Which way a call goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// A caller reached the tenant.
    Inbound,
    /// The tenant placed the call.
    Outbound,
}

impl Direction {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}

/// What answers a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CallEntry {
    /// An installed IVR plugin.
    Ivr {
        /// The installation.
        installation: InstallationId,
    },
    /// A queue, by name: the caller hears "please hold" and waits.
    Queue {
        /// The queue name.
        queue: String,
    },
}

/// A call as it reached Kefu.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallReceived {
    /// The call.
    pub call: CallId,
    /// Inbound or outbound.
    pub direction: Direction,
    /// Who called (the From user part, as received).
    pub caller: String,
    /// The number dialled (E.164 for an admitted inbound call).
    pub dialled: String,
    /// The tenant's number the call reached.
    pub did: Option<DidId>,
    /// The trunk it came through.
    pub trunk: Option<TrunkId>,
    /// What answers the number.
    pub entry: Option<CallEntry>,
    /// The SIP Call-ID of the caller's leg.
    pub sip_call_id: String,
    /// The node that owns the call (closes it after a crash).
    pub node: String,
}

/// What the IVR did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IvrActionKind {
    /// A menu node was visited.
    Visit,
    /// A prompt was played.
    Play,
    /// Digits were collected.
    Collect,
    /// The plugin failed and the call went to the number's fallback (or was hung up).
    PluginFailed,
}

/// Who the caller is talking to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConnectedTo {
    /// An agent.
    Agent {
        /// The agent.
        agent: AgentId,
    },
    /// An external number, through the tenant's outbound trunk.
    Number {
        /// The number, E.164.
        number: String,
    },
}

/// Where a call was transferred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TransferTarget {
    /// An agent.
    Agent {
        /// The agent.
        agent: AgentId,
    },
    /// A queue, by name.
    Queue {
        /// The queue's name.
        queue: String,
    },
    /// An external number.
    Number {
        /// The number, E.164.
        number: String,
    },
}

/// How a call ended, for its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// The caller hung up (or was hung up) in the IVR.
    EndedInIvr,
    /// The caller hung up while waiting in a queue.
    AbandonedInQueue,
    /// The caller left a voicemail.
    Voicemail,
    /// An agent talked to the caller.
    Answered,
    /// The call was connected to an external number.
    Transferred,
    /// The caller hung up before the call was answered.
    Cancelled,
    /// The call could not be set up (no common codec, media failure).
    Failed,
    /// The node running the call stopped (crash, power loss) before the call ended; found and
    /// closed at the next start.
    Interrupted,
}

impl Disposition {
    /// The stable name (`abandoned_in_queue`).
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::EndedInIvr => "ended_in_ivr",
            Disposition::AbandonedInQueue => "abandoned_in_queue",
            Disposition::Voicemail => "voicemail",
            Disposition::Answered => "answered",
            Disposition::Transferred => "transferred",
            Disposition::Cancelled => "cancelled",
            Disposition::Failed => "failed",
            Disposition::Interrupted => "interrupted",
        }
    }
}

/// Who ended a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HangupBy {
    /// The caller (BYE or CANCEL from the trunk).
    Caller,
    /// Kefu (the plugin's hang-up, a failure, the end of a voicemail, a crash).
    System,
    /// The agent.
    Agent,
}

impl HangupBy {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            HangupBy::Caller => "caller",
            HangupBy::System => "system",
            HangupBy::Agent => "agent",
        }
    }
}

/// Media counters of the caller's leg.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaSummary {
    /// RTP packets received from the caller.
    pub packets_received: u64,
    /// RTP packets sent to the caller.
    pub packets_sent: u64,
    /// Packets the caller's stream lost (sequence gaps).
    pub packets_lost: u64,
    /// Interarrival jitter, in milliseconds.
    pub jitter_ms: u32,
    /// DTMF keys received.
    pub dtmf_keys: u32,
}

/// A call at its end: everything its detail record holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallEnded {
    /// What it was when it arrived (its fields sit beside the others in JSON: `data.call`
    /// names the call as in every `call.*` event).
    #[serde(flatten)]
    pub received: CallReceived,
    /// When the INVITE arrived.
    pub started_at: DateTime<Utc>,
    /// When the caller's leg was answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub ended_at: DateTime<Utc>,
    /// How it ended.
    pub disposition: Disposition,
    /// Who ended it.
    pub hangup_by: HangupBy,
    /// IVR nodes visited, in order.
    pub ivr_path: Vec<String>,
    /// The last queue it waited in.
    pub queue: Option<String>,
    /// Time spent waiting in queues, milliseconds (with `queue`).
    pub queue_wait_ms: Option<u64>,
    /// Call data set by the IVR, in the order it was set.
    pub call_data: Vec<(String, String)>,
    /// Agents who talked to the caller, in order.
    #[serde(default)]
    pub agents: Vec<AgentId>,
    /// Time the caller spent talking to agents, milliseconds (holds not counted).
    #[serde(default)]
    pub talk_ms: Option<u64>,
    /// Time the caller spent on hold, milliseconds (with `holds`).
    #[serde(default)]
    pub hold_ms: Option<u64>,
    /// How many times the caller was put on hold.
    #[serde(default)]
    pub holds: u32,
    /// The caller's media counters.
    pub media: MediaSummary,
    /// Why it failed or ended early, for people.
    pub reason: Option<String>,
}
