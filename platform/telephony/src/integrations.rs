//! Domain events reach the tenant's installed `integration` plugins (webhooks, chat
//! notifications, data sync), fed from the event bus: only stored events, in log order, each
//! delivery a logged and replayable plugin invocation.
//!
//! Off every producer's path: a task reads the bus and delivers event by event. When it falls
//! behind the bus (a lag), it says how many events its plugins missed
//! (`kefu_integration_events_missed_total`); they are in the event log.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kefu_core::{Event, TenantId, TenantScope};
use kefu_events::{BusMessage, EventBus};
use kefu_plugin_host::World;
use kefu_plugin_host::integration::DomainEvent as PluginEvent;
use kefu_store::Store;

use crate::plugin_runtime::{PluginRuntime, Running};

/// How long a tenant's list of integration installations is reused.
const REFRESH: Duration = Duration::from_secs(5);

struct Cached {
    at: Instant,
    installations: Vec<Arc<Running>>,
}

/// Starts the delivery task (it subscribes before returning, so nothing published after this
/// call is missed).
pub async fn spawn(
    bus: Arc<dyn EventBus>,
    store: Store,
    runtime: PluginRuntime,
) -> Result<(), kefu_events::BusError> {
    let mut feed = bus.subscribe().await?;
    tokio::spawn(async move {
        let mut cache: HashMap<TenantId, Cached> = HashMap::new();
        while let Some(message) = feed.recv().await {
            match message {
                BusMessage::Event(event) => {
                    deliver(&store, &runtime, &mut cache, &event).await;
                }
                BusMessage::Lagged(n) => {
                    metrics::counter!("kefu_integration_events_missed_total").increment(n);
                    tracing::warn!(missed = n, "integration delivery fell behind the event bus");
                }
            }
        }
    });
    Ok(())
}

/// The scope integration deliveries run with: the platform's integrations principal, for the
/// tenant a stored event belongs to (no user, no role rights).
fn delivery_scope(tenant: TenantId) -> TenantScope {
    // Not a request: the tenant comes from the event log, where the event was appended under
    // the scope its producer was authenticated with (a trunk's call, a signed-in user). The
    // platform delivers the tenant's own event to the tenant's own plugins.
    #[allow(clippy::disallowed_methods)]
    TenantScope::integrations(tenant)
}

async fn deliver(
    store: &Store,
    runtime: &PluginRuntime,
    cache: &mut HashMap<TenantId, Cached>,
    event: &Event,
) {
    let tenant = event.tenant;
    let fresh = cache.get(&tenant).is_some_and(|c| c.at.elapsed() < REFRESH);
    if !fresh {
        let installations = integrations(store, runtime, &delivery_scope(tenant)).await;
        cache.insert(
            tenant,
            Cached {
                at: Instant::now(),
                installations,
            },
        );
    }
    let Some(cached) = cache.get(&tenant) else {
        return;
    };
    if cached.installations.is_empty() {
        return;
    }
    let payload = PluginEvent {
        id: event.id.to_string(),
        kind: event.event.name().to_string(),
        tenant_id: tenant.to_string(),
        occurred_at_ms: u64::try_from(event.at.timestamp_millis()).unwrap_or_default(),
        payload_json: event.event.data_json(),
    };
    for running in &cached.installations {
        let call = runtime
            .host()
            .integration_on_event(&running.plugin, &running.installation, &payload)
            .await;
        if !matches!(call.output, Some(Ok(()))) {
            tracing::info!(tenant_id = %tenant, installation = %running.stored.id, kind = %payload.kind, "an integration plugin did not take an event");
        }
    }
}

/// The tenant's installations whose plugin is an `integration` plugin.
async fn integrations(
    store: &Store,
    runtime: &PluginRuntime,
    scope: &TenantScope,
) -> Vec<Arc<Running>> {
    let installed = match store.plugin_installations(scope).await {
        Ok(list) => list,
        Err(e) => {
            tracing::warn!(tenant_id = %scope.tenant(), error = %e, "listing installations for event delivery failed");
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for stored in installed {
        match runtime.installation(scope, &stored.id).await {
            Ok(running) if running.plugin.manifest().world == World::Integration => {
                out.push(running);
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(tenant_id = %scope.tenant(), installation = %stored.id, error = %e, "an installation cannot run")
            }
        }
    }
    out
}
