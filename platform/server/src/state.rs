//! What every request can reach: configuration, the store, the object store, authentication
//! and the rate limiters. Cheap to clone (one `Arc`).

use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use kefu_store::Store;
use kefu_store::objects::ObjectStore;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::auth::{Auth, RateLimiter};
use crate::config::Config;

/// Shared application state.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

/// The parts of the state.
pub struct Inner {
    /// Configuration in effect.
    pub config: Config,
    /// The database.
    pub store: Store,
    /// The blob store.
    pub objects: Arc<dyn ObjectStore>,
    /// Tokens and sessions.
    pub auth: Arc<Auth>,
    /// Sign-up/login attempts per source address.
    pub ip_limit: RateLimiter,
    /// Login attempts per account.
    pub account_limit: RateLimiter,
    /// Renders `/metrics`.
    pub metrics: Option<PrometheusHandle>,
    /// Delivers queued e-mail (SMTP when configured); wake it when a message is queued.
    pub outbox: Arc<crate::outbox::Outbox>,
    /// Who signed-in users are, cached for `/me`.
    pub identity: crate::identity::IdentityCache,
    /// Runs installed plugins (the WebAssembly host, loading, secrets, the invocation log).
    pub runtime: kefu_telephony::PluginRuntime,
    /// Where each registering outbound trunk's registration stands (filled by telephony).
    pub registrations: kefu_telephony::RegistrationStatuses,
    /// Whether speech synthesis works (set by telephony's start-up check).
    pub speech: kefu_telephony::SpeechStatus,
    /// Where domain events go: numbered and stored in the event log, then published.
    pub events: kefu_events::EventSink,
    /// The bus stored events are published on (in-process or NATS JetStream).
    pub bus: Arc<dyn kefu_events::EventBus>,
    /// Live events fanned out to this node's WebSocket streams.
    pub event_hub: Arc<crate::event_hub::EventHub>,
    /// The agents' side of the call service, once telephony runs.
    pub desk: Arc<std::sync::OnceLock<kefu_calls::AgentDesk>>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("config", &self.config)
            .field("store", &self.store)
            .field("objects", &self.objects)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Wrap the parts.
    pub fn new(inner: Inner) -> AppState {
        AppState(Arc::new(inner))
    }
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// The client's address (the TCP peer), for rate limits and logs.
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}
