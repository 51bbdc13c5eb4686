//! The event log on SQLite and the machine's PostgreSQL: numbered per tenant without gaps even
//! under concurrent writers, read back in order by filter and by role, the open-call table kept
//! with `call.received`/`call.ended`, call records derived from `call.ended`, and retention.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use kefu_core::event::{
    AgentPresence, AgentStateChanged, CallEnded, CallEntry, CallReceived, Direction, Disposition,
    DomainEvent, HangupBy, MediaSummary,
};
use kefu_core::{AgentId, CallId, Role, TenantScope, UserId};
use kefu_store::call_records::{CallRecordFilter, record_of_ended};
use kefu_store::events::{EventFilter, NewEvent, OpenCall};
use kefu_store::users::NewUser;
use kefu_store::{Store, StoreError};

async fn stores() -> Vec<(&'static str, Store, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Store::connect(&kefu_store::testing::sqlite_in(dir.path()))
        .await
        .unwrap();
    let pg = Store::connect(&kefu_store::testing::fresh_postgres().await)
        .await
        .unwrap();
    vec![
        ("sqlite", sqlite, dir),
        ("postgres", pg, tempfile::tempdir().unwrap()),
    ]
}

struct Tenants {
    a: TenantScope,
    a_call: TenantScope,
    b: TenantScope,
    b_call: TenantScope,
}

async fn tenants(store: &Store) -> Tenants {
    store.migrate().await.unwrap();
    let owner = |email| NewUser {
        email,
        name: "Owner",
        role: Role::Owner,
        password_hash: None,
    };
    let (ta, oa) = store
        .create_tenant_with_owner("Alpha", "alpha", owner("a@x.test"))
        .await
        .unwrap();
    let (tb, ob) = store
        .create_tenant_with_owner("Beta", "beta", owner("b@x.test"))
        .await
        .unwrap();
    Tenants {
        a: TenantScope::authenticated(ta.id, oa.id, Role::Owner),
        a_call: TenantScope::authenticated(ta.id, UserId::new(), Role::Agent),
        b: TenantScope::authenticated(tb.id, ob.id, Role::Owner),
        b_call: TenantScope::authenticated(tb.id, UserId::new(), Role::Agent),
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap()
}

fn new(event: DomainEvent, at: DateTime<Utc>) -> NewEvent {
    NewEvent { event, at }
}

fn received(call: CallId, node: &str) -> CallReceived {
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
        node: node.into(),
    }
}

fn ended(call: CallId, node: &str) -> CallEnded {
    CallEnded {
        received: received(call, node),
        started_at: t0(),
        answered_at: Some(t0() + Duration::seconds(1)),
        ended_at: t0() + Duration::seconds(61),
        disposition: Disposition::AbandonedInQueue,
        hangup_by: HangupBy::Caller,
        ivr_path: vec![],
        queue: Some("Support".into()),
        queue_wait_ms: Some(55_000),
        call_data: vec![("k".into(), "v".into())],
        agents: Vec::new(),
        talk_ms: None,
        hold_ms: None,
        holds: 0,
        media: MediaSummary {
            packets_received: 3000,
            packets_sent: 3001,
            packets_lost: 2,
            jitter_ms: 4,
            dtmf_keys: 1,
        },
        reason: None,
    }
}

