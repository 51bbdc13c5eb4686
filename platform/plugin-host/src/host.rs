//! [`PluginHost`]: the engine, the compiled-component cache, per-plugin pre-linked instances
//! and the IVR invocation path.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, UpdateDeadline,
};

use crate::bindings::ivr::kefu::plugin as wit;
use crate::bindings::ivr::{Ivr, IvrPre};
use crate::error::{LoadError, ReplayError};
use crate::http::{HttpClient, ReqwestClient};
use crate::invocation::{Invocation, InvocationSink, Outcome, Rejection, Trap};
use crate::kv::KvStore;
use crate::limits::{HostConfig, InvocationLimits};
use crate::manifest::{Manifest, World, interface};
use crate::store::{Grant, LimitExceeded, StoreData};
use crate::ticker::EpochTicker;
use crate::{Action, CallContext, Event, PluginError};

/// A tenant's installation of a plugin: whose it is, its settings and its limits.
#[derive(Debug, Clone)]
pub struct Installation {
    /// The tenant.
    pub tenant: kefu_core::TenantId,
    /// Settings by top-level key (the `config` capability returns them as JSON text).
    pub config: BTreeMap<String, serde_json::Value>,
    /// Secrets by key; never logged.
    pub secrets: BTreeMap<String, String>,
    /// Limits for every invocation of this installation.
    pub limits: InvocationLimits,
}

impl Installation {
    /// An installation with no settings and the default limits.
    pub fn new(tenant: kefu_core::TenantId) -> Self {
        Installation {
            tenant,
            config: BTreeMap::new(),
            secrets: BTreeMap::new(),
            limits: InvocationLimits::default(),
        }
    }
}

/// A loaded plugin version: compiled, checked against its manifest and pre-linked. Cheap to
/// share; a live call keeps the `Arc<Plugin>` it started with, whatever is published later.
pub struct Plugin {
    manifest: Manifest,
    content_hash: String,
    allowed_hosts: Arc<[String]>,
    pre: IvrPre<StoreData>,
    compile_time: Option<Duration>,
}

impl Plugin {
    /// The manifest it was loaded with.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }
    /// SHA-256 of the component, hex.
    pub fn content_hash(&self) -> &str {
        &self.content_hash
    }
    /// How long compiling took, when this load compiled it (not when the cache had it).
    pub fn compile_time(&self) -> Option<Duration> {
        self.compile_time
    }
}

/// The result of an IVR `on-event` call.
#[derive(Debug)]
pub struct IvrCall {
    /// The plugin's answer, when it returned and the host accepted it.
    pub output: Option<Result<Vec<Action>, PluginError>>,
    /// The logged record.
    pub invocation: Invocation,
}

/// A replay and how it compares with the original.
#[derive(Debug)]
pub struct Replay {
    /// The new run.
    pub invocation: Invocation,
    /// Same outcome as recorded (output, or trap kind).
    pub identical: bool,
}

/// Runs plugins. Clone it freely; clones share the engine, caches and log.
#[derive(Clone)]
pub struct PluginHost {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    epoch_tick: Duration,
    components: Mutex<HashMap<String, Component>>,
    plugins: Mutex<HashMap<(String, semver::Version), Arc<Plugin>>>,
    sink: Arc<dyn InvocationSink>,
    http: Arc<dyn HttpClient>,
    kv: Arc<KvStore>,
    _ticker: EpochTicker,
}

impl PluginHost {
    /// A host with the real HTTP client.
    pub fn new(config: HostConfig, sink: Arc<dyn InvocationSink>) -> Result<Self, LoadError> {
        let http =
            ReqwestClient::new().map_err(|e| LoadError::Host(format!("HTTP client: {e}")))?;
        Self::with_http_client(config, sink, Arc::new(http))
    }

    /// A host whose plugins' HTTP requests (after the allow-list) go through `http`.
    pub fn with_http_client(
        config: HostConfig,
        sink: Arc<dyn InvocationSink>,
        http: Arc<dyn HttpClient>,
    ) -> Result<Self, LoadError> {
        let engine = Engine::new(&engine_config(&config))
            .map_err(|e| LoadError::Host(format!("engine: {e:#}")))?;
        let ticker = EpochTicker::start(&engine, config.epoch_tick)
            .map_err(|e| LoadError::Host(format!("epoch ticker thread: {e}")))?;
        Ok(PluginHost {
            inner: Arc::new(Inner {
                engine,
                epoch_tick: config.epoch_tick,
                components: Mutex::new(HashMap::new()),
                plugins: Mutex::new(HashMap::new()),
                sink,
                http,
                kv: Arc::new(KvStore::default()),
                _ticker: ticker,
            }),
        })
    }

