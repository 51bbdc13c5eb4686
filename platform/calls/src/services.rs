//! What a call needs from the rest of the platform, as one trait the server implements: where
//! an inbound INVITE goes, the number's IVR plugin, tenant prompts, the tenant's queues, and
//! where call records and voicemails are kept.
//!
//! The calls crate never touches the database or the object store itself; tests implement this
//! trait over real plugins and in-memory records.

use std::net::IpAddr;
use std::time::SystemTime;

use async_trait::async_trait;
use kefu_core::{CallId, TenantId};
use kefu_plugin_host::CallContext;
use kefu_plugin_host::ivr::{Action, Event};
use serde::Serialize;

/// An inbound INVITE as the call service sees it.
#[derive(Debug, Clone)]
pub struct InboundRequest {
    /// The transport source address.
    pub source: IpAddr,
    /// The request-URI user part.
    pub dialled: String,
    /// The whole Request-URI, as the stack parsed it: digest answers must have been computed
    /// for it (their `uri`), so an answer to one call is no key to a call to another number.
    pub request_uri: String,
    /// The caller (From user part, or the display of the From URI).
    pub caller: String,
    /// The `Authorization` (or `Proxy-Authorization`) header's value, when the request carried
    /// credentials (at most 2 KiB; longer ones are dropped).
    pub authorization: Option<String>,
}

/// Where an accepted inbound call goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    /// The number's tenant.
    pub tenant: TenantId,
    /// The number (DID) id.
    pub did: String,
    /// The number, E.164.
    pub number: String,
    /// The trunk the call came through.
    pub trunk: String,
    /// What answers the number.
    pub entry: Entry,
}

/// What answers a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    /// An installed IVR plugin.
    Ivr {
        /// The installation id.
        installation: String,
    },
    /// A queue, by name: the caller hears "please hold" and waits.
    Queue {
        /// The queue name.
        queue: String,
    },
}

/// Why an inbound INVITE is refused, as the SIP status to answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// 403, 404, 503…
    pub status: u16,
    /// For the log (never sent to the caller).
    pub reason: String,
    /// A `WWW-Authenticate` value: answer 401 with this challenge (digest trunks).
    pub challenge: Option<String>,
}

/// Where transfers to external numbers leave: the tenant's outbound trunk.
#[derive(Clone, PartialEq, Eq)]
pub struct OutboundTrunk {
    /// The trunk id (for the record).
    pub id: String,
    /// The carrier's proxy, `host:port`.
    pub proxy: String,
    /// Digest credentials, when the carrier challenges.
    pub credentials: Option<(String, String)>,
    /// Caller id to present (E.164), if the trunk sets one.
    pub caller_id: Option<String>,
}

impl std::fmt::Debug for OutboundTrunk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboundTrunk")
            .field("id", &self.id)
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

/// The number's IVR plugin for one call. Loaded once when the call starts: a live call keeps
/// the version it started with.
#[async_trait]
pub trait IvrSession: Send {
    /// The plugin's answer to `event`, or why it failed (trap, error, refusal).
    async fn on_event(
        &mut self,
        context: &CallContext,
        event: &Event,
    ) -> Result<Vec<Action>, String>;
}

/// A voicemail to keep.
#[derive(Debug, Clone)]
pub struct NewVoicemail {
    /// The tenant.
    pub tenant: TenantId,
    /// The call it was left on.
    pub call: CallId,
    /// The mailbox the plugin named.
    pub mailbox: String,
    /// Who called.
    pub caller: String,
    /// The number called.
    pub dialled: String,
    /// 8 kHz 16-bit mono WAV.
    pub wav: Vec<u8>,
    /// Length of the message.
    pub duration_ms: u64,
}

/// Media counters of the caller's leg, kept in the call record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
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

/// How a call ended, for the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// The caller hung up (or was hung up) in the IVR.
    EndedInIvr,
    /// The caller hung up while waiting in a queue.
    AbandonedInQueue,
    /// The caller left a voicemail.
    Voicemail,
    /// The call was connected to an external number.
    Transferred,
    /// The caller hung up before the call was answered.
    Cancelled,
    /// The call could not be set up (no common codec, media failure).
    Failed,
}

