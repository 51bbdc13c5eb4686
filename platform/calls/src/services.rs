//! What a call needs from the rest of the platform, as one trait the server implements: where
//! an inbound INVITE goes, the number's IVR plugin, tenant prompts, the tenant's queues, where
//! voicemails are kept, and the event log every step of a call goes to (its `call.ended` is
//! the call's detail record).
//!
//! The calls crate never touches the database or the object store itself; tests implement this
//! trait over real plugins and in-memory records.

use std::net::IpAddr;

use async_trait::async_trait;
use kefu_core::{CallId, DomainEvent, TenantId, TenantScope};
use serde::Serialize;

use crate::ivr::{CallView, IvrAction, IvrError, IvrEvent};

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// What the call acts as: its tenant's telephony principal for the trunk that admitted it
    /// (minted by the services' admission, never by call control). Every step of the call that
    /// writes (voicemail, events, the IVR's plugin runs) is done and audited as this.
    pub scope: TenantScope,
    /// The number (DID) id.
    pub did: String,
    /// The number, E.164.
    pub number: String,
    /// The trunk the call came through.
    pub trunk: String,
    /// What answers the number.
    pub entry: Entry,
    /// Where calls go when the number's IVR fails (after an apology); hung up when `None`.
    pub fallback_queue: Option<String>,
}

impl Route {
    /// The number's tenant.
    pub fn tenant(&self) -> TenantId {
        self.scope.tenant()
    }
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

/// The number's IVR for one call. Loaded once when the call starts: a live call keeps the
/// version it started with. Implemented by the plugin-interface adapter (one per interface
/// version), in the call's own types.
#[async_trait]
pub trait IvrSession: Send {
    /// The IVR's answer to `event`, or why it failed (trap, error, refusal).
    async fn on_event(
        &mut self,
        view: &CallView,
        event: &IvrEvent,
    ) -> Result<Vec<IvrAction>, IvrError>;
}

/// Why the platform could not give a call what it asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    /// The tenant has not configured it (no outbound trunk, no such installation).
    #[error("not configured: {0}")]
    NotConfigured(String),
    /// The configuration exists but cannot be used (invalid routing document, disabled).
    #[error("not usable: {0}")]
    Unusable(String),
    /// The database or object store failed.
    #[error("storage failed: {0}")]
    Storage(String),
}

/// A voicemail to keep (for the call's tenant).
#[derive(Debug, Clone)]
pub struct NewVoicemail {
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

/// Everything a call needs from outside. See the module docs.
#[async_trait]
pub trait CallServices: Send + Sync + 'static {
    /// Where an inbound INVITE goes, or the status to refuse it with (403 unknown source, 404
    /// unknown number). Runs on every INVITE: keep it in memory.
    async fn route(&self, request: &InboundRequest) -> Result<Route, Refusal>;

    /// The IVR plugin of an installation, for one call (`scope`: the call's [`Route::scope`]).
    async fn ivr_session(
        &self,
        scope: &TenantScope,
        installation: &str,
    ) -> Result<Box<dyn IvrSession>, IvrError>;

    /// The tenant's outbound trunk for transfers to external numbers (`Err`: none usable).
    async fn outbound_trunk(&self, scope: &TenantScope) -> Result<OutboundTrunk, ServiceError>;

    /// A prompt the tenant uploaded, as WAV bytes (`None`: no such prompt).
    async fn tenant_prompt(&self, tenant: TenantId, name: &str) -> Option<Vec<u8>>;

    /// The tenant's routing configuration (queues, skills, agents) for its ACD engine.
    async fn routing(&self, tenant: TenantId) -> Result<crate::queues::Routing, ServiceError>;

    /// Keeps a voicemail left on a call (`scope`: the call's [`Route::scope`]).
    async fn store_voicemail(
        &self,
        scope: &TenantScope,
        voicemail: NewVoicemail,
    ) -> Result<(), ServiceError>;

    /// Hands a domain event about one of the tenant's calls to the event log (and from
    /// there the bus), as the call's [`Route::scope`]. Waits when the log is behind rather
    /// than lose the event: a call's `call.ended` is its detail record.
    async fn emit(&self, scope: &TenantScope, event: DomainEvent);

    /// Hands an event that belongs to no call (an agent's state) to the tenant's log, as the
    /// tenant's telephony principal. Waits like [`CallServices::emit`].
    async fn emit_for_tenant(&self, tenant: TenantId, event: DomainEvent);
}
