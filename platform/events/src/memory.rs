//! The in-process bus: one broadcast channel. Subscribers that fall more than its capacity
//! behind get [`BusMessage::Lagged`] and catch up from the log.

use std::sync::Arc;

use async_trait::async_trait;
use kefu_core::Event;
use tokio::sync::broadcast;

use crate::bus::{BusError, BusMessage, EventBus, Subscription, SubscriptionSource};

/// Events a slow subscriber may fall behind before it is told it lagged.
pub(crate) const DEFAULT_CAPACITY: usize = 16_384;

/// The embedded default bus.
#[derive(Debug, Clone)]
pub struct MemoryBus {
    tx: broadcast::Sender<Arc<Event>>,
}

impl MemoryBus {
    /// A bus keeping up to `capacity` events for slow subscribers.
    pub fn new(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity.max(1));
        MemoryBus { tx }
    }
}

struct Feed(broadcast::Receiver<Arc<Event>>);

#[async_trait]
impl SubscriptionSource for Feed {
    async fn recv(&mut self) -> Option<BusMessage> {
        match self.0.recv().await {
            Ok(event) => Some(BusMessage::Event(event)),
            Err(broadcast::error::RecvError::Lagged(n)) => Some(BusMessage::Lagged(n)),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}

#[async_trait]
impl EventBus for MemoryBus {
    async fn publish(&self, events: &[Arc<Event>]) -> Result<(), BusError> {
        for event in events {
            // No subscriber is not an error: nobody is listening yet.
            let _ = self.tx.send(event.clone());
        }
        Ok(())
    }

    async fn subscribe(&self) -> Result<Subscription, BusError> {
        Ok(Subscription::new(Feed(self.tx.subscribe())))
    }

    fn name(&self) -> &'static str {
        "memory"
    }
}
