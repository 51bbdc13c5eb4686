//! Event log throughput: events/s appended through the real writer ([`EventWriter`]: bounded
//! queue, batches of up to [`kefu_events::MAX_BATCH`], one transaction per batch) on SQLite and
//! on this machine's PostgreSQL, and events/s through the NATS JetStream bus (publish with acks,
//! one subscriber receiving all), alone and behind the writer.
//!
//! `cargo bench -p kefu-events --bench log`. Environment: `EVENTS` (events per figure,
//! 100,000), `BACKENDS` (comma-separated subset of `sqlite,postgres,nats`; all by default),
//! `KEFU_TEST_POSTGRES_URL` (an admin URL; a fresh database is made on that server, default
//! `postgres://postgres@127.0.0.1:5432/test`), `KEFU_TEST_NATS_URL` (default
//! `nats://127.0.0.1:4222`). Prints one line per figure with its conditions.
//!
//! Two event mixes per database:
//! - `answered`: `call.answered` only, the plain append (counter upsert + insert);
//! - `calls`: what a queued call logs — `call.received` (opens an `open_calls` row),
//!   `call.answered`, `call.queued`, `call.ended` (closes it and writes the call record), so the
//!   figure includes the extra rows the log keeps in the same transaction.
//!
//! Each figure times from the first `emit` until the writer has stored the last event
//! (`EventSink::drain`), and the stored count is read back from the database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use kefu_core::event::{
    CallEnded, CallEntry, CallReceived, Direction, Disposition, HangupBy, MediaSummary,
};
use kefu_core::{CallId, DomainEvent, Event, EventId, Role, TenantId, TenantScope, UserId};
use kefu_events::{BusMessage, EventBus, EventWriter, MemoryBus, NatsBus, WriterConfig};
use kefu_store::Store;
use kefu_store::users::NewUser;

const PRODUCERS: usize = 8;

#[derive(Clone, Copy, PartialEq)]
enum Mix {
    Answered,
    Calls,
}

impl Mix {
    fn name(self) -> &'static str {
        match self {
            Mix::Answered => "answered",
            Mix::Calls => "calls",
        }
    }
}

