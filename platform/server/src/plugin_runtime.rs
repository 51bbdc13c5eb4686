//! Running installed plugins: a published version is fetched from the object store and loaded
//! into the host once (compiled once per content hash, then shared), an installation is built
//! from its configuration, its opened secrets and its tenant's limits, and every invocation is
//! persisted through a bounded queue to the store.
//!
//! Never blocks a call on the database: the invocation sink only `try_send`s; when the queue is
//! full the record is dropped and counted (`kefu_plugin_invocations_dropped_total`), the call
//! goes on.

use std::sync::Arc;
use std::time::Duration;

use kefu_core::TenantScope;
use kefu_plugin_host::{
    Installation, Invocation, InvocationLimits, InvocationSink, Manifest, Outcome, Plugin,
    PluginHost,
};
use kefu_store::Store;
use kefu_store::objects::{ObjectKey, ObjectStore};
use kefu_store::plugin_invocations::PluginInvocationRow;
use kefu_store::plugins::{PluginInstallation, PluginVersion};
use tokio::sync::mpsc;

use crate::problem::Problem;
use crate::secrets::SecretBox;

/// Records waiting to be written; beyond this they are dropped (and counted).
const QUEUE: usize = 10_000;
/// Most records written in one insert.
const BATCH: usize = 200;

/// Loads versions and builds installations for the host.
#[derive(Clone)]
pub struct PluginRuntime {
    host: PluginHost,
    store: Store,
    objects: Arc<dyn ObjectStore>,
    secrets: Arc<SecretBox>,
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
    pub async fn plugin_for(&self, version: &PluginVersion) -> Result<Arc<Plugin>, Problem> {
        let semver: semver::Version = version
            .version
            .parse()
            .map_err(|e| Problem::internal(format!("stored version {}: {e}", version.version)))?;
        if let Some(loaded) = self
            .host
            .plugin(&version.content_hash, &version.name, &semver)
        {
            return Ok(loaded);
        }
        let key = ObjectKey::new(version.blob_key.clone()).map_err(Problem::internal)?;
        let wasm = self
            .objects
            .get(&key)
            .await
            .map_err(Problem::internal)?
            .ok_or_else(|| {
                Problem::internal(format!(
                    "the component of {}@{} is missing from the object store",
                    version.name, version.version
                ))
            })?;
        let manifest: Manifest = serde_json::from_value(version.manifest.clone())
            .map_err(|e| Problem::internal(format!("stored manifest: {e}")))?;
        let host = self.host.clone();
        tokio::task::spawn_blocking(move || host.load(manifest, &wasm))
            .await
            .map_err(Problem::internal)?
            .map_err(|e| Problem::internal(format!("loading a published version: {e}")))
    }

    /// The scope's installation `id`, ready to run.
    pub async fn installation(&self, scope: &TenantScope, id: &str) -> Result<Running, Problem> {
        let stored = self.store.plugin_installation(scope, id).await?;
        let version = self
            .store
            .plugin_version(scope, stored.publisher, &stored.name, &stored.version)
            .await?;
        let plugin = self.plugin_for(&version).await?;
        let limits = crate::plugin_limits::effective(&self.store, scope).await?;
        let installation = self.build(scope, &stored, limits)?;
        Ok(Running {
            stored,
            version,
            plugin,
            installation,
        })
    }

    fn build(
        &self,
        scope: &TenantScope,
        stored: &PluginInstallation,
        limits: InvocationLimits,
    ) -> Result<Arc<Installation>, Problem> {
        let config = match &stored.config {
            serde_json::Value::Object(map) => map.clone().into_iter().collect(),
            _ => Default::default(),
        };
        let secrets = self
            .secrets
            .open(scope.tenant(), &stored.sealed_secrets)
            .map_err(Problem::internal)?;
        Ok(Arc::new(Installation {
            id: Some(stored.id.clone()),
            tenant: scope.tenant(),
            config,
            secrets,
            limits,
        }))
    }
}

/// The host's invocation sink: queues records for the writer task.
pub struct StoreSink {
    queue: mpsc::Sender<Invocation>,
}

impl InvocationSink for StoreSink {
    fn record(&self, invocation: &Invocation) {
        if self.queue.try_send(invocation.clone()).is_err() {
            metrics::counter!("kefu_plugin_invocations_dropped_total").increment(1);
        }
    }
}

/// A sink and the task writing its records in batches; the task ends when the sink is gone.
pub fn persisting_sink(store: Store) -> Arc<StoreSink> {
    let (queue, mut records) = mpsc::channel::<Invocation>(QUEUE);
    tokio::spawn(async move {
        let mut batch = Vec::with_capacity(BATCH);
        while records.recv_many(&mut batch, BATCH).await > 0 {
            let rows: Vec<PluginInvocationRow> = batch.drain(..).filter_map(row).collect();
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
fn row(invocation: Invocation) -> Option<PluginInvocationRow> {
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
        record: serde_json::to_value(&invocation).ok()?,
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
