//! Per-invocation limits (per tenant) and the host-wide sizing of the instance pool.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Limits for one invocation; an installation may have its own (e.g. per tenant plan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvocationLimits {
    /// Guest execution time, not counting time spent waiting in host calls (HTTP).
    pub cpu: Duration,
    /// Wall-clock cap for the whole invocation, host calls included.
    pub wall: Duration,
    /// Linear memory, bytes (capped by [`HostConfig::max_memory_bytes`]).
    pub memory_bytes: usize,
    /// Tables per instance.
    pub tables: usize,
    /// Elements per table.
    pub table_elements: usize,
    /// Core instances per invocation (a component has several).
    pub instances: usize,
    /// Largest output accepted, bytes of its JSON form.
    pub max_output_bytes: usize,
    /// Log lines kept per invocation.
    pub max_log_lines: usize,
    /// Largest HTTP response body, bytes.
    pub http_max_response_bytes: u64,
    /// Longest HTTP request, whatever the guest asks for.
    pub http_timeout: Duration,
}

impl Default for InvocationLimits {
    fn default() -> Self {
        InvocationLimits {
            cpu: Duration::from_millis(50),
            wall: Duration::from_secs(5),
            memory_bytes: 64 << 20,
            tables: 8,
            table_elements: 20_000,
            instances: 32,
            max_output_bytes: 64 << 10,
            max_log_lines: 100,
            http_max_response_bytes: 1 << 20,
            http_timeout: Duration::from_secs(2),
        }
    }
}

/// Host-wide settings: the pool and the engine. Wasmtime fixes these per engine, so they are
/// not per tenant; per-tenant limits must fit inside them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostConfig {
    /// Instances that may run at once (pool slots).
    pub max_concurrent_instances: u32,
    /// Largest linear memory any tenant may be allowed, bytes.
    pub max_memory_bytes: usize,
    /// WebAssembly stack, bytes: deep recursion traps past it.
    pub max_wasm_stack: usize,
    /// How often the epoch ticker advances; the CPU limit's granularity.
    pub epoch_tick: Duration,
    /// Where the `http` capability may reach beyond the allow-list (private networks) and
    /// whom HTTPS trusts.
    #[serde(default)]
    pub http: crate::http::HttpPolicy,
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            max_concurrent_instances: 100,
            max_memory_bytes: 256 << 20,
            max_wasm_stack: 512 << 10,
            epoch_tick: Duration::from_millis(1),
            http: crate::http::HttpPolicy::default(),
        }
    }
}