fn nats_url() -> String {
    std::env::var("KEFU_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

fn stream_name() -> String {
    format!(
        "KEFU_BENCH_{}",
        EventId::new().to_string().trim_start_matches("evt_")
    )
}

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

fn received(call: CallId) -> CallReceived {
    CallReceived {
        call,
        direction: Direction::Inbound,
        caller: "+8613800138000".into(),
        dialled: "+15555550100".into(),
        did: None,
        trunk: None,
        entry: Some(CallEntry::Queue {
            queue: "Support".into(),
        }),
        sip_call_id: format!("{call}@carrier"),
        node: "bench".into(),
    }
}

/// The four events of a call that waits in a queue and is abandoned there.
fn call_events(call: CallId) -> [DomainEvent; 4] {
    let now = Utc::now();
    [
        DomainEvent::CallReceived(Box::new(received(call))),
        DomainEvent::CallAnswered { call },
        DomainEvent::CallQueued {
            call,
            queue: "Support".into(),
            priority: 0,
        },
        DomainEvent::CallEnded(Box::new(CallEnded {
            received: received(call),
            started_at: now,
            answered_at: Some(now),
            ended_at: now,
            disposition: Disposition::AbandonedInQueue,
            hangup_by: HangupBy::Caller,
            ivr_path: vec![],
            queue: Some("Support".into()),
            queue_wait_ms: Some(1_000),
            call_data: vec![],
            agents: Vec::new(),
            talk_ms: None,
            hold_ms: None,
            holds: 0,
            media: MediaSummary {
                packets_received: 50,
                packets_sent: 50,
                packets_lost: 0,
                jitter_ms: 1,
                dtmf_keys: 0,
            },
            reason: None,
        })),
    ]
}

/// Appends `events` through a writer publishing on `bus`; returns (stored, seconds, still
/// pending after the drain).
async fn write_through(
    store: &Store,
    scopes: &[TenantScope; 2],
    bus: Arc<dyn EventBus>,
    events: usize,
    mix: Mix,
) -> (u64, f64, usize) {
    let before = store.event_count().await.unwrap();
    let sink = EventWriter::start(store.clone(), bus, WriterConfig::default());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for p in 0..PRODUCERS {
        let sink = sink.clone();
        let scope = scopes[p % 2].clone();
        let per_producer = events / PRODUCERS;
        tasks.push(tokio::spawn(async move {
            match mix {
                Mix::Answered => {
                    for _ in 0..per_producer {
                        sink.emit(
                            &scope,
                            DomainEvent::CallAnswered {
                                call: CallId::new(),
                            },
                        )
                        .await;
                    }
                }
                Mix::Calls => {
                    for _ in 0..per_producer / 4 {
                        for event in call_events(CallId::new()) {
                            sink.emit(&scope, event).await;
                        }
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let left = sink.drain(Duration::from_secs(600)).await;
    let secs = started.elapsed().as_secs_f64();
    let stored = store.event_count().await.unwrap() - before;
    (stored, secs, left)
}

async fn log_rate(name: &str, url: &str, events: usize) {
    let store = Store::connect(url).await.unwrap();
    store.migrate().await.unwrap();
    let scopes = [scope(&store, "alpha").await, scope(&store, "beta").await];
    for mix in [Mix::Answered, Mix::Calls] {
        let bus = Arc::new(MemoryBus::new(1024));
        let (stored, secs, left) = write_through(&store, &scopes, bus, events, mix).await;
        println!(
            "event log {name}, {}: {stored} events in {secs:.2} s = {:.0} events/s ({PRODUCERS} producers, 2 tenants, batches ≤ {}, in-process bus; {left} left)",
            mix.name(),
            stored as f64 / secs,
            kefu_events::MAX_BATCH
        );
    }
}

/// The bus alone: batches of `MAX_BATCH` published with acks, one subscriber.
async fn nats_rate(events: usize) {
    let stream = stream_name();
    let bus = Arc::new(NatsBus::connect(&nats_url(), &stream).await.unwrap());
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
        "nats bus alone: {events} events published (acked) in {published:.2} s = {:.0} events/s; one subscriber had {got} after {secs:.2} s = {:.0} events/s",
        events as f64 / published,
        got as f64 / secs
    );
    bus.delete_stream(&stream).await.unwrap();
}

/// The writer on PostgreSQL publishing each stored batch on NATS (a multi-node deployment).
async fn writer_nats_rate(url: &str, events: usize) {
    let store = Store::connect(url).await.unwrap();
    store.migrate().await.unwrap();
    let scopes = [scope(&store, "alpha").await, scope(&store, "beta").await];
    let stream = stream_name();
    let bus = Arc::new(NatsBus::connect(&nats_url(), &stream).await.unwrap());
    let mut sub = bus.subscribe().await.unwrap();
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
    let started = Instant::now();
    let (stored, secs, left) =
        write_through(&store, &scopes, bus.clone(), events, Mix::Answered).await;
    let got = tokio::time::timeout(Duration::from_secs(60), receiver)
        .await
        .map(|r| r.unwrap())
        .unwrap_or(0);
    let all = started.elapsed().as_secs_f64();
    println!(
        "event log postgres + nats bus, answered: {stored} events stored and published in {secs:.2} s = {:.0} events/s; one subscriber had {got} after {all:.2} s ({left} left)",
        stored as f64 / secs
    );
    bus.delete_stream(&stream).await.unwrap();
}

fn main() {
    let events: usize = std::env::var("EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let backends = std::env::var("BACKENDS").unwrap_or_else(|_| "sqlite,postgres,nats".into());
    let wants = |b: &str| backends.split(',').any(|x| x.trim() == b);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        if wants("sqlite") {
            let dir = tempfile::tempdir().unwrap();
            log_rate(
                "sqlite",
                &kefu_store::testing::sqlite_in(dir.path()),
                events,
            )
            .await;
        }
        if wants("postgres") {
            log_rate(
                "postgres",
                &kefu_store::testing::fresh_postgres().await,
                events,
            )
            .await;
        }
        if wants("nats") {
            nats_rate(events).await;
            writer_nats_rate(&kefu_store::testing::fresh_postgres().await, events).await;
        }
    });
}