    /// Loads a plugin version: compiles the component (once per content hash), checks its
    /// imports against the manifest's capabilities and pre-links it for its world.
    pub fn load(&self, manifest: Manifest, wasm: &[u8]) -> Result<Arc<Plugin>, LoadError> {
        manifest.validate()?;
        let content_hash = hex::encode(Sha256::digest(wasm));
        let key = (manifest.name.clone(), manifest.version.clone());
        if let Some(loaded) = lock(&self.inner.plugins).get(&key)
            && loaded.content_hash == content_hash
            && loaded.manifest == manifest
        {
            return Ok(loaded.clone());
        }
        if manifest.world != World::Ivr {
            return Err(LoadError::WorldNotSupported(manifest.world.wit_name()));
        }
        let cached = lock(&self.inner.components).get(&content_hash).cloned();
        let (component, compile_time) = match cached {
            Some(component) => (component, None),
            None => {
                let started = Instant::now();
                let component =
                    Component::new(&self.inner.engine, wasm).map_err(|e| LoadError::Compile {
                        name: manifest.name.clone(),
                        version: manifest.version.clone(),
                        reason: format!("{e:#}"),
                    })?;
                let took = started.elapsed();
                lock(&self.inner.components).insert(content_hash.clone(), component.clone());
                (component, Some(took))
            }
        };
        self.check_imports(&manifest, &component)?;
        let linker = self.linker(&manifest)?;
        let mismatch = |e: wasmtime::Error| LoadError::WorldMismatch {
            name: manifest.name.clone(),
            world: manifest.world.wit_name(),
            reason: format!("{e:#}"),
        };
        let instance_pre = linker.instantiate_pre(&component).map_err(mismatch)?;
        let pre = IvrPre::new(instance_pre).map_err(mismatch)?;
        let allowed_hosts = manifest
            .capabilities
            .http
            .as_ref()
            .map(|h| h.allowed_hosts.clone())
            .unwrap_or_default()
            .into();
        let plugin = Arc::new(Plugin {
            manifest,
            content_hash,
            allowed_hosts,
            pre,
            compile_time,
        });
        lock(&self.inner.plugins).insert(key, plugin.clone());
        Ok(plugin)
    }

    /// A loaded version, for replay or for calls that started on it.
    pub fn plugin(&self, name: &str, version: &semver::Version) -> Option<Arc<Plugin>> {
        lock(&self.inner.plugins)
            .get(&(name.to_owned(), version.clone()))
            .cloned()
    }

    fn check_imports(&self, manifest: &Manifest, component: &Component) -> Result<(), LoadError> {
        for (name, _) in component.component_type().imports(&self.inner.engine) {
            if name.starts_with("wasi:") || interface::TYPE_ONLY.contains(&name) {
                continue; // WASI is linked and denies everything; type-only imports need nothing
            }
            match manifest.capabilities.grants(name) {
                Some(true) => {}
                Some(false) => {
                    return Err(LoadError::UndeclaredImport {
                        name: manifest.name.clone(),
                        interface: name.to_owned(),
                    });
                }
                None => {
                    return Err(LoadError::UnknownImport {
                        name: manifest.name.clone(),
                        interface: name.to_owned(),
                    });
                }
            }
        }
        Ok(())
    }

