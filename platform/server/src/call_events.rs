//! Call events (`call.started`, `call.answered`, `call.ivr_node`, `call.queued`,
//! `call.dequeued`, `call.voicemail`, `call.ended`) reach the tenant's installed `integration`
//! plugins (webhooks, chat notifications, data sync) as domain events.
//!
//! Off the call path: the call only `try_send`s into a bounded queue; a task delivers each
//! event to every integration installation of the tenant, in order. A full queue drops the
//! event and counts it (`kefu_call_events_dropped_total`). Every delivery is a plugin
//! invocation, logged and replayable like any other.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kefu_calls::CallEvent;
use kefu_core::{TenantId, TenantScope};
use kefu_plugin_host::World;
use kefu_plugin_host::integration::DomainEvent;
use tokio::sync::mpsc;

use crate::plugin_runtime::Running;
use crate::state::AppState;

/// Events waiting for delivery; beyond this they are dropped (and counted).
const QUEUE: usize = 10_000;
/// How long a tenant's list of integration installations is reused.
const REFRESH: Duration = Duration::from_secs(5);

/// The sending side, kept by the call services.
#[derive(Clone)]
pub struct CallEvents {
    queue: mpsc::Sender<(TenantScope, CallEvent, SystemTime)>,
}

impl CallEvents {
    /// Starts the delivery task.
    pub fn start(state: AppState) -> CallEvents {
        let (queue, rx) = mpsc::channel(QUEUE);
        tokio::spawn(deliver(state, rx));
        CallEvents { queue }
    }

    /// Queues `event` (never waits).
    pub fn publish(&self, scope: TenantScope, event: CallEvent) {
        tracing::debug!(tenant = %event.tenant, call = %event.call, event = event.name, "call event");
        if self
            .queue
            .try_send((scope, event, SystemTime::now()))
            .is_err()
        {
            metrics::counter!("kefu_call_events_dropped_total").increment(1);
        }
    }
}

struct Cached {
    at: Instant,
    installations: Vec<Arc<Running>>,
}

async fn deliver(state: AppState, mut rx: mpsc::Receiver<(TenantScope, CallEvent, SystemTime)>) {
    let mut cache: HashMap<TenantId, Cached> = HashMap::new();
    while let Some((scope, event, at)) = rx.recv().await {
        let tenant = scope.tenant();
        let fresh = cache.get(&tenant).is_some_and(|c| c.at.elapsed() < REFRESH);
        if !fresh {
            let installations = integrations(&state, &scope).await;
            cache.insert(
                tenant,
                Cached {
                    at: Instant::now(),
                    installations,
                },
            );
        }
        let Some(cached) = cache.get(&tenant) else {
            continue;
        };
        if cached.installations.is_empty() {
            continue;
        }
        let payload: serde_json::Map<String, serde_json::Value> = std::iter::once((
            "call_id".to_string(),
            serde_json::Value::String(event.call.to_string()),
        ))
        .chain(
            event
                .detail
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))),
        )
        .collect();
        let domain = DomainEvent {
            id: format!("evt_{}", kefu_core::id::next_ulid()),
            kind: event.name.to_string(),
            tenant_id: tenant.to_string(),
            occurred_at_ms: at
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0),
            payload_json: serde_json::Value::Object(payload).to_string(),
        };
        for running in &cached.installations {
            let call = state
                .runtime
                .host()
                .integration_on_event(&running.plugin, &running.installation, &domain)
                .await;
            if !matches!(call.output, Some(Ok(()))) {
                tracing::info!(installation = %running.stored.id, kind = %domain.kind, "an integration plugin did not take a call event");
            }
        }
    }
}

/// The tenant's installations whose plugin is an `integration` plugin.
async fn integrations(state: &AppState, scope: &TenantScope) -> Vec<Arc<Running>> {
    let installed = match state.store.plugin_installations(scope).await {
        Ok(list) => list,
        Err(e) => {
            tracing::warn!(error = %e, "listing installations for call events failed");
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for stored in installed {
        match state.runtime.installation(scope, &stored.id).await {
            Ok(running) if running.plugin.manifest().world == World::Integration => {
                out.push(running);
            }
            Ok(_) => {}
            Err(p) => {
                tracing::warn!(installation = %stored.id, detail = %p.detail, "an installation cannot run")
            }
        }
    }
    out
}
