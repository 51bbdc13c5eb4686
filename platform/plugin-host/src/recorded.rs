//! What the host answered a guest, kept as JSON in [`HostCall::response`] so an invocation can
//! be replayed against the same answers, and the way back from a record to those answers.
//!
//! Shapes, per import (one JSON object per host call):
//!
//! | call | answer |
//! |---|---|
//! | `http.send` | `{"method": "GET", "url": "…", "status": 200, "headers": [["k", "v"]], "body": "text"}` — `body_base64` instead of `body` when it is not UTF-8; a body over 32 KiB is cut, with `"truncated": true` and `"body_bytes"`; a failure is `{"method", "url", "error": <http-error>}` |
//! | `kv.get` | `{"key": "k", "value": "text"}` (`value_base64` when not UTF-8, `"value": null` when absent) or `{"key", "error": <kv-error>}` |
//! | `kv.set`, `kv.delete` | `{"key": "k", "ok": true}` or `{"key", "error": <kv-error>}` |
//! | `config.get` | `{"key": "k", "set": true, "value_json": "<the setting's JSON text>"}` (records made before 2026-11-23: `"value": <the setting's JSON>`) |
//! | `config.secret` | `{"key": "k", "present": true}` — never the value |
//! | `customers.*` | `{"error": <customers-error>}` |
//!
//! The answers of one invocation share a budget ([`MAX_ANSWER_BYTES`]); past it an answer is
//! kept as `{"omitted": true}` and that invocation can only be replayed live.
//!
//! This module must never put a secret's value, or a request's headers or body (which carry
//! credentials), in a record.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::error::ReplayError;
use crate::http::{HttpError, Method, Response};
use crate::invocation::HostCall;
use crate::scripted::ScriptedExchange;

/// Largest HTTP response body kept in a record, bytes.
pub const MAX_RECORDED_BODY: usize = 32 << 10;
/// Bytes of recorded answers one invocation may keep.
pub const MAX_ANSWER_BYTES: usize = 256 << 10;

/// Response headers whose values are not kept (they carry the upstream's session secrets).
const REDACTED_HEADERS: [&str; 1] = ["set-cookie"];

/// `response`, or `{"omitted": true}` when it would take `used` past [`MAX_ANSWER_BYTES`].
pub(crate) fn within_budget(response: Value, used: &mut usize) -> Value {
    let size = crate::host::json_len(&response);
    if used.saturating_add(size) > MAX_ANSWER_BYTES {
        return json!({ "omitted": true });
    }
    *used += size;
    response
}

/// The method as HTTP spells it.
pub(crate) fn method_name(method: Method) -> &'static str {
    match method {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Patch => "PATCH",
        Method::Delete => "DELETE",
        Method::Head => "HEAD",
    }
}

/// The method named `name` (any case).
pub fn parse_method(name: &str) -> Option<Method> {
    Some(match name.to_ascii_uppercase().as_str() {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "PATCH" => Method::Patch,
        "DELETE" => Method::Delete,
        "HEAD" => Method::Head,
        _ => return None,
    })
}

/// Text when it is UTF-8, else base64 under `<name>_base64`.
fn bytes_field(answer: &mut serde_json::Map<String, Value>, name: &str, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(text) => answer.insert(name.into(), Value::String(text.into())),
        Err(_) => answer.insert(
            format!("{name}_base64"),
            Value::String(STANDARD.encode(bytes)),
        ),
    };
}

/// The answer to an `http.send` of `method url`.
pub(crate) fn http(method: Method, url: &str, result: &Result<Response, HttpError>) -> Value {
    let mut answer = serde_json::Map::new();
    answer.insert("method".into(), method_name(method).into());
    answer.insert("url".into(), url.into());
    match result {
        Ok(response) => {
            answer.insert("status".into(), response.status.into());
            let headers: Vec<Value> = response
                .headers
                .iter()
                .map(|(name, value)| {
                    let redact = REDACTED_HEADERS.contains(&name.to_ascii_lowercase().as_str());
                    json!([name, if redact { "<redacted>" } else { value }])
                })
                .collect();
            answer.insert("headers".into(), headers.into());
            let body = &response.body;
            if body.len() > MAX_RECORDED_BODY {
                let mut cut = MAX_RECORDED_BODY;
                // Cut on a character boundary when the body is text, so it stays text.
                if let Ok(text) = std::str::from_utf8(body) {
                    while !text.is_char_boundary(cut) {
                        cut -= 1;
                    }
                }
                bytes_field(&mut answer, "body", &body[..cut]);
                answer.insert("truncated".into(), true.into());
                answer.insert("body_bytes".into(), body.len().into());
            } else {
                bytes_field(&mut answer, "body", body);
            }
        }
        Err(error) => {
            answer.insert("error".into(), json!(error));
        }
    }
    Value::Object(answer)
}

/// The answer to a `kv.get` of `key`.
pub(crate) fn kv_get<E: serde::Serialize>(key: &str, result: &Result<Option<Vec<u8>>, E>) -> Value {
    let mut answer = serde_json::Map::new();
    answer.insert("key".into(), key.into());
    match result {
        Ok(Some(value)) => bytes_field(&mut answer, "value", value),
        Ok(None) => {
            answer.insert("value".into(), Value::Null);
        }
        Err(error) => {
            answer.insert("error".into(), json!(error));
        }
    }
    Value::Object(answer)
}

