//! The bus contract, run against both backends: the in-process bus and NATS JetStream on this
//! machine (127.0.0.1:4222, or `KEFU_TEST_NATS_URL`). Each NATS test uses a stream of its own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use kefu_core::{CallId, DomainEvent, Event, EventId, TenantId};
use kefu_events::{BusMessage, EventBus, MemoryBus, NatsBus};

fn nats_url() -> String {
    std::env::var("KEFU_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

/// The two backends; the NATS one on a stream of its own, deleted when the test is done.
struct Buses {
    list: Vec<(&'static str, Arc<dyn EventBus>)>,
    nats: Arc<NatsBus>,
    stream: String,
}

impl Buses {
    async fn cleanup(self) {
        self.nats.delete_stream(&self.stream).await.unwrap();
    }
}

async fn buses(capacity: usize) -> Buses {
    let stream = format!("KEFU_T_{}", ulid_text());
    let nats = Arc::new(
        NatsBus::connect(&nats_url(), &stream)
            .await
            .expect("NATS with JetStream must be running (set KEFU_TEST_NATS_URL)"),
    );
    Buses {
        list: vec![
            (
                "memory",
                Arc::new(MemoryBus::new(capacity)) as Arc<dyn EventBus>,
            ),
            ("nats", nats.clone()),
        ],
        nats,
        stream,
    }
}

fn ulid_text() -> String {
    EventId::new()
        .to_string()
        .trim_start_matches("evt_")
        .to_owned()
}

fn event(tenant: TenantId, seq: u64) -> Arc<Event> {
    let call = CallId::new();
    Arc::new(Event {
        seq,
        id: EventId::new(),
        tenant,
        at: Utc::now(),
        subject: call.to_string(),
        event: DomainEvent::CallAnswered { call },
    })
}

async fn next(sub: &mut kefu_events::Subscription) -> BusMessage {
    tokio::time::timeout(Duration::from_secs(10), sub.recv())
        .await
        .expect("a message within 10 s")
        .expect("the bus is open")
}

#[tokio::test]
async fn every_subscriber_gets_every_event_in_order() {
    let buses = buses(1024).await;
    for (name, bus) in buses.list.clone() {
        let mut first = bus.subscribe().await.unwrap();
        let mut second = bus.subscribe().await.unwrap();
        let (a, b) = (TenantId::new(), TenantId::new());
        let sent: Vec<_> = (1..=50)
            .flat_map(|seq| [event(a, seq), event(b, seq)])
            .collect();
        bus.publish(&sent).await.unwrap();
        for sub in [&mut first, &mut second] {
            for want in &sent {
                match next(sub).await {
                    BusMessage::Event(got) => assert_eq!(&got, want, "{name}"),
                    other => panic!("{name}: {other:?}"),
                }
            }
        }
    }
    buses.cleanup().await;
}

#[tokio::test]
async fn a_subscriber_sees_only_what_was_published_after_it_subscribed() {
    let buses = buses(1024).await;
    for (name, bus) in buses.list.clone() {
        let tenant = TenantId::new();
        bus.publish(&[event(tenant, 1)]).await.unwrap();
        let mut sub = bus.subscribe().await.unwrap();
        let later = event(tenant, 2);
        bus.publish(std::slice::from_ref(&later)).await.unwrap();
        match next(&mut sub).await {
            BusMessage::Event(got) => assert_eq!(got, later, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    buses.cleanup().await;
}

#[tokio::test]
async fn a_subscriber_that_misses_events_is_told_how_many() {
    // Memory: a subscriber that does not read falls out of a 4-event window. NATS: the feed
    // notices a gap in a tenant's numbers (as after a slow-consumer drop).
    let buses = buses(4).await;
    for (name, bus) in buses.list.clone() {
        let mut sub = bus.subscribe().await.unwrap();
        let tenant = TenantId::new();
        let sent: Vec<_> = if name == "memory" {
            (1..=10).map(|seq| event(tenant, seq)).collect()
        } else {
            vec![event(tenant, 1), event(tenant, 2), event(tenant, 9)]
        };
        bus.publish(&sent).await.unwrap();
        let mut lagged = 0;
        let mut got = Vec::new();
        while got.last() != Some(&sent.last().unwrap().seq) {
            match next(&mut sub).await {
                BusMessage::Lagged(n) => lagged += n,
                BusMessage::Event(e) => got.push(e.seq),
            }
        }
        assert!(lagged > 0, "{name}: a lag is reported");
        assert_eq!(
            got.len() as u64 + lagged,
            if name == "memory" { 10 } else { 9 },
            "{name}: what arrived and what was reported missing add up ({got:?})"
        );
    }
    buses.cleanup().await;
}

#[tokio::test]
async fn a_bad_bus_url_is_refused_with_the_reason() {
    let Err(err) = kefu_events::bus_from_url("redis://127.0.0.1").await else {
        panic!("a redis URL was taken for a bus");
    };
    assert!(err.to_string().contains("nats://"), "{err}");
    let Err(err) = kefu_events::bus_from_url("nats://127.0.0.1:1").await else {
        panic!("nothing listens on port 1");
    };
    assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
}
