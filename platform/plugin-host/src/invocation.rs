//! The record of one invocation — enough to audit it and to replay it — and where records go.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::manifest::World;
use crate::store::LimitExceeded;

/// One call into a plugin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invocation {
    /// This record's id (`piv_…`, sorting by time).
    #[serde(default)]
    pub id: String,
    /// Plugin name.
    pub plugin: String,
    /// Plugin version.
    pub version: semver::Version,
    /// SHA-256 of the component, hex: the exact code that ran.
    pub content_hash: String,
    /// The tenant whose installation ran.
    pub tenant: String,
    /// The installation that ran (`ins_…`), when it has an id.
    #[serde(default)]
    pub installation: Option<String>,
    /// The extension point.
    pub world: World,
    /// The exported function (`on-event`, `score`, `lookup`, `on-call-ended`).
    pub function: String,
    /// The arguments, as JSON.
    pub input: JsonText,
    /// What came of it.
    pub outcome: Outcome,
    /// From instantiation to return or trap, microseconds.
    pub duration_us: u64,
    /// Host imports the guest called, in order.
    pub host_calls: Vec<HostCall>,
    /// Lines the guest logged.
    pub logs: Vec<LogLine>,
}

/// How an invocation ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum Outcome {
    /// The function returned (its JSON; a plugin-level `err` is a return too).
    Returned(JsonText),
    /// The guest was stopped.
    Trapped(Trap),
    /// The host refused the input before instantiating, or refused the returned result.
    Rejected(Rejection),
}

/// A JSON document kept as its compact text: one string to make on the invocation's path and
/// one to free, where a [`serde_json::Value`] tree costs an allocation per node both ways (for
/// an IVR event, as much as instantiating the plugin). Read it with [`JsonText::value`]; it
/// serialises as the JSON it holds (not as a string) and deserialises from any JSON.
#[derive(Clone)]
pub struct JsonText(String);

impl JsonText {
    /// `value`'s compact JSON text.
    pub fn of<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<JsonText> {
        serde_json::to_string(value).map(JsonText)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Bytes of the text.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the text is empty (never: the text is always a JSON document).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The document as a value (parsed on every call).
    pub fn value(&self) -> serde_json::Value {
        // Always valid: every constructor produced the text from a value.
        serde_json::from_str(&self.0).unwrap_or(serde_json::Value::Null)
    }
}

impl From<serde_json::Value> for JsonText {
    fn from(value: serde_json::Value) -> Self {
        JsonText(value.to_string())
    }
}

impl PartialEq for JsonText {
    /// The same JSON (key order and spacing aside: a record read back from PostgreSQL's
    /// `jsonb` has its keys in another order).
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0 || self.value() == other.value()
    }
}

impl std::fmt::Debug for JsonText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Display for JsonText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for JsonText {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde_json::from_str::<serde_json::Value>(&self.0)
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for JsonText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde_json::Value::deserialize(deserializer).map(JsonText::from)
    }
}

/// Why a guest was stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum Trap {
    /// It ran longer than its CPU limit.
    CpuLimit,
    /// It tried to grow memory past its limit.
    MemoryLimit,
    /// It tried to grow a table past its limit.
    TableLimit,
    /// It overflowed the WebAssembly stack (deep recursion).
    StackOverflow,
    /// The whole invocation, host calls included, took longer than the wall-clock limit (or
    /// the caller's deadline, for router `score`): it was cut, or it returned too late.
    WallClockLimit,
    /// All instance slots were busy, or instantiation failed.
    Instantiation(String),
    /// Any other trap: `unreachable` (a Rust panic), out-of-bounds access, … (wasmtime's text).
    Other(String),
}

/// Why an invocation or its result was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum Rejection {
    /// The output's JSON form is larger than the limit.
    OutputTooLarge {
        /// Its size, bytes.
        bytes: usize,
        /// The limit, bytes.
        limit: usize,
    },
    /// The input names another tenant than the installation's (nothing was instantiated).
    TenantMismatch {
        /// The tenant in the input (`call-context.tenant-id`, `call-summary.tenant-id`).
        input: String,
        /// The installation's tenant.
        installation: String,
    },
    /// The plugin implements another world than the one called (nothing was instantiated).
    WrongWorld {
        /// The plugin's world.
        plugin: World,
        /// The world whose function was called.
        called: World,
    },
}

