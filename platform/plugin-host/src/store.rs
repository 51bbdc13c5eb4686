//! What one invocation's wasmtime `Store` holds: the deny-everything WASI context, resource
//! limits, the CPU clock and the record of host calls. A store lives for one invocation only.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::Installation;
use crate::http::HttpClient;
use crate::invocation::{HostCall, LogLine};
use crate::limits::InvocationLimits;

/// Per-invocation state.
pub(crate) struct StoreData {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: Limiter,
    pub(crate) cpu: CpuClock,
    pub(crate) grant: Arc<Grant>,
    pub(crate) host_calls: Vec<HostCall>,
    pub(crate) logs: Vec<LogLine>,
    /// Bytes of recorded answers so far (capped per invocation, see `recorded`).
    pub(crate) recorded_bytes: usize,
}

/// What the plugin's capabilities give it access to in this invocation.
pub(crate) struct Grant {
    pub(crate) installation: Arc<Installation>,
    pub(crate) plugin: String,
    pub(crate) allowed_hosts: Arc<[String]>,
    pub(crate) http: Arc<dyn HttpClient>,
    pub(crate) kv: Arc<crate::kv::KvStore>,
}

impl StoreData {
    /// `wall` is the invocation's wall-clock cap (the installation's, or a caller's sooner
    /// deadline).
    pub(crate) fn new(grant: Arc<Grant>, limits: &InvocationLimits, wall: Duration) -> Self {
        // No preopened directories, no environment, no arguments, no network, stdio closed:
        // wasm32-wasip2 guests import WASI, and every such call finds nothing.
        let wasi = WasiCtx::builder()
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        StoreData {
            wasi,
            table: ResourceTable::new(),
            limiter: Limiter::new(limits),
            cpu: CpuClock::new(limits.cpu, wall),
            grant,
            host_calls: Vec::new(),
            logs: Vec::new(),
            recorded_bytes: 0,
        }
    }

    /// Records a host call that started at `started` (its time is not charged to the guest's
    /// CPU budget) and what the host answered (`response`, already free of secrets).
    /// Past the per-invocation budget the answer is replaced by `{"omitted": true}`.
    pub(crate) fn record_answer(
        &mut self,
        interface: &'static str,
        function: &'static str,
        started: Instant,
        detail: String,
        response: Option<serde_json::Value>,
    ) {
        let duration = started.elapsed();
        self.cpu.in_host += duration;
        let response =
            response.map(|r| crate::recorded::within_budget(r, &mut self.recorded_bytes));
        self.host_calls.push(HostCall {
            interface: interface.into(),
            function: function.into(),
            detail,
            duration_us: duration.as_micros() as u64,
            response,
        });
    }
}

impl WasiView for StoreData {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Guest time: wall time since the call began minus time spent in host calls. The epoch
/// callback consults it, so a plugin waiting on HTTP is not charged for the wait. It also
/// enforces the wall-clock cap while the guest computes (the async timeout only fires when the
/// guest waits on the host).
pub(crate) struct CpuClock {
    pub(crate) started: Instant,
    pub(crate) in_host: Duration,
    pub(crate) limit: Duration,
    pub(crate) wall: Duration,
}

impl CpuClock {
    fn new(limit: Duration, wall: Duration) -> Self {
        CpuClock {
            started: Instant::now(),
            in_host: Duration::ZERO,
            limit,
            wall,
        }
    }
    /// Which limit is used up, if any.
    pub(crate) fn exceeded(&self) -> Option<LimitExceeded> {
        if self.started.elapsed() >= self.wall {
            Some(LimitExceeded::Wall)
        } else if self.used() >= self.limit {
            Some(LimitExceeded::Cpu)
        } else {
            None
        }
    }
    /// Time until the sooner of the two limits.
    pub(crate) fn remaining(&self) -> Duration {
        (self.limit.saturating_sub(self.used()))
            .min(self.wall.saturating_sub(self.started.elapsed()))
    }
    /// Guest time used so far.
    pub(crate) fn used(&self) -> Duration {
        self.started.elapsed().saturating_sub(self.in_host)
    }
}

/// Which limit stopped the guest; found in the trap's error chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum LimitExceeded {
    #[error("CPU limit exceeded")]
    Cpu,
    #[error("wall-clock limit exceeded")]
    Wall,
    #[error("memory limit exceeded")]
    Memory,
    #[error("table limit exceeded")]
    Table,
}

/// Store limits that fail by trapping with a [`LimitExceeded`] the host can classify.
pub(crate) struct Limiter {
    memory_bytes: usize,
    table_elements: usize,
    instances: usize,
    tables: usize,
}

impl Limiter {
    fn new(limits: &InvocationLimits) -> Self {
        Limiter {
            memory_bytes: limits.memory_bytes,
            table_elements: limits.table_elements,
            instances: limits.instances,
            tables: limits.tables,
        }
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_bytes {
            return Err(wasmtime::Error::new(LimitExceeded::Memory));
        }
        Ok(true)
    }
    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.table_elements {
            return Err(wasmtime::Error::new(LimitExceeded::Table));
        }
        Ok(true)
    }
    fn instances(&self) -> usize {
        self.instances
    }
    fn tables(&self) -> usize {
        self.tables
    }
    fn memories(&self) -> usize {
        // One per core instance is more than a Rust guest uses.
        self.instances
    }
}
