//! The event writer: a bounded queue in front of one task that appends what is queued to the
//! log in batches and then publishes each stored batch on the bus.
//!
//! Nothing is dropped for being too many: [`EventSink::emit`] waits for room. A batch the
//! database fails to take is retried with a growing pause (producers wait meanwhile); after
//! [`WriterConfig::attempts`] tries it is written event by event, so one event the database
//! refuses outright costs only itself — that event is counted in `kefu_events_dropped_total`
//! and logged with its type and tenant. A publish that fails is logged and counted
//! (`kefu_events_publish_failed_total`); the events are stored, and subscribers catch up from
//! the log.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::Utc;
use kefu_core::{DomainEvent, Event, TenantScope};
use kefu_store::Store;
use kefu_store::events::NewEvent;
use tokio::sync::mpsc;

use crate::bus::EventBus;

/// Most events appended in one transaction.
pub const MAX_BATCH: usize = 500;

/// How the writer behaves.
#[derive(Debug, Clone)]
pub struct WriterConfig {
    /// Events waiting before producers wait for room.
    pub queue: usize,
    /// Tries for a failing batch before it is written event by event.
    pub attempts: u32,
    /// The first pause after a failure (doubling, at most 5 s).
    pub backoff: Duration,
}

impl Default for WriterConfig {
    fn default() -> Self {
        WriterConfig {
            queue: 20_000,
            attempts: 10,
            backoff: Duration::from_millis(100),
        }
    }
}

type Item = (TenantScope, NewEvent);

/// Where producers hand events in. Cheap to clone.
#[derive(Clone)]
pub struct EventSink {
    tx: mpsc::Sender<Item>,
    pending: Arc<AtomicUsize>,
}

impl std::fmt::Debug for EventSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventSink")
            .field("pending", &self.pending.load(Ordering::Relaxed))
            .finish()
    }
}

impl EventSink {
    /// Hands `event` (happening now) to the writer, waiting for room when the queue is full.
    pub async fn emit(&self, scope: &TenantScope, event: DomainEvent) {
        self.emit_at(scope, event, Utc::now()).await;
    }

    /// Hands `event`, which happened at `at`, to the writer.
    pub async fn emit_at(
        &self,
        scope: &TenantScope,
        event: DomainEvent,
        at: chrono::DateTime<Utc>,
    ) {
        self.pending.fetch_add(1, Ordering::SeqCst);
        let name = event.name();
        if self
            .tx
            .send((scope.clone(), NewEvent { event, at }))
            .await
            .is_err()
        {
            // Only after the writer stopped (shutdown): say so loudly, never silently.
            self.pending.fetch_sub(1, Ordering::SeqCst);
            metrics::counter!("kefu_events_dropped_total").increment(1);
            tracing::error!(tenant_id = %scope.tenant(), event = name, "the event writer has stopped; event lost");
        }
    }

    /// Events handed in and not yet stored.
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::SeqCst)
    }

    /// Waits (at most `within`) until every event handed in is stored; returns how many are
    /// still pending. For a graceful stop.
    pub async fn drain(&self, within: Duration) -> usize {
        let until = tokio::time::Instant::now() + within;
        loop {
            let pending = self.pending();
            if pending == 0 || tokio::time::Instant::now() >= until {
                return pending;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// The task that stores and publishes.
pub struct EventWriter {
    store: Store,
    bus: Arc<dyn EventBus>,
    rx: mpsc::Receiver<Item>,
    pending: Arc<AtomicUsize>,
    config: WriterConfig,
}

impl EventWriter {
    /// The sink producers use, and the writer to run (spawn [`EventWriter::run`]).
    pub fn new(store: Store, bus: Arc<dyn EventBus>, config: WriterConfig) -> (EventSink, Self) {
        let (tx, rx) = mpsc::channel(config.queue.max(1));
        let pending = Arc::new(AtomicUsize::new(0));
        (
            EventSink {
                tx,
                pending: pending.clone(),
            },
            EventWriter {
                store,
                bus,
                rx,
                pending,
                config,
            },
        )
    }

    /// Starts the writer on the runtime and returns the sink.
    pub fn start(store: Store, bus: Arc<dyn EventBus>, config: WriterConfig) -> EventSink {
        let (sink, writer) = EventWriter::new(store, bus, config);
        tokio::spawn(writer.run());
        sink
    }

    /// Stores and publishes until every sink is dropped and the queue is empty.
    pub async fn run(mut self) {
        let mut batch: Vec<Item> = Vec::with_capacity(MAX_BATCH);
        loop {
            batch.clear();
            if self.rx.recv_many(&mut batch, MAX_BATCH).await == 0 {
                return;
            }
            metrics::gauge!("kefu_events_queue_depth").set(self.rx.len() as f64);
            let stored = self.store_batch(&batch).await;
            let done = batch.len();
            if !stored.is_empty() {
                metrics::counter!("kefu_events_written_total").increment(stored.len() as u64);
                let stored: Vec<Arc<Event>> = stored.into_iter().map(Arc::new).collect();
                if let Err(e) = self.bus.publish(&stored).await {
                    metrics::counter!("kefu_events_publish_failed_total")
                        .increment(stored.len() as u64);
                    tracing::warn!(bus = self.bus.name(), error = %e, events = stored.len(), "publishing stored events failed; subscribers catch up from the log");
                }
            }
            self.pending.fetch_sub(done, Ordering::SeqCst);
        }
    }

    /// Appends the batch, retrying; then event by event. Returns what was stored, in order.
    async fn store_batch(&self, batch: &[Item]) -> Vec<Event> {
        let mut pause = self.config.backoff;
        for attempt in 1..=self.config.attempts.max(1) {
            match self.store.append_events(batch).await {
                Ok(stored) => return stored,
                Err(e) => {
                    tracing::warn!(error = %e, attempt, events = batch.len(), "appending events failed; retrying");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(5));
                }
            }
        }
        let mut stored = Vec::with_capacity(batch.len());
        for item in batch {
            match self.store.append_events(std::slice::from_ref(item)).await {
                Ok(mut one) => stored.append(&mut one),
                Err(e) => {
                    metrics::counter!("kefu_events_dropped_total").increment(1);
                    tracing::error!(tenant_id = %item.0.tenant(), event = item.1.event.name(), error = %e, "an event the log refuses was dropped");
                }
            }
        }
        stored
    }
}
