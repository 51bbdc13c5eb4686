//! Running installed plugins: a published version is fetched from the object store and loaded
//! into the host once (compiled once per content hash, then shared), an installation is built
//! from its configuration, its opened secrets and its tenant's limits, and every invocation is
//! persisted through a bounded queue to the store.
//!
//! Ready-to-run installations are cached per tenant and installation: a call's IVR turn must
//! not wait for three database reads (installation, version, limits) and a secrets unseal. The
//! cache follows the store's plugin generation (bumped by every install, upgrade,
//! configuration or secrets change, uninstall and configuration document on this node) and
//! holds nothing longer than [`READY_MAX_AGE`] (changes made through another node).
//!
//! Never blocks a call on the database: the invocation sink only `try_send`s; when the queue is
//! full the record is dropped and counted (`kefu_plugin_invocations_dropped_total`), the call
//! goes on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kefu_core::{TenantId, TenantScope};
use kefu_plugin_host::{
    Installation, Invocation, InvocationLimits, InvocationSink, Manifest, Outcome, Plugin,
    PluginHost,
};
use kefu_store::Store;
use kefu_store::StoreError;
use kefu_store::objects::{ObjectKey, ObjectStore};
use kefu_store::plugin_invocations::PluginInvocationRow;
use kefu_store::plugins::{PluginInstallation, PluginVersion};
use tokio::sync::mpsc;

use crate::plugin_limits::LimitsError;
use crate::secrets::{SecretBox, SecretsError};

/// Records waiting to be written; beyond this they are dropped (and counted).
const QUEUE: usize = 10_000;
/// Most records written in one insert.
const BATCH: usize = 200;
/// Longest a ready installation is reused without a change seen on this node.
pub const READY_MAX_AGE: Duration = Duration::from_secs(5);
/// Most ready installations kept; beyond this the cache starts again empty.
const READY_MAX: usize = 10_000;