/// The answer to a `kv.set` or `kv.delete` of `key`.
pub(crate) fn kv_write<E: serde::Serialize>(key: &str, result: &Result<(), E>) -> Value {
    match result {
        Ok(()) => json!({ "key": key, "ok": true }),
        Err(error) => json!({ "key": key, "error": error }),
    }
}

/// The answers a record holds, rearranged to answer a replay.
#[derive(Debug, Default)]
pub(crate) struct Recording {
    /// HTTP exchanges in the order the guest made them.
    pub(crate) http: Vec<ScriptedExchange>,
    /// kv contents before the invocation, as far as the guest looked at them.
    pub(crate) kv: BTreeMap<String, Vec<u8>>,
    /// Settings the guest read: `None` when it was not set.
    pub(crate) config: BTreeMap<String, Option<Value>>,
    /// Secrets the guest asked for and found.
    pub(crate) secrets: Vec<String>,
}

impl Recording {
    /// Reads the answers out of `calls`. A call without a usable answer (recorded before answers
    /// were kept, over the budget, or a cut body) makes the record unreplayable this way.
    pub(crate) fn from_host_calls(calls: &[HostCall]) -> Result<Recording, ReplayError> {
        let mut recording = Recording::default();
        let mut written: Vec<String> = Vec::new();
        for (index, call) in calls.iter().enumerate() {
            let unusable = |reason: &str| ReplayError::Unanswerable {
                call: index,
                interface: call.interface.clone(),
                function: call.function.clone(),
                reason: reason.to_owned(),
            };
            let Some(answer) = &call.response else {
                return Err(unusable("recorded without its answer"));
            };
            if answer.get("omitted").is_some() {
                return Err(unusable("its answer was over the record's size budget"));
            }
            if answer.get("truncated").and_then(Value::as_bool) == Some(true) {
                return Err(unusable("the response body was cut in the record"));
            }
            let key = || {
                answer
                    .get("key")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| unusable("the answer names no key"))
            };
            match (call.interface.as_str(), call.function.as_str()) {
                ("http", "send") => recording
                    .http
                    .push(http_exchange(answer).map_err(|reason| unusable(&reason))?),
                ("kv", "get") => {
                    let key = key()?;
                    if answer.get("error").is_some() {
                        return Err(unusable("the store failed; its error is not reproduced"));
                    }
                    let value = decode_bytes(answer, "value").map_err(|r| unusable(&r))?;
                    if !written.contains(&key)
                        && !recording.kv.contains_key(&key)
                        && let Some(value) = value
                    {
                        recording.kv.insert(key, value);
                    }
                }
                ("kv", "set" | "delete") => written.push(key()?),
                ("config", "get") => {
                    let set = answer.get("set").and_then(Value::as_bool).unwrap_or(false);
                    let value = match answer.get("value_json") {
                        _ if !set => None,
                        Some(Value::String(text)) => Some(
                            serde_json::from_str(text)
                                .map_err(|e| unusable(&format!("value_json is not JSON: {e}")))?,
                        ),
                        Some(_) => return Err(unusable("value_json is not a string")),
                        None => Some(answer.get("value").cloned().unwrap_or(Value::Null)),
                    };
                    recording.config.entry(key()?).or_insert(value);
                }
                ("config", "secret") => {
                    if answer.get("present").and_then(Value::as_bool) == Some(true) {
                        recording.secrets.push(key()?);
                    }
                }
                // The directory is not connected yet: every look-up answers `unavailable`,
                // live or replayed.
                ("customers", _) => {}
                _ => return Err(unusable("this host does not know that import")),
            }
        }
        Ok(recording)
    }
}

/// `name` (text) or `name_base64`; `None` when the field is null or absent.
fn decode_bytes(answer: &Value, name: &str) -> Result<Option<Vec<u8>>, String> {
    if let Some(text) = answer.get(name).and_then(Value::as_str) {
        return Ok(Some(text.as_bytes().to_vec()));
    }
    match answer.get(format!("{name}_base64")).and_then(Value::as_str) {
        Some(encoded) => STANDARD
            .decode(encoded)
            .map(Some)
            .map_err(|e| format!("{name}_base64 is not base64: {e}")),
        None => Ok(None),
    }
}

/// The exchange an `http.send` answer describes.
fn http_exchange(answer: &Value) -> Result<ScriptedExchange, String> {
    let method = answer
        .get("method")
        .and_then(Value::as_str)
        .and_then(parse_method)
        .ok_or("the answer has no valid method")?;
    let url = answer
        .get("url")
        .and_then(Value::as_str)
        .ok_or("the answer has no url")?;
    let result = match answer.get("error") {
        Some(error) => Err(serde_json::from_value::<HttpError>(error.clone())
            .map_err(|e| format!("the recorded error does not decode: {e}"))?),
        None => {
            let status = answer
                .get("status")
                .and_then(Value::as_u64)
                .and_then(|s| u16::try_from(s).ok())
                .ok_or("the answer has no status")?;
            let headers = match answer.get("headers") {
                None => Vec::new(),
                Some(headers) => serde_json::from_value::<Vec<(String, String)>>(headers.clone())
                    .map_err(|e| format!("recorded headers do not decode: {e}"))?,
            };
            let body = decode_bytes(answer, "body")?.unwrap_or_default();
            Ok(Response {
                status,
                headers,
                body,
            })
        }
    };
    ScriptedExchange::new(method, url, result).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests;
