//! Running fixtures in the embedded host: each case gets its own installation (tenant,
//! config, secrets, limits), its own kv store seeded from the fixture and a
//! [`ScriptedHttp`] upstream, so cases never see each other and never reach the network.

use std::sync::Arc;
use std::time::Duration;

use kefu_core::TenantId;
use kefu_plugin_host::{Installation, KvStore, Plugin, PluginHost, ScriptedHttp};
use serde_json::Value;

use crate::fixture::{Fixture, NamedFixture};
use crate::verdict;

/// How one case went.
#[derive(Debug)]
pub struct CaseResult {
    /// `file` or `file#i`.
    pub name: String,
    /// The fixture's description.
    pub description: Option<String>,
    /// Time in the plugin (instantiation to return), microseconds; 0 when it never ran.
    pub duration_us: u64,
    /// Why it failed; empty when it passed.
    pub failures: Vec<String>,
}

impl CaseResult {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// The tenant the input names (`context.tenant_id`, `summary.tenant_id`, `event.tenant_id`).
fn input_tenant(input: &Value) -> Option<&str> {
    ["context", "summary", "event"]
        .iter()
        .find_map(|k| input.get(k)?.get("tenant_id")?.as_str())
}

fn installation(fixture: &Fixture) -> Result<Installation, String> {
    let tenant = match fixture.tenant.as_deref().or(input_tenant(&fixture.input)) {
        Some(text) => text
            .parse::<TenantId>()
            .map_err(|e| format!("tenant `{text}` is not a tenant id (`ten_` and a ULID): {e}"))?,
        // The router's input names no tenant: any one will do.
        None => TenantId::new(),
    };
    let mut installation = Installation::new(tenant);
    installation.config = fixture.config.clone();
    installation.secrets = fixture.secrets.clone();
    if let Some(limits) = &fixture.limits {
        let l = &mut installation.limits;
        if let Some(ms) = limits.cpu_ms {
            l.cpu = Duration::from_millis(ms);
        }
        if let Some(ms) = limits.wall_ms {
            l.wall = Duration::from_millis(ms);
        }
        if let Some(mib) = limits.memory_mib {
            l.memory_bytes = mib.saturating_mul(1 << 20);
        }
    }
    Ok(installation)
}

/// Runs one case.
pub async fn run_case(host: &PluginHost, plugin: &Plugin, case: &NamedFixture) -> CaseResult {
    let fixture = &case.fixture;
    let mut result = CaseResult {
        name: case.name.clone(),
        description: fixture.description.clone(),
        duration_us: 0,
        failures: Vec::new(),
    };
    let installation = match installation(fixture) {
        Ok(i) => Arc::new(i),
        Err(e) => {
            result.failures.push(e);
            return result;
        }
    };
    let exchanges = match fixture.exchanges() {
        Ok(e) => e,
        Err(e) => {
            result.failures.push(format!("{e:#}"));
            return result;
        }
    };
    let http = Arc::new(ScriptedHttp::new(exchanges));
    let kv = Arc::new(KvStore::default());
    let tenant = installation.tenant.to_string();
    let plugin_name = plugin.manifest().name.clone();
    let mut seeded = std::collections::BTreeMap::new();
    for (key, value) in &fixture.kv {
        match value.bytes() {
            Ok(bytes) => seeded.insert(key.clone(), bytes),
            Err(e) => {
                result.failures.push(format!("kv `{key}`: {e:#}"));
                return result;
            }
        };
    }
    kv.seed(&tenant, &plugin_name, seeded);
    let scripted = host.with_services(http.clone(), kv.clone());
    let world = plugin.manifest().world;
    let invocation = match scripted
        .invoke_json(
            plugin,
            &installation,
            world,
            &fixture.function,
            fixture.input.clone(),
        )
        .await
    {
        Ok(i) => i,
        Err(e) => {
            result.failures.push(format!(
                "the fixture's function and input do not fit the `{}` world: {e}",
                world.wit_name()
            ));
            return result;
        }
    };
    result.duration_us = invocation.duration_us;
    result.failures = verdict::judge(
        fixture,
        &invocation,
        &http.unmatched(),
        &kv.contents(&tenant, &plugin_name),
    );
    result
}
