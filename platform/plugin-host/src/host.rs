//! [`PluginHost`]: the engine, the compiled-component cache, per-plugin pre-linked instances
//! and the invocation paths of the `ivr`, `router` and `crm` worlds.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, UpdateDeadline,
};

use crate::bindings::crm::kefu::plugin::crm_types::{CallSummary, CrmAction, CustomerCard};
use crate::bindings::crm::{Crm, CrmPre};
use crate::bindings::integration::kefu::plugin::integration_types::DomainEvent;
use crate::bindings::integration::{Integration, IntegrationPre};
use crate::bindings::ivr::kefu::plugin as wit;
use crate::bindings::ivr::{Ivr, IvrPre};
use crate::bindings::router::kefu::plugin::router_types::{Call, Candidate, Score};
use crate::bindings::router::{Router, RouterPre};
use crate::error::LoadError;
use crate::http::{HttpClient, ReqwestClient};
use crate::invocation::{Invocation, InvocationSink, JsonText, Outcome, Rejection, Trap};
use crate::kv::KvStore;
use crate::limits::{HostConfig, InvocationLimits};
use crate::manifest::{Manifest, World, interface};
use crate::store::{Grant, StoreData};
use crate::ticker::EpochTicker;
use crate::{Action, CallContext, Event, PluginError};

/// A tenant's installation of a plugin: whose it is, its settings and its limits.
#[derive(Debug, Clone)]
pub struct Installation {
    /// The installation's id (`ins_…`), when it has one (recorded with every invocation).
    pub id: Option<String>,
    /// The tenant.
    pub tenant: kefu_core::TenantId,
    /// Settings by top-level key (the `config` capability returns them as JSON text).
    pub config: BTreeMap<String, serde_json::Value>,
    /// Secrets by key; never logged.
    pub secrets: BTreeMap<String, String>,
    /// Limits for every invocation of this installation.
    pub limits: InvocationLimits,
    /// The settings' JSON text, made on the first `config.get` and shared by every invocation
    /// after it (an IVR plugin reads its menu on every event).
    config_text: ConfigText,
}

impl Installation {
    /// An installation with no settings and the default limits.
    pub fn new(tenant: kefu_core::TenantId) -> Self {
        Installation {
            id: None,
            tenant,
            config: BTreeMap::new(),
            secrets: BTreeMap::new(),
            limits: InvocationLimits::default(),
            config_text: ConfigText::default(),
        }
    }

    /// The JSON text of setting `key`, when it is set. Made once per installation: change
    /// `config` only before the installation is first used (or on a clone, which starts
    /// afresh).
    pub(crate) fn config_text(&self, key: &str) -> Option<Arc<str>> {
        let texts = self.config_text.0.get_or_init(|| {
            self.config
                .iter()
                .map(|(key, value)| (key.clone(), Arc::from(value.to_string())))
                .collect()
        });
        texts.get(key).cloned()
    }
}

/// [`Installation::config_text`]'s cache. A clone starts empty, so a copy whose settings are
/// then changed (a replay against recorded answers) never answers with the old text.
#[derive(Default)]
struct ConfigText(std::sync::OnceLock<BTreeMap<String, Arc<str>>>);

impl Clone for ConfigText {
    fn clone(&self) -> Self {
        ConfigText::default()
    }
}

impl std::fmt::Debug for ConfigText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConfigText")
    }
}