impl Disposition {
    /// The stable name (`abandoned_in_queue`).
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::EndedInIvr => "ended_in_ivr",
            Disposition::AbandonedInQueue => "abandoned_in_queue",
            Disposition::Voicemail => "voicemail",
            Disposition::Transferred => "transferred",
            Disposition::Cancelled => "cancelled",
            Disposition::Failed => "failed",
        }
    }
}

/// Who ended the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HangupBy {
    /// The caller (BYE or CANCEL from the trunk).
    Caller,
    /// Kefu (the plugin's hang-up, a failure, the end of a voicemail).
    System,
}

impl HangupBy {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            HangupBy::Caller => "caller",
            HangupBy::System => "system",
        }
    }
}

/// A call detail record: what the call actor writes when the call ends.
#[derive(Debug, Clone, Serialize)]
pub struct CallRecord {
    /// The call.
    pub id: CallId,
    /// Its tenant.
    pub tenant: TenantId,
    /// Where it went.
    pub route: Route,
    /// Who called.
    pub caller: String,
    /// The SIP Call-ID of the inbound leg.
    pub sip_call_id: String,
    /// When the INVITE arrived.
    pub started_at: SystemTime,
    /// When the call was answered.
    pub answered_at: Option<SystemTime>,
    /// When it ended.
    pub ended_at: SystemTime,
    /// How it ended.
    pub disposition: Disposition,
    /// Who ended it.
    pub hangup_by: HangupBy,
    /// IVR nodes visited.
    pub ivr_path: Vec<String>,
    /// The last queue it waited in.
    pub queue: Option<String>,
    /// Time spent waiting in queues.
    pub queue_wait_ms: Option<u64>,
    /// Call data set by the IVR.
    pub call_data: Vec<(String, String)>,
    /// The caller's media counters.
    pub media: MediaSummary,
    /// Why it failed, when it did.
    pub reason: Option<String>,
}

/// A step of a call, for the event bus (`call.started`, `call.answered`, `call.ivr_node`,
/// `call.queued`, `call.dequeued`, `call.voicemail`, `call.ended`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallEvent {
    /// The tenant.
    pub tenant: TenantId,
    /// The call.
    pub call: CallId,
    /// The stable event name.
    pub name: &'static str,
    /// Details (queue, node, disposition…).
    pub detail: Vec<(String, String)>,
}

/// Everything a call needs from outside. See the module docs.
#[async_trait]
pub trait CallServices: Send + Sync + 'static {
    /// Where an inbound INVITE goes, or the status to refuse it with (403 unknown source, 404
    /// unknown number). Runs on every INVITE: keep it in memory.
    async fn route(&self, request: &InboundRequest) -> Result<Route, Refusal>;

    /// The IVR plugin of an installation, for one call.
    async fn ivr_session(
        &self,
        tenant: TenantId,
        installation: &str,
    ) -> Result<Box<dyn IvrSession>, String>;

    /// The tenant's outbound trunk for transfers to external numbers (`Err`: none usable).
    async fn outbound_trunk(&self, tenant: TenantId) -> Result<OutboundTrunk, String>;

    /// A prompt the tenant uploaded, as WAV bytes (`None`: no such prompt).
    async fn tenant_prompt(&self, tenant: TenantId, name: &str) -> Option<Vec<u8>>;

    /// The tenant's routing configuration (queues, skills, agents) for its ACD engine.
    async fn routing(&self, tenant: TenantId) -> Result<crate::queues::Routing, String>;

    /// Keeps a voicemail.
    async fn store_voicemail(&self, voicemail: NewVoicemail) -> Result<(), String>;

    /// Keeps the call detail record.
    async fn record_call(&self, record: CallRecord);

    /// Publishes a call step.
    fn publish(&self, event: CallEvent);
}
