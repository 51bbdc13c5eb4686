//! The node's fan-out of live events to WebSocket streams: one bus subscription for the whole
//! node, and per connection a bounded queue. An event is serialised once, here, and every
//! connection of its tenant gets the same frame.
//!
//! Events go out in batches, at most one per [`WINDOW`]: the first event after a quiet spell
//! goes at once, and events that arrive within the window after a delivery wait for its end
//! and go together. A connection then wakes and writes (one flush, one system call) once per
//! batch instead of once per event: at 500 events/s and 1,000 subscribers that is 50,000
//! wake-ups and writes a second instead of 500,000 (docs/benchmarks.md), for at most
//! [`WINDOW`] of added delay.
//!
//! A connection with more than its capacity of events waiting is cut off (its sender
//! dropped): the connection then tells its client it was too slow and closes, so one slow
//! consumer costs at most its own queue of memory and never holds the others back. When the
//! hub itself falls behind the bus, connections notice the gap in sequence numbers and fill it
//! from the event log.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kefu_core::{Event, TenantId};
use kefu_events::{BusMessage, EventBus};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Shortest time between two deliveries of the hub.
pub const WINDOW: Duration = Duration::from_millis(10);
/// Most events in one delivery.
const MAX_BATCH: usize = 512;

/// One event ready to send: the event (for filters) and its frame text.
#[derive(Debug)]
pub struct Prepared {
    /// The event.
    pub event: Arc<Event>,
    /// `{"type":"event","event":{…}}`.
    pub frame: axum::extract::ws::Utf8Bytes,
}

/// Events of one tenant delivered together, in sequence order.
pub type Batch = Arc<[Arc<Prepared>]>;

/// Frames of a stream's message types, shared by the hub and the connections.
pub fn event_frame(event: &Event) -> String {
    serde_json::json!({"type": "event", "event": event}).to_string()
}

struct Subscriber {
    id: u64,
    tx: mpsc::UnboundedSender<Batch>,
    /// Events sent and not yet taken by the connection.
    waiting: Arc<AtomicUsize>,
    capacity: usize,
}

/// The node's stream registry.
#[derive(Default)]
pub struct EventHub {
    tenants: Mutex<HashMap<TenantId, Vec<Subscriber>>>,
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
    rx: mpsc::UnboundedReceiver<Batch>,
    waiting: Arc<AtomicUsize>,
}

impl Registration {
    /// The next batch of live events; `None` once the hub cut this connection off for being
    /// slow (more than its capacity of events were waiting).
    pub async fn recv(&mut self) -> Option<Batch> {
        let batch = self.rx.recv().await?;
        self.waiting.fetch_sub(batch.len(), Ordering::AcqRel);
        Some(batch)
    }

