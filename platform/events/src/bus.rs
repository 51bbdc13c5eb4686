//! The bus contract both backends fulfil (and pass the same tests for).

use std::sync::Arc;

use async_trait::async_trait;
use kefu_core::Event;

/// What went wrong on the bus.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The bus URL or settings are wrong.
    #[error("bus configuration: {0}")]
    Config(String),
    /// The backend could not be reached or refused the operation.
    #[error("bus: {0}")]
    Backend(String),
}

/// What a subscriber receives.
#[derive(Debug, Clone)]
pub enum BusMessage {
    /// A stored event.
    Event(Arc<Event>),
    /// The subscriber fell behind and this many events passed it by: catch up from the log.
    Lagged(u64),
}

/// A live feed of every tenant's events, in the order they were published.
#[async_trait]
pub trait SubscriptionSource: Send {
    /// The next message; `None` when the bus is gone.
    async fn recv(&mut self) -> Option<BusMessage>;
}

/// One subscriber's feed.
pub struct Subscription(Box<dyn SubscriptionSource>);

impl Subscription {
    /// Wraps a backend's feed.
    pub fn new(source: impl SubscriptionSource + 'static) -> Self {
        Subscription(Box::new(source))
    }

    /// The next message; `None` when the bus is gone.
    pub async fn recv(&mut self) -> Option<BusMessage> {
        self.0.recv().await
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Subscription")
    }
}

/// Carries stored events to subscribers, on this node or across nodes.
#[async_trait]
pub trait EventBus: Send + Sync + 'static {
    /// Publishes stored events, in order. Returns once the backend has them (JetStream: once
    /// the stream acknowledged each).
    async fn publish(&self, events: &[Arc<Event>]) -> Result<(), BusError>;

    /// A feed of events published from now on.
    async fn subscribe(&self) -> Result<Subscription, BusError>;

    /// The backend's name, for logs (`memory`, `nats`).
    fn name(&self) -> &'static str;
}
