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

/// A manifest for `world`.
pub fn manifest_of(name: &str, world: &str, capabilities: serde_json::Value) -> Manifest {
    serde_json::from_value(serde_json::json!({
        "name": name, "version": "1.0.0", "world": world, "capabilities": capabilities,
    }))
    .expect("valid manifest")
}

/// The capabilities `ivr-menu` imports: `config`, plus `log` and `http` (for PIN endpoints)
/// with `allowed` as the one allowed host.
pub fn ivr_menu_capabilities(allowed: &str) -> serde_json::Value {
    serde_json::json!({"config": true, "log": true, "http": {"allowed_hosts": [allowed]}})
}

/// Serves `router` on a free loopback port for the rest of the test; returns `127.0.0.1:port`.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let address = listener.local_addr().expect("local address").to_string();
    tokio::spawn(async move { axum::serve(listener, router).await });
    address
}

/// A loopback `host:port` where nothing listens (connections are refused).
pub async fn closed_port() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    listener.local_addr().expect("local address").to_string()
}

/// Log lines of `level` in an invocation.
pub fn logs_at(invocation: &Invocation, level: &str) -> Vec<String> {
    invocation
        .logs
        .iter()
        .filter(|line| line.level == level)
        .map(|line| line.message.clone())
        .collect()
}

/// An IVR call walked event by event through a plugin, applying `set-call-data` and `visit`
/// actions between events the way the call actor does.
pub struct IvrWalk {
    pub host: PluginHost,
    pub plugin: Arc<Plugin>,
    pub installation: Arc<Installation>,
    pub context: CallContext,
    /// The last invocation's record.
    pub last: Option<std::sync::Arc<Invocation>>,
}

impl IvrWalk {
    /// `ivr-menu` with `menu` as its config, HTTP allowed to `allowed`, and `secrets`.
    pub fn ivr_menu(menu: serde_json::Value, allowed: &str, secrets: &[(&str, &str)]) -> Self {
        let (host, _) = host();
        // As ivr-menu is published: its PIN answers (tags `pin:…`) are secret.
        let mut manifest = manifest("ivr-menu", ivr_menu_capabilities(allowed));
        manifest.sensitive_digits = vec!["pin:".into()];
        let plugin = host
            .load(manifest, &guest("ivr_menu"))
            .expect("ivr-menu loads");
        let mut installation = Installation::new(kefu_core::TenantId::new());
        installation.config.insert("menu".into(), menu);
        for (key, value) in secrets {
            installation
                .secrets
                .insert((*key).to_owned(), (*value).to_owned());
        }
        let context = context(&installation.tenant.to_string(), &[]);
        IvrWalk {
            host,
            plugin,
            installation: Arc::new(installation),
            context,
            last: None,
        }
    }

    /// Sends `event`, applies set-call-data and visit actions, returns the actions.
    pub async fn send(&mut self, event: Event) -> Vec<Action> {
        let call = self
            .host
            .ivr_on_event(&self.plugin, &self.installation, &self.context, &event)
            .await;
        let actions = match call.output {
            Some(Ok(actions)) => actions,
            other => panic!("ivr-menu failed: {other:?} ({:?})", call.invocation.outcome),
        };
        for action in &actions {
            match action {
                Action::SetCallData(pairs) => {
                    for (key, value) in pairs {
                        self.context.data.retain(|(k, _)| k != key);
                        if !value.is_empty() {
                            self.context.data.push((key.clone(), value.clone()));
                        }
                    }
                }
                Action::Visit(node) => self.context.ivr_path.push(node.clone()),
                _ => {}
            }
        }
        self.last = Some(call.invocation);
        actions
    }

    /// The caller entered `digits` for the question tagged `tag`.
    pub async fn press(&mut self, tag: &str, digits: &str) -> Vec<Action> {
        self.send(Event::DigitsCollected(ivr::CollectedDigits {
            tag: tag.into(),
            digits: digits.into(),
            ended_by: ivr::CollectEnd::MaxDigits,
        }))
        .await
    }

    /// The caller entered nothing for the question tagged `tag`.
    pub async fn silence(&mut self, tag: &str) -> Vec<Action> {
        self.send(Event::DigitsCollected(ivr::CollectedDigits {
            tag: tag.into(),
            digits: String::new(),
            ended_by: ivr::CollectEnd::Timeout,
        }))
        .await
    }

    /// The call data value of `key`.
    pub fn data(&self, key: &str) -> Option<&str> {
        self.context
            .data
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}
