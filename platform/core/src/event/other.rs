//! The payloads of `plugin.*` and `recording.*` events.

use serde::{Deserialize, Serialize};

use crate::{CallId, RecordingId};

/// How a plugin invocation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PluginFailureKind {
    /// The guest trapped (panic, out of fuel or memory, a bad host call).
    Trapped,
    /// It ran past its time limit.
    TimedOut,
    /// The host refused to run it (a missing capability, bad input).
    Refused,
    /// It returned its own error.
    Errored,
}

/// A recording was finalised in the object store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingStored {
    /// The recording.
    pub recording: RecordingId,
    /// The call.
    pub call: CallId,
    /// Length, milliseconds.
    pub duration_ms: u64,
    /// Size of the stored object, bytes.
    pub bytes: u64,
}