    /// A linker with deny-everything WASI and only the declared capabilities.
    fn linker(&self, manifest: &Manifest) -> Result<Linker<StoreData>, LoadError> {
        let host = |e: wasmtime::Error| LoadError::Host(format!("linking: {e:#}"));
        let mut linker = Linker::new(&self.inner.engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(host)?;
        let caps = &manifest.capabilities;
        fn get(data: &mut StoreData) -> &mut StoreData {
            data
        }
        if caps.log {
            wit::log::add_to_linker::<_, HasSelf<StoreData>>(&mut linker, get).map_err(host)?;
        }
        if caps.kv {
            wit::kv::add_to_linker::<_, HasSelf<StoreData>>(&mut linker, get).map_err(host)?;
        }
        if caps.config {
            wit::config::add_to_linker::<_, HasSelf<StoreData>>(&mut linker, get).map_err(host)?;
        }
        if caps.customers {
            wit::customers::add_to_linker::<_, HasSelf<StoreData>>(&mut linker, get)
                .map_err(host)?;
        }
        if caps.http.is_some() {
            wit::http::add_to_linker::<_, HasSelf<StoreData>>(&mut linker, get).map_err(host)?;
        }
        Ok(linker)
    }

    /// Calls the IVR plugin's `on-event` in a fresh instance, within the installation's limits,
    /// and logs the invocation.
    pub async fn ivr_on_event(
        &self,
        plugin: &Plugin,
        installation: &Arc<Installation>,
        context: &CallContext,
        event: &Event,
    ) -> IvrCall {
        let input = serde_json::json!({ "context": context, "event": event });
        let limits = &installation.limits;
        let grant = Arc::new(Grant {
            installation: installation.clone(),
            plugin: plugin.manifest.name.clone(),
            allowed_hosts: plugin.allowed_hosts.clone(),
            http: self.inner.http.clone(),
            kv: self.inner.kv.clone(),
        });
        let mut store = Store::new(&self.inner.engine, StoreData::new(grant, limits));
        store.limiter(|data| &mut data.limiter);
        let tick = self.inner.epoch_tick;
        store.set_epoch_deadline(ticks(limits.cpu, tick));
        store.epoch_deadline_callback(move |ctx| {
            let cpu = &ctx.data().cpu;
            let used = cpu.used();
            if used >= cpu.limit {
                return Err(wasmtime::Error::new(LimitExceeded::Cpu));
            }
            Ok(UpdateDeadline::Continue(ticks(cpu.limit - used, tick)))
        });

        let started = Instant::now();
        let run = async {
            let instance: Ivr = plugin
                .pre
                .instantiate_async(&mut store)
                .await
                .map_err(|e| (true, e))?;
            instance
                .call_on_event(&mut store, context, event)
                .await
                .map_err(|e| (false, e))
        };
        let result = tokio::time::timeout(limits.wall, run).await;
        let duration = started.elapsed();

        let (output, outcome) = match result {
            Err(_) => (None, Outcome::Trapped(Trap::WallClockLimit)),
            Ok(Err((instantiating, error))) => {
                let trap = match Trap::classify(&error) {
                    Trap::Other(reason) if instantiating => Trap::Instantiation(reason),
                    trap => trap,
                };
                (None, Outcome::Trapped(trap))
            }
            Ok(Ok(returned)) => match serde_json::to_value(&returned) {
                Err(e) => (
                    None,
                    Outcome::Trapped(Trap::Other(format!(
                        "output not representable as JSON: {e}"
                    ))),
                ),
                Ok(json) => {
                    let bytes = json_len(&json);
                    if bytes > limits.max_output_bytes {
                        (
                            None,
                            Outcome::Rejected(Rejection::OutputTooLarge {
                                bytes,
                                limit: limits.max_output_bytes,
                            }),
                        )
                    } else {
                        (Some(returned), Outcome::Returned(json))
                    }
                }
            },
        };
        let data = store.into_data();
        let invocation = Invocation {
            plugin: plugin.manifest.name.clone(),
            version: plugin.manifest.version.clone(),
            content_hash: plugin.content_hash.clone(),
            tenant: installation.tenant.to_string(),
            world: World::Ivr,
            function: "on-event".into(),
            input,
            outcome,
            duration_us: duration.as_micros() as u64,
            host_calls: data.host_calls,
            logs: data.logs,
        };
        self.inner.sink.record(&invocation);
        IvrCall { output, invocation }
    }

    /// Re-runs a recorded invocation's input against the same plugin version (same content
    /// hash) and compares outcomes. Host calls are made again, live: a plugin whose answers
    /// depend on HTTP or kv may legitimately differ.
    pub async fn replay(
        &self,
        installation: &Arc<Installation>,
        recorded: &Invocation,
    ) -> Result<Replay, ReplayError> {
        let not_loaded = || ReplayError::NotLoaded {
            name: recorded.plugin.clone(),
            version: recorded.version.clone(),
            content_hash: recorded.content_hash.clone(),
        };
        let plugin = self
            .plugin(&recorded.plugin, &recorded.version)
            .ok_or_else(not_loaded)?;
        if plugin.content_hash != recorded.content_hash {
            return Err(not_loaded());
        }
        #[derive(serde::Deserialize)]
        struct IvrInput {
            context: CallContext,
            event: Event,
        }
        let input: IvrInput = serde_json::from_value(recorded.input.clone())?;
        let call = self
            .ivr_on_event(&plugin, installation, &input.context, &input.event)
            .await;
        let identical = call.invocation.outcome == recorded.outcome;
        Ok(Replay {
            invocation: call.invocation,
            identical,
        })
    }
}

fn engine_config(config: &HostConfig) -> Config {
    let slots = config.max_concurrent_instances;
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(slots)
        .total_core_instances(slots * 16)
        .max_core_instances_per_component(16)
        .total_memories(slots)
        .max_memories_per_component(1)
        .total_tables(slots * 4)
        .max_tables_per_component(4)
        .total_stacks(slots)
        .max_memory_size(config.max_memory_bytes);
    let mut engine = Config::new();
    engine
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
        .epoch_interruption(true)
        .max_wasm_stack(config.max_wasm_stack)
        .async_stack_size(config.max_wasm_stack + (512 << 10));
    engine
}

/// Epoch ticks for `time`, at least one.
fn ticks(time: Duration, tick: Duration) -> u64 {
    (time.as_nanos() / tick.as_nanos().max(1)).max(1) as u64
}

fn json_len(json: &serde_json::Value) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    // Writing to a counter cannot fail.
    let _ = serde_json::to_writer(&mut counter, json);
    counter.0
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}
