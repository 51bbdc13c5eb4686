//! The bus across nodes: NATS JetStream. Each event is published to
//! `<prefix>.<tenant>.<type>` in a JetStream stream (stored by the server, deduplicated by the
//! event id), and subscribers read the live subjects with a plain NATS subscription: they want
//! what happens from now on, and catch up on anything older from the event log.
//!
//! A subscriber notices lost messages (a slow-consumer drop) by a gap in a tenant's sequence
//! numbers and reports it as [`BusMessage::Lagged`].

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream;
use async_trait::async_trait;
use futures::StreamExt;
use kefu_core::{Event, TenantId};

use crate::bus::{BusError, BusMessage, EventBus, Subscription, SubscriptionSource};

/// The stream (and subject prefix) used unless told otherwise.
pub(crate) const DEFAULT_STREAM: &str = "KEFU_EVENTS";
/// How long JetStream keeps events (the log in the database is the record; this is replay
/// for other nodes).
const STREAM_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// NATS JetStream.
pub struct NatsBus {
    client: async_nats::Client,
    js: jetstream::Context,
    prefix: String,
}

impl std::fmt::Debug for NatsBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsBus")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn backend(what: &str, e: impl std::fmt::Display) -> BusError {
    BusError::Backend(format!("{what}: {e}"))
}

impl NatsBus {
    /// Connects to `url` and makes sure the stream `stream` exists (its subjects are
    /// `<stream in lower case>.>`; tests use their own stream name to stay apart).
    pub async fn connect(url: &str, stream: &str) -> Result<NatsBus, BusError> {
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(|e| backend(&format!("connecting to {url}"), e))?;
        let js = jetstream::new(client.clone());
        let prefix = stream.to_ascii_lowercase().replace('_', ".");
        js.get_or_create_stream(jetstream::stream::Config {
            name: stream.to_owned(),
            subjects: vec![format!("{prefix}.>")],
            max_age: STREAM_MAX_AGE,
            duplicate_window: Duration::from_secs(120),
            ..Default::default()
        })
        .await
        .map_err(|e| backend(&format!("creating the JetStream stream {stream}"), e))?;
        Ok(NatsBus { client, js, prefix })
    }

    /// Deletes the stream and everything in it (tests and benchmarks clean up their own).
    pub async fn delete_stream(&self, stream: &str) -> Result<(), BusError> {
        self.js
            .delete_stream(stream)
            .await
            .map(|_| ())
            .map_err(|e| backend(&format!("deleting the JetStream stream {stream}"), e))
    }

    fn subject(&self, event: &Event) -> String {
        format!("{}.{}.{}", self.prefix, event.tenant, event.event.name())
    }
}

#[async_trait]
impl EventBus for NatsBus {
    async fn publish(&self, events: &[Arc<Event>]) -> Result<(), BusError> {
        // Send all, then wait for the acks: one round trip per batch, not per event.
        let mut acks = Vec::with_capacity(events.len());
        for event in events {
            let payload =
                serde_json::to_vec(event.as_ref()).map_err(|e| backend("encoding an event", e))?;
            let mut headers = async_nats::HeaderMap::new();
            headers.insert("Nats-Msg-Id", event.id.to_string().as_str());
            let ack = self
                .js
                .publish_with_headers(self.subject(event), headers, payload.into())
                .await
                .map_err(|e| backend("publishing", e))?;
            acks.push(ack);
        }
        for ack in acks {
            ack.await
                .map_err(|e| backend("JetStream did not store an event", e))?;
        }
        Ok(())
    }

    async fn subscribe(&self) -> Result<Subscription, BusError> {
        let subscriber = self
            .client
            .subscribe(format!("{}.>", self.prefix))
            .await
            .map_err(|e| backend("subscribing", e))?;
        Ok(Subscription::new(Feed {
            subscriber,
            last: HashMap::new(),
            pending: None,
        }))
    }

    fn name(&self) -> &'static str {
        "nats"
    }
}

struct Feed {
    subscriber: async_nats::Subscriber,
    /// The last sequence number seen per tenant, to notice gaps.
    last: HashMap<TenantId, u64>,
    /// An event held back while its gap is reported first.
    pending: Option<Arc<Event>>,
}

#[async_trait]
impl SubscriptionSource for Feed {
    async fn recv(&mut self) -> Option<BusMessage> {
        if let Some(event) = self.pending.take() {
            return Some(BusMessage::Event(event));
        }
        loop {
            let message = self.subscriber.next().await?;
            let event: Event = match serde_json::from_slice(&message.payload) {
                Ok(event) => event,
                Err(e) => {
                    tracing::warn!(subject = %message.subject, error = %e, "an unreadable message on the event bus");
                    continue;
                }
            };
            let event = Arc::new(event);
            let last = self.last.insert(event.tenant, event.seq);
            match last {
                // A redelivery or an older event from another node: already seen.
                Some(last) if event.seq <= last => {
                    self.last.insert(event.tenant, last);
                    continue;
                }
                Some(last) if event.seq > last + 1 => {
                    self.pending = Some(event.clone());
                    return Some(BusMessage::Lagged(event.seq - last - 1));
                }
                _ => return Some(BusMessage::Event(event)),
            }
        }
    }
}