/// Why an installation could not be made ready to run.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The store failed, or the installation or version is not there.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The tenant's plugin limits could not be read.
    #[error(transparent)]
    Limits(#[from] LimitsError),
    /// The installation's secrets do not open.
    #[error("the installation's secrets: {0}")]
    Secrets(#[from] SecretsError),
    /// A stored version is not what publishing stores (its version text or manifest).
    #[error("stored version {name}@{version}: {problem}")]
    CorruptVersion {
        /// The plugin.
        name: String,
        /// Its version text.
        version: String,
        /// What is wrong.
        problem: String,
    },
    /// The version's component is not in the object store.
    #[error("the component of {name}@{version} is missing from the object store")]
    MissingComponent {
        /// The plugin.
        name: String,
        /// Its version.
        version: String,
    },
    /// The object store failed.
    #[error("reading a plugin component: {0}")]
    Objects(#[from] kefu_store::objects::ObjectError),
    /// The host refused to load a published version.
    #[error("loading a published version: {0}")]
    Load(#[from] kefu_plugin_host::LoadError),
    /// The loading task ended without an answer (it panicked or was cancelled).
    #[error("loading a published version: the task ended without an answer")]
    LoadTask,
}

/// Ready installations by tenant and installation id, with the plugin generation they were
/// built under and when.
type ReadyCache = Mutex<HashMap<(TenantId, String), (Arc<Running>, u64, Instant)>>;

/// Loads versions and builds installations for the host.
#[derive(Clone)]
pub struct PluginRuntime {
    host: PluginHost,
    store: Store,
    objects: Arc<dyn ObjectStore>,
    secrets: Arc<SecretBox>,
    ready: Arc<ReadyCache>,
}

/// An installation ready to run: the loaded version and the host's view of the installation.
pub struct Running {
    /// The installation as stored.
    pub stored: PluginInstallation,
    /// The version it points at.
    pub version: PluginVersion,
    /// The loaded plugin (keep it for the whole call: live calls keep their version).
    pub plugin: Arc<Plugin>,
    /// Config, secrets and limits.
    pub installation: Arc<Installation>,
}

impl PluginRuntime {
    /// A runtime over these parts.
    pub fn new(
        host: PluginHost,
        store: Store,
        objects: Arc<dyn ObjectStore>,
        secrets: Arc<SecretBox>,
    ) -> Self {
        PluginRuntime {
            host,
            store,
            objects,
            secrets,
            ready: Arc::default(),
        }
    }

    /// The host.
    pub fn host(&self) -> &PluginHost {
        &self.host
    }

    /// The secrets sealer.
    pub fn secrets(&self) -> &SecretBox {
        &self.secrets
    }

    /// `version` loaded into the host: from the host's cache, or fetched and compiled (off the
    /// async workers).
    pub async fn plugin_for(&self, version: &PluginVersion) -> Result<Arc<Plugin>, RuntimeError> {
        let corrupt = |problem: String| RuntimeError::CorruptVersion {
            name: version.name.clone(),
            version: version.version.clone(),
            problem,
        };
        let semver: semver::Version = version
            .version
            .parse()
            .map_err(|e| corrupt(format!("version: {e}")))?;
        if let Some(loaded) = self
            .host
            .plugin(&version.content_hash, &version.name, &semver)
        {
            return Ok(loaded);
        }
        let key = ObjectKey::new(version.blob_key.clone())?;
        let wasm = self
            .objects
            .get(&key)
            .await?
            .ok_or_else(|| RuntimeError::MissingComponent {
                name: version.name.clone(),
                version: version.version.clone(),
            })?;
        let manifest: Manifest = serde_json::from_value(version.manifest.clone())
            .map_err(|e| corrupt(format!("manifest: {e}")))?;
        let host = self.host.clone();
        Ok(
            tokio::task::spawn_blocking(move || host.load(manifest, &wasm))
                .await
                .map_err(|_| RuntimeError::LoadTask)??,
        )
    }

    /// The scope's installation `id`, ready to run: from the cache while nothing changed, or
    /// read, loaded and built (and cached).
    pub async fn installation(
        &self,
        scope: &TenantScope,
        id: &str,
    ) -> Result<Arc<Running>, RuntimeError> {
        let key = (scope.tenant(), id.to_owned());
        let generation = self.store.plugin_generation();
        if let Some(hit) = self.cached(&key, generation) {
            return Ok(hit);
        }
        let built_at = Instant::now();
        let stored = self.store.plugin_installation(scope, id).await?;
        let version = self
            .store
            .plugin_version(scope, stored.publisher, &stored.name, &stored.version)
            .await?;
        let plugin = self.plugin_for(&version).await?;
        let limits = crate::plugin_limits::effective(&self.store, scope).await?;
        let installation = self.build(scope, &stored, limits)?;
        let running = Arc::new(Running {
            stored,
            version,
            plugin,
            installation,
        });
        // Built from reads made under `generation`: kept only if nothing changed meanwhile.
        if self.store.plugin_generation() == generation
            && let Ok(mut ready) = self.ready.lock()
        {
            if ready.len() >= READY_MAX {
                ready.clear();
            }
            ready.insert(key, (running.clone(), generation, built_at));
        }
        Ok(running)
    }

    fn cached(&self, key: &(TenantId, String), generation: u64) -> Option<Arc<Running>> {
        let ready = self.ready.lock().ok()?;
        let (running, built_under, built_at) = ready.get(key)?;
        (*built_under == generation && built_at.elapsed() < READY_MAX_AGE).then(|| running.clone())
    }

    fn build(
        &self,
        scope: &TenantScope,
        stored: &PluginInstallation,
        limits: InvocationLimits,
    ) -> Result<Arc<Installation>, RuntimeError> {
        let config = match &stored.config {
            serde_json::Value::Object(map) => map.clone().into_iter().collect(),
            _ => Default::default(),
        };
        let secrets = self.secrets.open(scope.tenant(), &stored.sealed_secrets)?;
        let mut installation = Installation::new(scope.tenant());
        installation.id = Some(stored.id.clone());
        installation.config = config;
        installation.secrets = secrets;
        installation.limits = limits;
        Ok(Arc::new(installation))
    }
}

/// The host's invocation sink: queues records for the writer task.
pub struct StoreSink {
    queue: mpsc::Sender<Arc<Invocation>>,
}

impl InvocationSink for StoreSink {
    fn record(&self, invocation: &Arc<Invocation>) {
        if self.queue.try_send(invocation.clone()).is_err() {
            metrics::counter!("kefu_plugin_invocations_dropped_total").increment(1);
        }
    }
}

/// A sink and the task writing its records in batches; the task ends when the sink is gone.
pub fn persisting_sink(store: Store) -> Arc<StoreSink> {
    let (queue, mut records) = mpsc::channel::<Arc<Invocation>>(QUEUE);
    tokio::spawn(async move {
        let mut batch = Vec::with_capacity(BATCH);
        while records.recv_many(&mut batch, BATCH).await > 0 {
            let rows: Vec<PluginInvocationRow> = batch.drain(..).filter_map(|r| row(&r)).collect();
            if let Err(e) = store.record_plugin_invocations(&rows).await {
                metrics::counter!("kefu_plugin_invocations_dropped_total")
                    .increment(rows.len() as u64);
                tracing::warn!(error = %e, rows = rows.len(), "writing plugin invocations failed");
            }
        }
    });
    Arc::new(StoreSink { queue })
}

/// Deletes old invocation records every hour.
pub fn spawn_retention(store: Store, days: u32, keep_per_tenant: u32) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            let before = chrono::Utc::now() - chrono::Duration::days(days.into());
            match store
                .prune_plugin_invocations(before, keep_per_tenant.into())
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "pruned plugin invocation records"),
                Err(e) => tracing::warn!(error = %e, "pruning plugin invocation records failed"),
            }
        }
    });
}

/// The stored form of a record; `None` for a record without a valid tenant or id.
fn row(invocation: &Invocation) -> Option<PluginInvocationRow> {
    let (outcome, detail) = outcome_columns(&invocation.outcome);
    Some(PluginInvocationRow {
        id: invocation.id.clone(),
        tenant: invocation.tenant.parse().ok()?,
        installation_id: invocation.installation.clone(),
        plugin: invocation.plugin.clone(),
        version: invocation.version.to_string(),
        world: invocation.world.wit_name().to_owned(),
        function: invocation.function.clone(),
        outcome: outcome.to_owned(),
        detail,
        duration_us: i64::try_from(invocation.duration_us).unwrap_or(i64::MAX),
        created_at: chrono::Utc::now(),
        record: serde_json::to_value(invocation).ok()?,
    })
    .filter(|r| r.id.starts_with("piv_"))
}

/// `returned` / `trapped` / `rejected`, and the trap or rejection kind.
pub fn outcome_columns(outcome: &Outcome) -> (&'static str, Option<String>) {
    let kind = |value: serde_json::Result<serde_json::Value>| {
        value
            .ok()
            .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
    };
    match outcome {
        Outcome::Returned(_) => ("returned", None),
        Outcome::Trapped(trap) => ("trapped", kind(serde_json::to_value(trap))),
        Outcome::Rejected(rejection) => ("rejected", kind(serde_json::to_value(rejection))),
    }
}