/// A loaded plugin version: compiled, checked against its manifest and pre-linked. Cheap to
/// share; a live call keeps the `Arc<Plugin>` it started with, whatever is published later.
pub struct Plugin {
    manifest: Manifest,
    content_hash: String,
    allowed_hosts: Arc<[String]>,
    pre: Pre,
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

/// A pre-linked component, by world.
enum Pre {
    Ivr(IvrPre<StoreData>),
    Router(RouterPre<StoreData>),
    Crm(CrmPre<StoreData>),
    Integration(IntegrationPre<StoreData>),
}

/// The result of calling a plugin's export.
#[derive(Debug)]
pub struct PluginCall<T> {
    /// The plugin's answer, when it returned and the host accepted it.
    pub output: Option<Result<T, PluginError>>,
    /// The logged record (shared with the invocation sink).
    pub invocation: Arc<Invocation>,
}

/// The result of an IVR `on-event` call.
pub type IvrCall = PluginCall<Vec<Action>>;
/// The result of a router `score` call.
pub type RouterCall = PluginCall<Vec<Score>>;
/// The result of a CRM `lookup` call.
pub type CrmLookupCall = PluginCall<Option<CustomerCard>>;
/// The result of a CRM `on-call-ended` call.
pub type CrmEndedCall = PluginCall<Vec<CrmAction>>;
/// The result of an integration `on-event` call.
pub type IntegrationCall = PluginCall<()>;

/// Loaded plugins are keyed by content hash, name and version.
type PluginKey = (String, String, semver::Version);

/// Runs plugins. Clone it freely; clones share the engine, caches and log.
#[derive(Clone)]
pub struct PluginHost {
    pub(crate) inner: Arc<Inner>,
    /// Where plugins' HTTP requests go (after the allow-list).
    http: Arc<dyn HttpClient>,
    /// The kv capability's store.
    kv: Arc<KvStore>,
}

pub(crate) struct Inner {
    engine: Engine,
    epoch_tick: Duration,
    components: Mutex<HashMap<String, Component>>,
    plugins: Mutex<HashMap<PluginKey, Arc<Plugin>>>,
    sink: Arc<dyn InvocationSink>,
    _ticker: EpochTicker,
}

/// One invocation in a fresh instance: instantiate the pre-linked `$pre` as `$ty`, run `$call`
/// (with the instance and its store) under the wall-clock cap, then classify and log it with
/// `finish`. A macro because each world's instance type and call signature differ.
macro_rules! invoke {
    ($host:expr, $plugin:expr, $installation:expr, $world:expr, $function:expr, $input:expr,
     $pre:expr, $ty:ty, $wall:expr, |$instance:ident, $store:ident| $call:expr) => {{
        let wall = $wall;
        let mut store = $host.store($plugin, $installation, wall);
        let started = Instant::now();
        let run = async {
            let $instance: $ty = $pre
                .instantiate_async(&mut store)
                .await
                .map_err(|e| (true, e))?;
            let $store = &mut store;
            $call.await.map_err(|e| (false, e))
        };
        let result = tokio::time::timeout(wall, run).await;
        $host.finish(
            $plugin,
            $installation,
            $world,
            $function,
            $input,
            store,
            started,
            result,
        )
    }};
}

impl PluginHost {
    /// A host with the real HTTP client.
    pub fn new(config: HostConfig, sink: Arc<dyn InvocationSink>) -> Result<Self, LoadError> {
        let http = ReqwestClient::with_policy(&config.http)
            .map_err(|e| LoadError::Host(format!("HTTP client: {e}")))?;
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
                _ticker: ticker,
            }),
            http,
            kv: Arc::new(KvStore::default()),
        })
    }

    /// This host (same engine, caches, loaded plugins and log) with plugins' HTTP answered
    /// by `http` and kv kept in `kv`: a [`ScriptedHttp`](crate::ScriptedHttp) and a seeded
    /// store make a test or a replay independent of the network and of earlier invocations.
    pub fn with_services(&self, http: Arc<dyn HttpClient>, kv: Arc<KvStore>) -> PluginHost {
        PluginHost {
            inner: self.inner.clone(),
            http,
            kv,
        }
    }

    /// Loads a plugin version: compiles the component (once per content hash), checks its
    /// imports against the manifest's capabilities and pre-links it for its world.
    pub fn load(&self, manifest: Manifest, wasm: &[u8]) -> Result<Arc<Plugin>, LoadError> {
        manifest.validate()?;
        let content_hash = hex::encode(Sha256::digest(wasm));
        let key = (
            content_hash.clone(),
            manifest.name.clone(),
            manifest.version.clone(),
        );
        if let Some(loaded) = lock(&self.inner.plugins).get(&key)
            && loaded.content_hash == content_hash
            && loaded.manifest == manifest
        {
            return Ok(loaded.clone());
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
        let pre = match manifest.world {
            World::Ivr => Pre::Ivr(IvrPre::new(instance_pre).map_err(mismatch)?),
            World::Router => Pre::Router(RouterPre::new(instance_pre).map_err(mismatch)?),
            World::Crm => Pre::Crm(CrmPre::new(instance_pre).map_err(mismatch)?),
            World::Integration => {
                Pre::Integration(IntegrationPre::new(instance_pre).map_err(mismatch)?)
            }
        };
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

    /// A loaded version with exactly this code (content hash), for replay or for calls that
    /// started on it. Two publishers may use the same name and version; the hash tells them
    /// apart.
    pub fn plugin(
        &self,
        content_hash: &str,
        name: &str,
        version: &semver::Version,
    ) -> Option<Arc<Plugin>> {
        lock(&self.inner.plugins)
            .get(&(content_hash.to_owned(), name.to_owned(), version.clone()))
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
    /// and logs the invocation. A context for another tenant than the installation's is
    /// refused before anything runs.
    pub async fn ivr_on_event(
        &self,
        plugin: &Plugin,
        installation: &Arc<Installation>,
        context: &CallContext,
        event: &Event,
    ) -> IvrCall {
        let input = ivr_input(&plugin.manifest, context, event);
        let function = "on-event";
        let Pre::Ivr(pre) = &plugin.pre else {
            return self.refuse(plugin, installation, World::Ivr, function, input, None);
        };
        if let Some(refusal) = tenant_mismatch(installation, &context.tenant_id) {
            return self.refuse(
                plugin,
                installation,
                World::Ivr,
                function,
                input,
                Some(refusal),
            );
        }
        invoke!(
            self,
            plugin,
            installation,
            World::Ivr,
            function,
            input,
            pre,
            Ivr,
            installation.limits.wall,
            |instance, store| instance.call_on_event(store, context, event)
        )
    }

    /// Calls the router plugin's `score` in a fresh instance, within the installation's limits
    /// and `deadline` (the ACD's: past it the engine decides without scores), whichever is
    /// sooner, and logs the invocation. A deadline that passes is a
    /// [`Trap::WallClockLimit`].
    pub async fn router_score(
        &self,
        plugin: &Plugin,
        installation: &Arc<Installation>,
        call: &Call,
        candidates: &[Candidate],
        deadline: Duration,
    ) -> RouterCall {
        let input = input_text(&serde_json::json!({
            "call": call,
            "candidates": candidates,
            "deadline_us": deadline.as_micros() as u64,
        }));
        let function = "score";
        let Pre::Router(pre) = &plugin.pre else {
            return self.refuse(plugin, installation, World::Router, function, input, None);
        };
        invoke!(
            self,
            plugin,
            installation,
            World::Router,
            function,
            input,
            pre,
            Router,
            installation.limits.wall.min(deadline),
            |instance, store| instance.call_score(store, call, candidates)
        )
    }

    /// Calls the CRM plugin's `lookup` (the screen-pop card for `caller`) in a fresh instance,
    /// within the installation's limits, and logs the invocation. A context for another tenant
    /// than the installation's is refused before anything runs.
    pub async fn crm_lookup(
        &self,
        plugin: &Plugin,
        installation: &Arc<Installation>,
        caller: &str,
        context: &CallContext,
    ) -> CrmLookupCall {
        let input = input_text(&serde_json::json!({ "caller": caller, "context": context }));
        let function = "lookup";
        let Pre::Crm(pre) = &plugin.pre else {
            return self.refuse(plugin, installation, World::Crm, function, input, None);
        };
        if let Some(refusal) = tenant_mismatch(installation, &context.tenant_id) {
            return self.refuse(
                plugin,
                installation,
                World::Crm,
                function,
                input,
                Some(refusal),
            );
        }
        invoke!(
            self,
            plugin,
            installation,
            World::Crm,
            function,
            input,
            pre,
            Crm,
            installation.limits.wall,
            |instance, store| instance.call_lookup(store, caller, context)
        )
    }

    /// Calls the CRM plugin's `on-call-ended` in a fresh instance, within the installation's
    /// limits, and logs the invocation. A summary of another tenant's call is refused before
    /// anything runs.
    pub async fn crm_on_call_ended(
        &self,
        plugin: &Plugin,
        installation: &Arc<Installation>,
        summary: &CallSummary,
    ) -> CrmEndedCall {
        let input = input_text(&serde_json::json!({ "summary": summary }));
        let function = "on-call-ended";
        let Pre::Crm(pre) = &plugin.pre else {
            return self.refuse(plugin, installation, World::Crm, function, input, None);
        };
        if let Some(refusal) = tenant_mismatch(installation, &summary.tenant_id) {
            return self.refuse(
                plugin,
                installation,
                World::Crm,
                function,
                input,
                Some(refusal),
            );
        }
        invoke!(
            self,
            plugin,
            installation,
            World::Crm,
            function,
            input,
            pre,
            Crm,
            installation.limits.wall,
            |instance, store| instance.call_on_call_ended(store, summary)
        )
    }

    /// Calls the integration plugin's `on-event` with one of the tenant's domain events, in a
    /// fresh instance, within the installation's limits, and logs the invocation. An event of
    /// another tenant is refused before anything runs.
    pub async fn integration_on_event(
        &self,
        plugin: &Plugin,
        installation: &Arc<Installation>,
        event: &DomainEvent,
    ) -> IntegrationCall {
        let input = input_text(&serde_json::json!({ "event": event }));
        let function = "on-event";
        let world = World::Integration;
        let Pre::Integration(pre) = &plugin.pre else {
            return self.refuse(plugin, installation, world, function, input, None);
        };
        if let Some(refusal) = tenant_mismatch(installation, &event.tenant_id) {
            return self.refuse(plugin, installation, world, function, input, Some(refusal));
        }
        invoke!(
            self,
            plugin,
            installation,
            world,
            function,
            input,
            pre,
            Integration,
            installation.limits.wall,
            |instance, store| instance.call_on_event(store, event)
        )
    }

    /// A fresh store for one invocation, with the installation's limits, and an epoch
    /// deadline for its CPU limit and the wall-clock cap `wall`.
    fn store(
        &self,
        plugin: &Plugin,
        installation: &Arc<Installation>,
        wall: Duration,
    ) -> Store<StoreData> {
        let limits = &installation.limits;
        let grant = Arc::new(Grant {
            installation: installation.clone(),
            plugin: plugin.manifest.name.clone(),
            allowed_hosts: plugin.allowed_hosts.clone(),
            http: self.http.clone(),
            kv: self.kv.clone(),
        });
        let mut store = Store::new(&self.inner.engine, StoreData::new(grant, limits, wall));
        store.limiter(|data| &mut data.limiter);
        let tick = self.inner.epoch_tick;
        store.set_epoch_deadline(ticks(limits.cpu.min(wall), tick));
        store.epoch_deadline_callback(move |ctx| {
            let clock = &ctx.data().cpu;
            if let Some(limit) = clock.exceeded() {
                return Err(wasmtime::Error::new(limit));
            }
            Ok(UpdateDeadline::Continue(ticks(clock.remaining(), tick)))
        });
        store
    }

    /// Logs and returns an invocation refused before instantiation: `refusal`, or when `None`,
    /// the plugin's world is not `world`.
    fn refuse<T>(
        &self,
        plugin: &Plugin,
        installation: &Installation,
        world: World,
        function: &str,
        input: JsonText,
        refusal: Option<Rejection>,
    ) -> PluginCall<T> {
        let rejection = refusal.unwrap_or(Rejection::WrongWorld {
            plugin: plugin.manifest.world,
            called: world,
        });
        let invocation = Invocation {
            id: kefu_core::PluginInvocationId::new().to_string(),
            plugin: plugin.manifest.name.clone(),
            version: plugin.manifest.version.clone(),
            content_hash: plugin.content_hash.clone(),
            tenant: installation.tenant.to_string(),
            installation: installation.id.clone(),
            world,
            function: function.into(),
            input,
            outcome: Outcome::Rejected(rejection),
            duration_us: 0,
            host_calls: Vec::new(),
            logs: Vec::new(),
        };
        let invocation = Arc::new(invocation);
        self.inner.sink.record(&invocation);
        PluginCall {
            output: None,
            invocation,
        }
    }

    /// Classifies how a run ended, applies the output cap, logs the invocation.
    #[allow(clippy::too_many_arguments)] // one private call site per world
    fn finish<T: serde::Serialize>(
        &self,
        plugin: &Plugin,
        installation: &Installation,
        world: World,
        function: &str,
        input: JsonText,
        store: Store<StoreData>,
        started: Instant,
        result: RunResult<T>,
    ) -> PluginCall<T> {
        let duration = started.elapsed();
        let limits = &installation.limits;
        let late = duration > store.data().cpu.wall;
        let (output, outcome) = match result {
            // Cut at an await, or returned after the cap (a guest that never waits on the host
            // can finish between two epoch ticks): either way its answer is too late to use.
            Err(_) => (None, Outcome::Trapped(Trap::WallClockLimit)),
            Ok(Ok(_)) if late => (None, Outcome::Trapped(Trap::WallClockLimit)),
            Ok(Err((instantiating, error))) => {
                let trap = match Trap::classify(&error) {
                    Trap::Other(reason) if instantiating => Trap::Instantiation(reason),
                    trap => trap,
                };
                (None, Outcome::Trapped(trap))
            }
            Ok(Ok(returned)) => match JsonText::of(&returned) {
                Err(e) => (
                    None,
                    Outcome::Trapped(Trap::Other(format!(
                        "output not representable as JSON: {e}"
                    ))),
                ),
                Ok(json) => {
                    let bytes = json.len();
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
            id: kefu_core::PluginInvocationId::new().to_string(),
            plugin: plugin.manifest.name.clone(),
            version: plugin.manifest.version.clone(),
            content_hash: plugin.content_hash.clone(),
            tenant: installation.tenant.to_string(),
            installation: installation.id.clone(),
            world,
            function: function.into(),
            input,
            outcome,
            duration_us: duration.as_micros() as u64,
            host_calls: data.host_calls,
            logs: data.logs,
        };
        let invocation = Arc::new(invocation);
        self.inner.sink.record(&invocation);
        PluginCall { output, invocation }
    }
}

/// How a run ended: the wall clock ran out, wasmtime failed (while instantiating, or in the
/// call), or the export returned.
type RunResult<T> =
    Result<Result<Result<T, PluginError>, (bool, wasmtime::Error)>, tokio::time::error::Elapsed>;

/// A refusal when `tenant` (from the call's input) is not the installation's tenant.
fn tenant_mismatch(installation: &Installation, tenant: &str) -> Option<Rejection> {
    let expected = installation.tenant.to_string();
    (tenant != expected).then(|| Rejection::TenantMismatch {
        input: tenant.to_owned(),
        installation: expected,
    })
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
        .max_memory_size(config.max_memory_bytes)
        // A returned slot keeps its pages: the pages the last instance wrote (found with
        // Linux's PAGEMAP_SCAN where the kernel has it, 6.7+) are copied back from the
        // module's image or zeroed, up to this much, instead of being dropped with madvise
        // and faulted in again by the next instance. Isolation is the same: every written
        // page is reset before reuse. A fresh instance per event made page faults the
        // largest single cost of an IVR event (decision 0041).
        .pagemap_scan(wasmtime::Enabled::Auto)
        .linear_memory_keep_resident(KEEP_RESIDENT)
        .table_keep_resident(64 << 10);
    let mut engine = Config::new();
    engine
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
        .epoch_interruption(true)
        .max_wasm_stack(config.max_wasm_stack)
        .async_stack_size(config.max_wasm_stack + (512 << 10));
    engine
}

/// Bytes of written linear memory a slot restores in place rather than dropping.
const KEEP_RESIDENT: usize = 4 << 20;

/// Epoch ticks for `time`, at least one.
fn ticks(time: Duration, tick: Duration) -> u64 {
    (time.as_nanos() / tick.as_nanos().max(1)).max(1) as u64
}

/// Bytes of `json`'s compact text, counted without building it.
pub(crate) fn json_len(json: &serde_json::Value) -> usize {
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

/// Marks an `ivr` input whose digits were redacted; [`PluginHost::replay`] refuses such records.
pub const REDACTED: &str = "redacted";

/// The `ivr` input as the invocation log keeps it: digits collected under a tag the manifest
/// declares sensitive become `*`s, and the record says it was redacted. (The guest itself
/// gets the real event.)
fn ivr_input(manifest: &crate::Manifest, context: &CallContext, event: &Event) -> JsonText {
    #[derive(serde::Serialize)]
    struct Input<'a> {
        context: &'a CallContext,
        event: &'a Event,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        redacted: bool,
    }
    match event {
        Event::DigitsCollected(collected) if manifest.is_sensitive_tag(&collected.tag) => {
            let masked = Event::DigitsCollected(crate::ivr::CollectedDigits {
                digits: "*".repeat(collected.digits.chars().count()),
                ..collected.clone()
            });
            input_text(&Input {
                context,
                event: &masked,
                redacted: true,
            })
        }
        _ => input_text(&Input {
            context,
            event,
            redacted: false,
        }),
    }
}

/// An input's JSON text. Inputs are records of strings and numbers, which always serialise;
/// were one ever not to, the record says so instead of losing the invocation.
fn input_text<T: serde::Serialize>(input: &T) -> JsonText {
    JsonText::of(input).unwrap_or_else(|e| {
        JsonText::from(serde_json::json!({ "unrepresentable": e.to_string() }))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn config_text_is_made_once_and_a_changed_clone_answers_its_own_settings() {
        let mut installation = Installation::new(kefu_core::TenantId::new());
        installation
            .config
            .insert("menu".into(), serde_json::json!({"greeting": "hi"}));
        let first = installation.config_text("menu").unwrap();
        assert_eq!(&*first, r#"{"greeting":"hi"}"#);
        assert!(Arc::ptr_eq(&first, &installation.config_text("menu").unwrap()));
        assert_eq!(installation.config_text("other"), None);
        let mut changed = installation.clone();
        changed
            .config
            .insert("menu".into(), serde_json::json!({"greeting": "bye"}));
        assert_eq!(&*changed.config_text("menu").unwrap(), r#"{"greeting":"bye"}"#);
        assert_eq!(&*installation.config_text("menu").unwrap(), r#"{"greeting":"hi"}"#);
    }
}
