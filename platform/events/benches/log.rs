//! Event log throughput: events/s appended through the writer (batched, one transaction per
//! batch) on SQLite and on this machine's PostgreSQL, and events/s through the NATS JetStream
//! bus (publish with acks, one subscriber receiving all).
//!
//! `cargo bench -p kefu-events --bench log` (set `EVENTS=…` to change the count). Prints one
//! line per figure with its conditions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use kefu_core::{CallId, DomainEvent, Event, EventId, Role, TenantId, TenantScope, UserId};
use kefu_events::{BusMessage, EventBus, EventWriter, MemoryBus, NatsBus, WriterConfig};
use kefu_store::Store;
use kefu_store::users::NewUser;

const PRODUCERS: usize = 8;

async fn scope(store: &Store, slug: &str) -> TenantScope {
    let (t, _) = store
        .create_tenant_with_owner(
            slug,
            slug,
            NewUser {
                email: &format!("{slug}@x.test"),
                name: "Owner",
                role: Role::Owner,
                password_hash: None,
            },
        )
        .await
        .unwrap();
    TenantScope::authenticated(t.id, UserId::new(), Role::Agent)
}

async fn log_rate(name: &str, url: &str, events: usize) {
    let store = Store::connect(url).await.unwrap();
    store.migrate().await.unwrap();
    let scopes = [scope(&store, "alpha").await, scope(&store, "beta").await];
    let sink = EventWriter::start(
        store.clone(),
        Arc::new(MemoryBus::new(1024)),
        WriterConfig::default(),
    );
    let started = Instant::now();
    let mut tasks = Vec::new();
    for p in 0..PRODUCERS {
        let sink = sink.clone();
        let scope = scopes[p % 2].clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..events / PRODUCERS {
                sink.emit(
                    &scope,
                    DomainEvent::CallAnswered {
                        call: CallId::new(),
                    },
                )
                .await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let left = sink.drain(Duration::from_secs(600)).await;
    let secs = started.elapsed().as_secs_f64();
    let stored = store.event_count().await.unwrap();
    println!(
        "event log {name}: {stored} events in {secs:.2} s = {:.0} events/s ({PRODUCERS} producers, 2 tenants, batches ≤ {}; {left} left)",
        stored as f64 / secs,
        kefu_events::MAX_BATCH
    );
}

async fn nats_rate(events: usize) {
    let url =
        std::env::var("KEFU_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let stream = format!(
        "KEFU_BENCH_{}",
        EventId::new().to_string().trim_start_matches("evt_")
    );
    let bus = Arc::new(NatsBus::connect(&url, &stream).await.unwrap());
    let mut sub = bus.subscribe().await.unwrap();
    let tenant = TenantId::new();
    let all: Vec<Arc<Event>> = (1..=events as u64)
        .map(|seq| {
            let call = CallId::new();
            Arc::new(Event {
                seq,
                id: EventId::new(),
                tenant,
                at: Utc::now(),
                subject: call.to_string(),
                event: DomainEvent::CallAnswered { call },
            })
        })
        .collect();
    let started = Instant::now();
    let receiver = tokio::spawn(async move {
        let mut got = 0usize;
        while got < events {
            match sub.recv().await {
                Some(BusMessage::Event(_)) => got += 1,
                Some(BusMessage::Lagged(n)) => got += n as usize,
                None => break,
            }
        }
        got
    });
    for chunk in all.chunks(kefu_events::MAX_BATCH) {
        bus.publish(chunk).await.unwrap();
    }
    let published = started.elapsed().as_secs_f64();
    let got = receiver.await.unwrap();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "nats bus: {events} events published (acked) in {published:.2} s = {:.0} events/s; one subscriber had {got} after {secs:.2} s = {:.0} events/s",
        events as f64 / published,
        got as f64 / secs
    );
    bus.delete_stream(&stream).await.unwrap();
}

fn main() {
    let events: usize = std::env::var("EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        log_rate(
            "sqlite",
            &kefu_store::testing::sqlite_in(dir.path()),
            events,
        )
        .await;
        log_rate(
            "postgres",
            &kefu_store::testing::fresh_postgres().await,
            events,
        )
        .await;
        nats_rate(events).await;
    });
}
