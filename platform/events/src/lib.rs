//! Kefu's event spine: every state change becomes a numbered, stored domain event, then goes
//! out on a bus to whoever listens (integration plugins, the tenant event stream, other nodes).
//!
//! ```text
//!  producer ──emit──▶ [bounded queue] ──▶ EventWriter ──append (one txn)──▶ event log (SQL)
//!  (call, API)          full: emit waits        │
//!                                               └──publish──▶ EventBus ──▶ subscribers
//! ```
//!
//! - [`EventSink::emit`] never drops: when the queue is full the producer waits for room, so a
//!   slow database slows producers instead of losing events. The only loss is an event the
//!   database refuses outright (counted in `kefu_events_dropped_total` and logged).
//! - The writer takes whatever is queued (up to [`MAX_BATCH`]) and appends it in one
//!   transaction, which numbers each tenant's events 1, 2, 3… (`kefu-store::events`). Only then
//!   is the batch published: a subscriber sees an event only once it is stored, with its number.
//! - The bus ([`EventBus`]) is in-process ([`MemoryBus`], the embedded default) or NATS
//!   JetStream ([`NatsBus`]). Both deliver live events only; a subscriber that falls behind is
//!   told how many it missed ([`BusMessage::Lagged`]) and catches up from the log by number.
//!
//! Never decides anything about calls or agents: it carries what others decide.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod bus;
mod memory;
mod nats;
pub mod recovery;
mod writer;

pub use bus::{BusError, BusMessage, EventBus, Subscription, SubscriptionSource};
pub use memory::MemoryBus;
pub use nats::NatsBus;
pub use writer::{EventSink, EventWriter, MAX_BATCH, WriterConfig};

use std::sync::Arc;

/// The bus a URL names: empty for in-process, `nats://host:port` for NATS JetStream.
pub async fn bus_from_url(url: &str) -> Result<Arc<dyn EventBus>, BusError> {
    if url.is_empty() {
        Ok(Arc::new(MemoryBus::new(memory::DEFAULT_CAPACITY)))
    } else if url.starts_with("nats://") {
        Ok(Arc::new(NatsBus::connect(url, nats::DEFAULT_STREAM).await?))
    } else {
        Err(BusError::Config(format!(
            "`{url}` is not a bus URL: leave it empty (in-process) or use nats://host:port"
        )))
    }
}
