//! Shared test setup: the built guests, a host, manifests and call contexts.
#![allow(dead_code)] // each test file uses a different subset

use std::path::PathBuf;
use std::sync::Arc;

use kefu_plugin_host::ivr::Event;
use kefu_plugin_host::*;

/// The directory `plugins/build.sh` writes to, or `$KEFU_PLUGIN_WASM_DIR`.
pub fn wasm_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("KEFU_PLUGIN_WASM_DIR") {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("KEFU_WASM_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
                .join(".cache/kefu/target-wasm")
        });
    target.join("plugins")
}

/// A built guest's bytes; fails (never skips) when it has not been built.
pub fn guest(name: &str) -> Vec<u8> {
    let path = wasm_dir().join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}): run plugins/build.sh first (or set KEFU_PLUGIN_WASM_DIR)",
            path.display()
        )
    })
}

pub fn host() -> (PluginHost, Arc<MemoryLog>) {
    let log = Arc::new(MemoryLog::new(1_000));
    let config = HostConfig {
        max_concurrent_instances: 16,
        // The tests' HTTP servers listen on loopback, which production refuses.
        http: HttpPolicy {
            allow_private_networks: true,
            ..HttpPolicy::default()
        },
        ..HostConfig::default()
    };
    (
        PluginHost::new(config, log.clone()).expect("host starts"),
        log,
    )
}

pub fn manifest(name: &str, capabilities: serde_json::Value) -> Manifest {
    serde_json::from_value(serde_json::json!({
        "name": name, "version": "1.0.0", "world": "ivr", "capabilities": capabilities,
    }))
    .expect("valid manifest")
}

pub fn context(tenant: &str, data: &[(&str, &str)]) -> CallContext {
    CallContext {
        call_id: "call_01".into(),
        tenant_id: tenant.into(),
        caller: "+8613800138000".into(),
        dialled: "+862150000000".into(),
        data: data
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ivr_path: Vec::new(),
        language: Language::Mandarin,
        started_at_ms: 1_795_000_000_000,
    }
}

pub fn installation() -> Arc<Installation> {
    Arc::new(Installation::new(kefu_core::TenantId::new()))
}

/// The misbehaving guest, loaded with the capabilities it imports and HTTP allowed to
/// `allowed`.
pub fn misbehave(host: &PluginHost, allowed: &str) -> Arc<Plugin> {
    misbehave_named(host, "misbehave", allowed)
}

/// The misbehaving guest's component loaded as a plugin called `name`.
pub fn misbehave_named(host: &PluginHost, name: &str, allowed: &str) -> Arc<Plugin> {
    let caps = serde_json::json!({
        "log": true, "kv": true, "config": true, "http": {"allowed_hosts": [allowed]},
    });
    host.load(manifest(name, caps), &guest("misbehave"))
        .expect("misbehave loads")
}

/// Runs the misbehaving guest with `behaviour` (plus extra call data), for a call of the
/// installation's tenant.
pub async fn behave(
    host: &PluginHost,
    plugin: &Plugin,
    installation: &Arc<Installation>,
    behaviour: &str,
    extra: &[(&str, &str)],
) -> IvrCall {
    let mut data = vec![("behaviour", behaviour)];
    data.extend_from_slice(extra);
    host.ivr_on_event(
        plugin,
        installation,
        &context(&installation.tenant.to_string(), &data),
        &Event::CallStarted,
    )
    .await
}

/// The value of `key` in the first `set-call-data` action of a returned output.
pub fn data_of(call: &IvrCall, key: &str) -> Option<String> {
    let Some(Ok(actions)) = &call.output else {
        return None;
    };
    actions.iter().find_map(|action| match action {
        Action::SetCallData(pairs) => pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()),
        _ => None,
    })
}
