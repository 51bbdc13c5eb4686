//! `webhook`: a first-party integration plugin that posts the tenant's domain events to a URL,
//! signed so the receiver can check they come from Kefu.
//!
//! # Configuration
//!
//! Setting `webhook` (capability `config`) and secret `signing_secret`:
//!
//! ```json
//! {"webhook": {"url": "https://hooks.example.com/kefu", "events": ["call.*", "agent.state-changed"], "timeout_ms": 5000}}
//! ```
//!
//! - `url`: `http://` or `https://`, at most 2,048 characters. Its host must be in the
//!   manifest's HTTP allow-list (capability `http`).
//! - `events`: 1–64 patterns: an exact type (`call.ended`), a family (`call.*`: every type
//!   under `call.`), or `*` (everything). Other events are ignored without a request.
//! - `timeout_ms`: 1–30,000, default 5,000; the host's own cap applies on top.
//! - Secret `signing_secret`: required; without it nothing is sent unsigned, the call fails
//!   with `invalid-config`.
//!
//! # What is posted
//!
//! `POST <url>` with `Content-Type: application/json` and the body
//! `{"id": "evt_…", "type": "call.ended", "tenant_id": "ten_…", "occurred_at_ms": …, "data": {…}}`
//! (`data` is the event's payload). Headers:
//!
//! - `X-Kefu-Event-Id: evt_…` — the idempotency key. A delivery that is retried carries the
//!   same id; receivers should ignore ids they have already processed.
//! - `X-Kefu-Event-Type: call.ended`.
//! - `X-Kefu-Signature: t=<ts>,v1=<hex>` where `<ts>` is the Unix time in seconds when the
//!   request was signed and `<hex>` is the lower-case hex HMAC-SHA256, keyed with the
//!   `signing_secret`, of the text `<ts>.<body>` (the timestamp, a dot, the exact body bytes).
//!   The scheme is Stripe's: a receiver recomputes the HMAC over the raw body it received,
//!   compares in constant time, and rejects timestamps older than its tolerance (five minutes
//!   is usual) so a captured request cannot be replayed later. `v1` names the scheme, so a
//!   new one can be added beside it.
//!
//! # Outcome
//!
//! A 2xx answer is a delivery (logged at info). Any other status, a timeout or a transport
//! failure is logged as a warning and returned as an `upstream` plugin error, so the platform
//! records the failed delivery and may retry it with the same event id. An event whose payload
//! is not JSON is an `invalid-input` error. The plugin keeps no state.
//!
//! What this plugin must never do: send an event it was not configured for, send unsigned, or
//! write the secret anywhere (log lines name the event and the status only).

pub mod config;
pub mod delivery;
#[cfg(test)]
mod tests;

use std::time::{SystemTime, UNIX_EPOCH};

use kefu_plugin_sdk::integration::kefu::plugin::config as settings;
use kefu_plugin_sdk::integration::kefu::plugin::http::{self, Method, Request};
use kefu_plugin_sdk::integration::kefu::plugin::integration_types::DomainEvent;
use kefu_plugin_sdk::integration::kefu::plugin::log::{Level, log};
use kefu_plugin_sdk::integration::kefu::plugin::types::{ErrorKind, PluginError};

use crate::config::WebhookConfig;
use crate::delivery::{EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER};

/// The secret the signatures are keyed with.
pub const SECRET: &str = "signing_secret";

struct Webhook;

impl kefu_plugin_sdk::integration::Guest for Webhook {
    fn on_event(event: DomainEvent) -> Result<(), PluginError> {
        let json = settings::get("webhook")
            .ok_or_else(|| error(ErrorKind::InvalidConfig, "config `webhook` is not set"))?;
        let config = WebhookConfig::parse(&json).map_err(|e| error(ErrorKind::InvalidConfig, e))?;
        if !config.selects(&event.kind) {
            return Ok(());
        }
        let secret = settings::secret(SECRET)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                error(
                    ErrorKind::InvalidConfig,
                    format!("secret `{SECRET}` is not set; events are never sent unsigned"),
                )
            })?;
        let body = delivery::body(
            &event.id,
            &event.kind,
            &event.tenant_id,
            event.occurred_at_ms,
            &event.payload_json,
        )
        .map_err(|e| error(ErrorKind::InvalidInput, e))?;
        let signature = delivery::signature(secret.as_bytes(), now_secs(&event), &body);
        let request = Request {
            method: Method::Post,
            url: config.url.clone(),
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("User-Agent".into(), "kefu-webhook/0.1".into()),
                (EVENT_ID_HEADER.into(), event.id.clone()),
                (EVENT_TYPE_HEADER.into(), event.kind.clone()),
                (SIGNATURE_HEADER.into(), signature),
            ],
            body: Some(body),
            timeout_ms: Some(config.timeout_ms),
        };
        let failure = match http::send(&request) {
            Ok(response) if (200..300).contains(&response.status) => {
                log(
                    Level::Info,
                    &format!(
                        "{} {} delivered ({})",
                        event.kind, event.id, response.status
                    ),
                );
                return Ok(());
            }
            Ok(response) => format!("the endpoint answered {}", response.status),
            Err(e) => format!("the endpoint could not be reached: {e:?}"),
        };
        let message = format!("{} {} not delivered: {failure}", event.kind, event.id);
        log(Level::Warn, &message);
        Err(error(ErrorKind::Upstream, message))
    }
}

/// Signing time: the wall clock, or the event's own time if the clock reads before 1970.
fn now_secs(event: &DomainEvent) -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(event.occurred_at_ms / 1_000)
}

fn error(kind: ErrorKind, message: impl Into<String>) -> PluginError {
    PluginError {
        kind,
        message: message.into(),
    }
}

kefu_plugin_sdk::integration::export_integration!(Webhook);
