//! A tenant's per-invocation plugin limits (CPU, memory, wall clock, output), stored as the
//! tenant's `plugin_limits` configuration document and applied to every installation when it
//! is built for a call. The defaults are the host's; the maxima are what the instance pool is
//! sized for. Reading and applying only: the API that changes them (and checks values against
//! [`maxima`]) is the server's.

use std::time::Duration;

use kefu_core::TenantScope;
use kefu_plugin_host::InvocationLimits;
use kefu_store::{Store, StoreError};
use serde::{Deserialize, Serialize};

/// The document kind in the store.
pub const KIND: &str = "plugin_limits";

/// Per-invocation limits of a tenant's plugins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginLimits {
    /// Guest CPU time per invocation, milliseconds (epoch deadline).
    pub cpu_ms: u32,
    /// Linear memory per invocation, MiB.
    pub memory_mib: u32,
    /// Wall-clock time per invocation, host calls included, milliseconds.
    pub wall_ms: u32,
    /// Largest output (its JSON form), KiB.
    pub max_output_kib: u32,
}

/// The stored limits could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LimitsError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The stored document is not a set of limits.
    #[error("stored plugin limits: {0}")]
    Corrupt(#[from] serde_json::Error),
}

/// The host's defaults.
pub fn defaults() -> PluginLimits {
    let d = InvocationLimits::default();
    PluginLimits {
        cpu_ms: d.cpu.as_millis() as u32,
        memory_mib: (d.memory_bytes >> 20) as u32,
        wall_ms: d.wall.as_millis() as u32,
        max_output_kib: (d.max_output_bytes >> 10) as u32,
    }
}

/// The bounds (memory: the pool's slot size, see `HostConfig::max_memory_bytes`).
pub fn maxima() -> PluginLimits {
    PluginLimits {
        cpu_ms: 1_000,
        memory_mib: (kefu_plugin_host::HostConfig::default().max_memory_bytes >> 20) as u32,
        wall_ms: 30_000,
        max_output_kib: 1_024,
    }
}

/// The stored limits and the document's version (the defaults, at version 0, when none).
pub async fn stored(
    store: &Store,
    scope: &TenantScope,
) -> Result<(i64, PluginLimits), LimitsError> {
    let doc = store.config_doc(scope, KIND).await?;
    let limits = match doc.doc {
        Some(text) => serde_json::from_str(&text)?,
        None => defaults(),
    };
    Ok((doc.version, limits))
}

/// The host limits for the scope's invocations.
pub async fn effective(
    store: &Store,
    scope: &TenantScope,
) -> Result<InvocationLimits, LimitsError> {
    let (_, limits) = stored(store, scope).await?;
    Ok(InvocationLimits {
        cpu: Duration::from_millis(limits.cpu_ms.into()),
        wall: Duration::from_millis(limits.wall_ms.into()),
        memory_bytes: (limits.memory_mib as usize) << 20,
        max_output_bytes: (limits.max_output_kib as usize) << 10,
        ..InvocationLimits::default()
    })
}