    /// A batch already waiting, if any (a connection that fell behind writes all it has with
    /// one flush rather than one per batch).
    pub fn try_recv(&mut self) -> Option<Batch> {
        let batch = self.rx.try_recv().ok()?;
        self.waiting.fetch_sub(batch.len(), Ordering::AcqRel);
        Some(batch)
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        metrics::gauge!("kefu_event_streams").decrement(1.0);
        let mut tenants = self.hub.tenants.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(list) = tenants.get_mut(&self.tenant) {
            list.retain(|s| s.id != self.id);
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
            let mut last = Instant::now() - WINDOW;
            let mut pending: Vec<Arc<Event>> = Vec::new();
            loop {
                let Some(first) = feed.recv().await else {
                    return;
                };
                let mut open = take(first, &mut pending);
                // Gather until a window has passed since the last delivery (nothing to wait
                // for after a quiet spell), without letting one delivery grow unbounded.
                let due = last + WINDOW;
                while open && pending.len() < MAX_BATCH {
                    match tokio::time::timeout_at(due, feed.recv()).await {
                        Ok(Some(message)) => open = take(message, &mut pending),
                        Ok(None) => open = false,
                        Err(_) => break,
                    }
                }
                let Some(hub) = weak.upgrade() else { return };
                hub.fan_out(std::mem::take(&mut pending));
                last = Instant::now();
                if !open {
                    return;
                }
            }
        });
        Ok(hub)
    }

    /// Registers a connection of `tenant` that may have up to `capacity` events waiting.
    pub fn register(self: &Arc<Self>, tenant: TenantId, capacity: usize) -> Registration {
        let (tx, rx) = mpsc::unbounded_channel();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let waiting = Arc::new(AtomicUsize::new(0));
        self.tenants
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(tenant)
            .or_default()
            .push(Subscriber {
                id,
                tx,
                waiting: waiting.clone(),
                capacity: capacity.max(1),
            });
        metrics::gauge!("kefu_event_streams").increment(1.0);
        Registration {
            hub: self.clone(),
            tenant,
            id,
            rx,
            waiting,
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

    /// Deliver events (in bus order) to their tenants' connections, one batch per tenant.
    fn fan_out(&self, events: Vec<Arc<Event>>) {
        let mut by_tenant: HashMap<TenantId, Vec<Arc<Prepared>>> = HashMap::new();
        {
            let tenants = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
            for event in events {
                // Only events someone here listens to are serialised.
                if tenants.contains_key(&event.tenant) {
                    by_tenant
                        .entry(event.tenant)
                        .or_default()
                        .push(Arc::new(Prepared {
                            frame: event_frame(&event).into(),
                            event,
                        }));
                }
            }
        }
        let mut tenants = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
        for (tenant, prepared) in by_tenant {
            let Some(list) = tenants.get_mut(&tenant) else {
                continue;
            };
            let batch: Batch = prepared.into();
            list.retain(|s| {
                let before = s.waiting.fetch_add(batch.len(), Ordering::AcqRel);
                if before + batch.len() > s.capacity {
                    metrics::counter!("kefu_event_streams_cut_total").increment(1);
                    return false;
                }
                s.tx.send(batch.clone()).is_ok()
            });
            if list.is_empty() {
                tenants.remove(&tenant);
            }
        }
    }
}

/// Adds a bus message's event to the pending delivery; false when the bus ended.
fn take(message: BusMessage, pending: &mut Vec<Arc<Event>>) -> bool {
    match message {
        BusMessage::Event(event) => pending.push(event),
        // Connections see the gap in numbers and fill it from the log.
        BusMessage::Lagged(n) => {
            tracing::warn!(missed = n, "the event stream hub fell behind the bus")
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use kefu_core::{CallId, DomainEvent, EventId};

    fn event(tenant: TenantId, seq: u64) -> Arc<Event> {
        let event = DomainEvent::CallAnswered {
            call: CallId::new(),
        };
        Arc::new(Event {
            seq,
            id: EventId::new(),
            tenant,
            at: chrono::Utc::now(),
            subject: event.subject(),
            event,
        })
    }

    #[test]
    fn a_batch_goes_to_its_tenants_connections_in_order_and_a_full_queue_is_cut_off() {
        let hub = Arc::new(EventHub::default());
        let (a, b) = (TenantId::new(), TenantId::new());
        let mut fast = hub.register(a, 4);
        let mut slow = hub.register(a, 4);
        let mut other = hub.register(b, 4);
        hub.fan_out(vec![event(a, 1), event(b, 1), event(a, 2)]);
        let got = fast.rx.try_recv().unwrap();
        assert_eq!(
            got.iter().map(|p| p.event.seq).collect::<Vec<_>>(),
            vec![1, 2]
        );
        fast.waiting.fetch_sub(got.len(), Ordering::AcqRel);
        assert_eq!(other.rx.try_recv().unwrap().len(), 1);
        // `slow` took nothing: 2 waiting + 3 more is over its 4.
        hub.fan_out(vec![event(a, 3), event(a, 4), event(a, 5)]);
        assert_eq!(fast.rx.try_recv().unwrap().len(), 3);
        assert_eq!(
            slow.rx.try_recv().unwrap().len(),
            2,
            "what it had before the cut"
        );
        assert!(matches!(
            slow.rx.try_recv(),
            Err(mpsc::error::TryRecvError::Disconnected)
        ));
        assert_eq!(hub.connections(), 2);
        drop(other);
        assert_eq!(hub.connections(), 1);
    }
}
