//! One delivery, built without IO: the JSON body of a domain event and the headers that sign
//! and identify it. The plugin's entry point sends what this module builds.

use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha256;

/// Header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256>`.
pub const SIGNATURE_HEADER: &str = "X-Kefu-Signature";
/// Header carrying the event id; receivers de-duplicate on it (a retried delivery repeats it).
pub const EVENT_ID_HEADER: &str = "X-Kefu-Event-Id";
/// Header carrying the event type.
pub const EVENT_TYPE_HEADER: &str = "X-Kefu-Event-Type";

/// The posted JSON document.
#[derive(Debug, Serialize)]
pub struct Body<'a> {
    /// The event id (`evt_…`), also in [`EVENT_ID_HEADER`].
    pub id: &'a str,
    /// The event type, e.g. `call.ended`.
    #[serde(rename = "type")]
    pub kind: &'a str,
    /// The tenant.
    pub tenant_id: &'a str,
    /// When it happened, milliseconds since the Unix epoch (UTC).
    pub occurred_at_ms: u64,
    /// The event's own JSON payload.
    pub data: serde_json::Value,
}

/// The body as bytes; `payload_json` must be JSON (the error says it is not).
pub fn body(
    id: &str,
    kind: &str,
    tenant_id: &str,
    occurred_at_ms: u64,
    payload_json: &str,
) -> Result<Vec<u8>, String> {
    let data: serde_json::Value = serde_json::from_str(payload_json)
        .map_err(|e| format!("event {id} payload is not JSON: {e}"))?;
    serde_json::to_vec(&Body {
        id,
        kind,
        tenant_id,
        occurred_at_ms,
        data,
    })
    .map_err(|e| format!("event {id} cannot be encoded: {e}"))
}

/// The [`SIGNATURE_HEADER`] value: `t=<timestamp>,v1=<hex(HMAC-SHA256(secret, "<timestamp>.<body>"))>`.
pub fn signature(secret: &[u8], timestamp: u64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", hex(&mac(secret, timestamp, body)))
}

fn mac(secret: &[u8], timestamp: u64, body: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here; an empty vector
    // would only produce a signature no receiver accepts.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return Vec::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}
