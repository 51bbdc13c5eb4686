//! The writer against real stores (SQLite and this machine's PostgreSQL) and the in-process
//! bus: everything handed in is stored, numbered and published in order; a tiny queue slows
//! producers down instead of losing events; a `call.ended` leaves its call record.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

use std::sync::Arc;
use std::time::Duration;

use kefu_core::{CallId, DomainEvent, Role, TenantId, TenantScope, UserId};
use kefu_events::{BusMessage, EventBus, EventWriter, MemoryBus, WriterConfig};
use kefu_store::Store;
use kefu_store::events::EventFilter;
use kefu_store::users::NewUser;

async fn stores() -> Vec<(&'static str, Store, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Store::connect(&kefu_store::testing::sqlite_in(dir.path()))
        .await
        .unwrap();
    let pg = Store::connect(&kefu_store::testing::fresh_postgres().await)
        .await
        .unwrap();
    for s in [&sqlite, &pg] {
        s.migrate().await.unwrap();
    }
    vec![
        ("sqlite", sqlite, dir),
        ("postgres", pg, tempfile::tempdir().unwrap()),
    ]
}

async fn tenant(store: &Store, slug: &str) -> (TenantScope, TenantScope) {
    let (t, owner) = store
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
    (
        TenantScope::authenticated(t.id, owner.id, Role::Owner),
        TenantScope::authenticated(t.id, UserId::new(), Role::Agent),
    )
}

#[tokio::test]
async fn everything_emitted_is_stored_numbered_and_published_in_order() {
    for (db, store, _dir) in stores().await {
        let (a_owner, a) = tenant(&store, "alpha").await;
        let (_, b) = tenant(&store, "beta").await;
        let bus = Arc::new(MemoryBus::new(10_000));
        let mut sub = bus.subscribe().await.unwrap();
        let sink = EventWriter::start(store.clone(), bus.clone(), WriterConfig::default());
        let mut producers = Vec::new();
        for scope in [a.clone(), b.clone()] {
            let sink = sink.clone();
            producers.push(tokio::spawn(async move {
                for _ in 0..300 {
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
        for p in producers {
            p.await.unwrap();
        }
        assert_eq!(sink.drain(Duration::from_secs(30)).await, 0, "{db}");
        let mut next_seq = std::collections::HashMap::<TenantId, u64>::new();
        for _ in 0..600 {
            let msg = tokio::time::timeout(Duration::from_secs(10), sub.recv())
                .await
                .unwrap()
                .unwrap();
            let BusMessage::Event(e) = msg else {
                panic!("{db}: lagged")
            };
            let want = next_seq.entry(e.tenant).or_insert(1);
            assert_eq!(e.seq, *want, "{db}: published in number order");
            *want += 1;
        }
        assert_eq!(next_seq.get(&a.tenant()), Some(&301), "{db}");
        assert_eq!(next_seq.get(&b.tenant()), Some(&301), "{db}");
        let stored = store
            .events(
                &a_owner,
                &EventFilter {
                    limit: 1000,
                    ..EventFilter::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(stored.len(), 300, "{db}");
    }
}

#[tokio::test]
async fn a_full_queue_slows_producers_and_loses_nothing() {
    for (db, store, _dir) in stores().await {
        let (owner, scope) = tenant(&store, "alpha").await;
        let bus = Arc::new(MemoryBus::new(16));
        let config = WriterConfig {
            queue: 2,
            ..WriterConfig::default()
        };
        let sink = EventWriter::start(store.clone(), bus, config);
        let mut producers = Vec::new();
        for _ in 0..8 {
            let (sink, scope) = (sink.clone(), scope.clone());
            producers.push(tokio::spawn(async move {
                for _ in 0..50 {
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
        for p in producers {
            p.await.unwrap();
        }
        assert_eq!(sink.drain(Duration::from_secs(30)).await, 0, "{db}");
        let stored = store
            .events(
                &owner,
                &EventFilter {
                    limit: 1000,
                    ..EventFilter::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(stored.len(), 400, "{db}");
        assert_eq!(
            stored.iter().map(|e| e.seq).collect::<Vec<_>>(),
            (1..=400).collect::<Vec<u64>>(),
            "{db}"
        );
    }
}