/// One host import call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostCall {
    /// `http`, `kv`, `config`, `customers`.
    pub interface: String,
    /// The function.
    pub function: String,
    /// A summary without secrets (`GET http://… → 200 (12 bytes)`).
    pub detail: String,
    /// Time spent in the host, microseconds.
    pub duration_us: u64,
    /// What the host answered the guest, so the invocation can be replayed against the same
    /// answers ([`HostAnswers::Recorded`](crate::HostAnswers::Recorded)). Shapes per import are
    /// in the `recorded` module's docs; secrets are never recorded, only that one was present.
    /// `None` in records made before answers were kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<serde_json::Value>,
}

/// A line from the guest's `log` import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// `trace` … `error`.
    pub level: String,
    /// The message (cut at 2,000 bytes).
    pub message: String,
}

impl Trap {
    /// Classifies a wasmtime error from a call.
    pub(crate) fn classify(error: &wasmtime::Error) -> Trap {
        if let Some(limit) = error.downcast_ref::<LimitExceeded>() {
            return match limit {
                LimitExceeded::Cpu => Trap::CpuLimit,
                LimitExceeded::Wall => Trap::WallClockLimit,
                LimitExceeded::Memory => Trap::MemoryLimit,
                LimitExceeded::Table => Trap::TableLimit,
            };
        }
        match error.downcast_ref::<wasmtime::Trap>() {
            Some(wasmtime::Trap::StackOverflow) => Trap::StackOverflow,
            Some(wasmtime::Trap::Interrupt) => Trap::CpuLimit,
            Some(trap) => Trap::Other(trap.to_string()),
            None => Trap::Other(format!("{error:#}")),
        }
    }
}

/// Where invocation records go. The store backs this later; [`MemoryLog`] keeps the latest.
pub trait InvocationSink: Send + Sync {
    /// Keeps `invocation`. Must not block for long: it runs on the invocation's path. The
    /// record is shared with the caller's [`PluginCall`](crate::PluginCall): keep the `Arc`
    /// (a copy of the record would cost as much as the invocation itself).
    fn record(&self, invocation: &Arc<Invocation>);
}

/// A ring buffer of the latest invocations.
pub struct MemoryLog {
    capacity: usize,
    entries: Mutex<VecDeque<Arc<Invocation>>>,
}

impl MemoryLog {
    /// Keeps the latest `capacity` invocations.
    pub fn new(capacity: usize) -> Self {
        MemoryLog {
            capacity,
            entries: Mutex::new(VecDeque::with_capacity(capacity)),
        }
    }

    /// The kept invocations, oldest first.
    pub fn entries(&self) -> Vec<Arc<Invocation>> {
        match self.entries.lock() {
            Ok(entries) => entries.iter().cloned().collect(),
            Err(poisoned) => poisoned.into_inner().iter().cloned().collect(),
        }
    }
}

impl InvocationSink for MemoryLog {
    fn record(&self, invocation: &Arc<Invocation>) {
        let mut entries = match self.entries.lock() {
            Ok(entries) => entries,
            Err(poisoned) => poisoned.into_inner(),
        };
        if entries.len() == self.capacity {
            entries.pop_front();
        }
        if self.capacity > 0 {
            entries.push_back(invocation.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn json_text_is_json_in_records_and_compares_as_json() {
        let text = JsonText::of(&json!({"b": [1, "x"], "a": null})).unwrap();
        assert_eq!(text.value(), json!({"a": null, "b": [1, "x"]}));
        // Inside a record it is the document, not a string holding it.
        let record = serde_json::to_value(Outcome::Returned(text.clone())).unwrap();
        assert_eq!(
            record,
            json!({"kind": "returned", "detail": {"a": null, "b": [1, "x"]}})
        );
        // Read back (PostgreSQL's jsonb reorders keys), it is still the same output.
        let reordered: Outcome =
            serde_json::from_str(r#"{"detail": {"b": [1, "x"], "a": null}, "kind": "returned"}"#)
                .unwrap();
        assert_eq!(reordered, Outcome::Returned(text.clone()));
        assert_ne!(
            Outcome::Returned(JsonText::from(json!({"a": null, "b": [1]}))),
            Outcome::Returned(text)
        );
    }
}