#[tokio::test]
async fn each_tenant_log_is_numbered_from_one_without_gaps() {
    for (db, store, _dir) in stores().await {
        let t = tenants(&store).await;
        let (ca, cb) = (CallId::new(), CallId::new());
        let batch = vec![
            (
                t.a_call.clone(),
                new(DomainEvent::CallAnswered { call: ca }, t0()),
            ),
            (
                t.b_call.clone(),
                new(DomainEvent::CallAnswered { call: cb }, t0()),
            ),
            (
                t.a_call.clone(),
                new(DomainEvent::CallAnswered { call: ca }, t0()),
            ),
        ];
        let stored = store.append_events(&batch).await.unwrap();
        let seqs: Vec<_> = stored.iter().map(|e| (e.tenant, e.seq)).collect();
        assert_eq!(
            seqs,
            vec![(t.a.tenant(), 1), (t.b.tenant(), 1), (t.a.tenant(), 2)],
            "{db}"
        );
        let more = store
            .append_events(&[(
                t.a_call.clone(),
                new(DomainEvent::CallAnswered { call: ca }, t0()),
            )])
            .await
            .unwrap();
        assert_eq!(more[0].seq, 3, "{db}");
        let all = store
            .events(
                &t.a,
                &EventFilter {
                    limit: 100,
                    ..EventFilter::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            all.iter().map(|e| e.seq).collect::<Vec<_>>(),
            [1, 2, 3],
            "{db}"
        );
        assert_eq!(all[0], stored[0], "{db}: read back as appended");
        assert_eq!(
            store.event_bounds(&t.a).await.unwrap(),
            Some((1, 3)),
            "{db}"
        );
        // Tenant B sees only its own.
        let b = store
            .events(
                &t.b,
                &EventFilter {
                    limit: 100,
                    ..EventFilter::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(b.len(), 1, "{db}");
        assert!(b.iter().all(|e| e.tenant == t.b.tenant()), "{db}");
    }
}

#[tokio::test]
async fn concurrent_writers_never_share_or_skip_a_number() {
    for (db, store, _dir) in stores().await {
        let t = tenants(&store).await;
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let store = store.clone();
            let scope = t.a_call.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..10 {
                    let batch: Vec<_> = (0..25)
                        .map(|_| {
                            (
                                scope.clone(),
                                new(
                                    DomainEvent::CallAnswered {
                                        call: CallId::new(),
                                    },
                                    t0(),
                                ),
                            )
                        })
                        .collect();
                    store.append_events(&batch).await.unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let mut seqs = Vec::new();
        let mut after = None;
        loop {
            let page = store
                .events(
                    &t.a,
                    &EventFilter {
                        after,
                        limit: 300,
                        ..EventFilter::default()
                    },
                )
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            after = Some(last.seq);
            seqs.extend(page.iter().map(|e| e.seq));
        }
        assert_eq!(seqs, (1..=1000).collect::<Vec<u64>>(), "{db}");
    }
}

#[tokio::test]
async fn filters_by_type_family_subject_and_position() {
    for (db, store, _dir) in stores().await {
        let t = tenants(&store).await;
        let (c1, c2) = (CallId::new(), CallId::new());
        let agent = AgentId::new();
        let events = [
            DomainEvent::CallAnswered { call: c1 },
            DomainEvent::CallQueued {
                call: c1,
                queue: "Support".into(),
                priority: 0,
            },
            DomainEvent::CallAnswered { call: c2 },
            DomainEvent::AgentLoggedIn { agent },
            DomainEvent::CallEnded(Box::new(ended(c1, "n1"))),
        ];
        let batch: Vec<_> = events
            .iter()
            .map(|e| (t.a_call.clone(), new(e.clone(), t0())))
            .collect();
        store.append_events(&batch).await.unwrap();
        let list = |filter: EventFilter| {
            let store = store.clone();
            let scope = t.a.clone();
            async move {
                store
                    .events(
                        &scope,
                        &EventFilter {
                            limit: if filter.limit == 0 { 100 } else { filter.limit },
                            ..filter
                        },
                    )
                    .await
                    .unwrap()
                    .iter()
                    .map(|e| e.seq)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            list(EventFilter {
                types: vec!["call.answered".into()],
                ..Default::default()
            })
            .await,
            [1, 3],
            "{db}"
        );
        assert_eq!(
            list(EventFilter {
                types: vec!["call.".into()],
                ..Default::default()
            })
            .await,
            [1, 2, 3, 5],
            "{db}"
        );
        assert_eq!(
            list(EventFilter {
                types: vec!["agent.".into(), "call.queued".into()],
                ..Default::default()
            })
            .await,
            [2, 4],
            "{db}"
        );
        assert_eq!(
            list(EventFilter {
                subject: Some(c1.to_string()),
                ..Default::default()
            })
            .await,
            [1, 2, 5],
            "{db}"
        );
        assert_eq!(
            list(EventFilter {
                after: Some(3),
                ..Default::default()
            })
            .await,
            [4, 5],
            "{db}"
        );
        assert_eq!(
            list(EventFilter {
                limit: 2,
                ..Default::default()
            })
            .await,
            [1, 2],
            "{db}"
        );
    }
}

#[tokio::test]
async fn an_agent_reads_only_its_own_agent_events() {
    for (db, store, _dir) in stores().await {
        let t = tenants(&store).await;
        let me = UserId::new();
        let my_scope = TenantScope::authenticated(t.a.tenant(), me, Role::Agent);
        let my_agent = AgentId::from_ulid(me.ulid());
        let other = AgentId::new();
        let state = |agent| {
            DomainEvent::AgentStateChanged(AgentStateChanged {
                agent,
                from: AgentPresence::Ready,
                to: AgentPresence::NotReady,
                reason: Some("lunch".into()),
                in_previous_ms: None,
            })
        };
        let batch = vec![
            (t.a_call.clone(), new(state(my_agent), t0())),
            (t.a_call.clone(), new(state(other), t0())),
            (
                t.a_call.clone(),
                new(
                    DomainEvent::CallAnswered {
                        call: CallId::new(),
                    },
                    t0(),
                ),
            ),
        ];
        let stored = store.append_events(&batch).await.unwrap();
        let mine = store
            .events(
                &my_scope,
                &EventFilter {
                    limit: 100,
                    ..EventFilter::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(mine, vec![stored[0].clone()], "{db}");
        for e in &stored {
            assert_eq!(
                kefu_store::events::may_see(&my_scope, e),
                e.seq == 1,
                "{db}: the live rule matches the listing"
            );
            assert!(kefu_store::events::may_see(&t.a, e), "{db}");
            assert!(!kefu_store::events::may_see(&t.b, e), "{db}");
        }
        let dev = TenantScope::authenticated(t.a.tenant(), UserId::new(), Role::Developer);
        let seen = store
            .events(
                &dev,
                &EventFilter {
                    limit: 100,
                    ..EventFilter::default()
                },
            )
            .await
            .unwrap();
        assert!(seen.is_empty(), "{db}: a developer sees plugin events only");
    }
}

#[tokio::test]
async fn call_ended_closes_the_call_and_writes_its_record_from_the_event() {
    for (db, store, _dir) in stores().await {
        let t = tenants(&store).await;
        let (done, open) = (CallId::new(), CallId::new());
        store
            .append_events(&[
                (
                    t.a_call.clone(),
                    new(
                        DomainEvent::CallReceived(Box::new(received(done, "node-a"))),
                        t0(),
                    ),
                ),
                (
                    t.a_call.clone(),
                    new(
                        DomainEvent::CallReceived(Box::new(received(open, "node-a"))),
                        t0(),
                    ),
                ),
                (
                    t.b_call.clone(),
                    new(
                        DomainEvent::CallReceived(Box::new(received(CallId::new(), "node-b"))),
                        t0(),
                    ),
                ),
            ])
            .await
            .unwrap();
        let open_a: Vec<_> = store
            .open_calls("node-a")
            .await
            .unwrap()
            .iter()
            .map(|c| c.call)
            .collect();
        assert_eq!(open_a.len(), 2, "{db}");
        let end = ended(done, "node-a");
        store
            .append_events(&[(
                t.a_call.clone(),
                new(DomainEvent::CallEnded(Box::new(end.clone())), t0()),
            )])
            .await
            .unwrap();
        let open_a: Vec<_> = store
            .open_calls("node-a")
            .await
            .unwrap()
            .iter()
            .map(|c| c.call)
            .collect();
        assert_eq!(open_a, vec![open], "{db}");
        assert_eq!(store.open_calls("node-b").await.unwrap().len(), 1, "{db}");
        // The record is the event's, field for field.
        let record = store.call_record(&t.a, &done).await.unwrap();
        let derived = record_of_ended(&end);
        assert_eq!(record.caller, derived.caller, "{db}");
        assert_eq!(record.disposition, "abandoned_in_queue", "{db}");
        assert_eq!(record.queue_wait_ms, Some(55_000), "{db}");
        assert_eq!(record.call_data, derived.call_data, "{db}");
        assert_eq!(record.media, derived.media, "{db}");
        assert_eq!(record.entry, derived.entry, "{db}");
        assert_eq!(record.duration_ms, 61_000, "{db}");
        assert!(
            matches!(
                store.call_record(&t.b, &done).await,
                Err(StoreError::NotFound)
            ),
            "{db}: another tenant's record is not there"
        );
        // Closing after a crash: the same path, disposition interrupted.
        let mut interrupted = ended(open, "node-a");
        interrupted.disposition = Disposition::Interrupted;
        interrupted.hangup_by = HangupBy::System;
        let call = OpenCall {
            tenant: t.a.tenant(),
            call: open,
            started_at: t0(),
        };
        let stored = store
            .close_open_call(&call, interrupted, t0())
            .await
            .unwrap();
        assert_eq!(stored.event.name(), "call.ended", "{db}");
        assert!(store.open_calls("node-a").await.unwrap().is_empty(), "{db}");
        let records = store
            .call_records(
                &t.a,
                &CallRecordFilter {
                    limit: 10,
                    ..CallRecordFilter::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(records.len(), 2, "{db}");
        assert!(
            records
                .iter()
                .any(|r| r.id == open && r.disposition == "interrupted"),
            "{db}"
        );
    }
}

#[tokio::test]
async fn oversized_data_fails_the_batch_and_writes_nothing() {
    for (db, store, _dir) in stores().await {
        let t = tenants(&store).await;
        let mut big = ended(CallId::new(), "n");
        big.call_data = vec![("blob".into(), "x".repeat(70 * 1024))];
        let result = store
            .append_events(&[
                (
                    t.a_call.clone(),
                    new(
                        DomainEvent::CallAnswered {
                            call: CallId::new(),
                        },
                        t0(),
                    ),
                ),
                (
                    t.a_call.clone(),
                    new(DomainEvent::CallEnded(Box::new(big)), t0()),
                ),
            ])
            .await;
        match result {
            Err(StoreError::Invalid { field, message }) => {
                assert_eq!(field, "data", "{db}");
                assert!(message.contains("call.ended"), "{db}: {message}");
            }
            other => panic!("{db}: {other:?}"),
        }
        assert_eq!(store.event_count().await.unwrap(), 0, "{db}");
        assert_eq!(store.event_bounds(&t.a).await.unwrap(), None, "{db}");
    }
}

#[tokio::test]
async fn retention_removes_only_the_old() {
    for (db, store, _dir) in stores().await {
        let t = tenants(&store).await;
        store
            .append_events(&[
                (
                    t.a_call.clone(),
                    new(
                        DomainEvent::CallAnswered {
                            call: CallId::new(),
                        },
                        t0() - Duration::days(40),
                    ),
                ),
                (
                    t.a_call.clone(),
                    new(
                        DomainEvent::CallAnswered {
                            call: CallId::new(),
                        },
                        t0(),
                    ),
                ),
            ])
            .await
            .unwrap();
        assert_eq!(
            store
                .delete_events_before(t0() - Duration::days(30))
                .await
                .unwrap(),
            1,
            "{db}"
        );
        // Numbers are never reused: the next is 3, and the oldest kept is 2.
        let next = store
            .append_events(&[(
                t.a_call.clone(),
                new(
                    DomainEvent::CallAnswered {
                        call: CallId::new(),
                    },
                    t0(),
                ),
            )])
            .await
            .unwrap();
        assert_eq!(next[0].seq, 3, "{db}");
        assert_eq!(
            store.event_bounds(&t.a).await.unwrap(),
            Some((2, 3)),
            "{db}"
        );
    }
}
