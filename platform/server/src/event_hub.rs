//! The node's fan-out of live events to WebSocket streams: one bus subscription for the whole
//! node, and per connection a bounded queue. An event is serialised once, here, and every
//! connection of its tenant gets the same frame.
//!
//! A connection whose queue is full is cut off (its sender dropped): the connection then
//! tells its client it was too slow and closes, so one slow consumer costs at most its own
//! queue of memory and never holds the others back. When the hub itself falls behind the bus,
//! connections notice the gap in sequence numbers and fill it from the event log.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use kefu_core::{Event, TenantId};
use kefu_events::{BusMessage, EventBus};
use tokio::sync::mpsc;

/// One event ready to send: the event (for filters) and its frame text.
#[derive(Debug)]
pub struct Prepared {
    /// The event.
    pub event: Arc<Event>,
    /// `{"type":"event","event":{…}}`.
    pub frame: axum::extract::ws::Utf8Bytes,
}

/// Frames of a stream's message types, shared by the hub and the connections.
pub fn event_frame(event: &Event) -> String {
    serde_json::json!({"type": "event", "event": event}).to_string()
}

type Senders = Vec<(u64, mpsc::Sender<Arc<Prepared>>)>;

/// The node's stream registry.
#[derive(Default)]
pub struct EventHub {
    tenants: Mutex<HashMap<TenantId, Senders>>,
    next_id: AtomicU64,
}

impl std::fmt::Debug for EventHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventHub").finish_non_exhaustive()
    }
}

/// A connection's registration; dropping it unregisters.
pub struct Registration {
    hub: Arc<EventHub>,
    tenant: TenantId,
    id: u64,
    /// Live events for this connection; closed when the hub cut it off for being slow.
    pub rx: mpsc::Receiver<Arc<Prepared>>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        metrics::gauge!("kefu_event_streams").decrement(1.0);
        let mut tenants = self.hub.tenants.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(list) = tenants.get_mut(&self.tenant) {
            list.retain(|(id, _)| *id != self.id);
            if list.is_empty() {
                tenants.remove(&self.tenant);
            }
        }
    }
}

impl EventHub {
    /// Starts the hub on the bus; the returned hub takes registrations.
    pub async fn start(bus: Arc<dyn EventBus>) -> Result<Arc<EventHub>, kefu_events::BusError> {
        let hub = Arc::new(EventHub::default());
        let mut feed = bus.subscribe().await?;
        let weak = Arc::downgrade(&hub);
        tokio::spawn(async move {
            while let Some(message) = feed.recv().await {
                let Some(hub) = weak.upgrade() else { return };
                match message {
                    BusMessage::Event(event) => hub.fan_out(event),
                    // Connections see the gap in numbers and fill it from the log.
                    BusMessage::Lagged(n) => {
                        tracing::warn!(missed = n, "the event stream hub fell behind the bus")
                    }
                }
            }
        });
        Ok(hub)
    }

    /// Registers a connection of `tenant` with a queue of `capacity` events.
    pub fn register(self: &Arc<Self>, tenant: TenantId, capacity: usize) -> Registration {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.tenants
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(tenant)
            .or_default()
            .push((id, tx));
        metrics::gauge!("kefu_event_streams").increment(1.0);
        Registration {
            hub: self.clone(),
            tenant,
            id,
            rx,
        }
    }

    /// Connections registered now (all tenants).
    pub fn connections(&self) -> usize {
        self.tenants
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .map(Vec::len)
            .sum()
    }

    fn fan_out(&self, event: Arc<Event>) {
        let mut tenants = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
        let Some(list) = tenants.get_mut(&event.tenant) else {
            return;
        };
        let prepared = Arc::new(Prepared {
            frame: event_frame(&event).into(),
            event,
        });
        list.retain(|(_, tx)| match tx.try_send(prepared.clone()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                metrics::counter!("kefu_event_streams_cut_total").increment(1);
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
    }
}
