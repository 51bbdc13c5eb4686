//! Call detail records and voicemails on SQLite and the machine's PostgreSQL: written with a
//! call's scope, read page by page and by filter, and never visible or changeable from another
//! tenant.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use kefu_core::{CallId, DidId, Principal, Role, TenantScope, TrunkId, UserId, VoicemailId};
use kefu_store::call_records::{CallRecordFilter, NewCallRecord};
use kefu_store::users::NewUser;
use kefu_store::voicemails::{NewVoicemail, VoicemailFilter, voicemail_key};
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

/// Two tenants: their owners, the scopes their calls run with, and an agent of A.
struct Tenants {
    a: TenantScope,
    a_call: TenantScope,
    a_agent: TenantScope,
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
    // Scopes as authentication mints them: owners by password, calls by their trunk (the
    // inbound route's telephony principal of the number's tenant).
    Tenants {
        a: TenantScope::authenticated(ta.id, oa.id, Role::Owner),
        a_call: TenantScope::telephony(ta.id, Some(TrunkId::new())),
        a_agent: TenantScope::authenticated(ta.id, UserId::new(), Role::Agent),
        b: TenantScope::authenticated(tb.id, ob.id, Role::Owner),
        b_call: TenantScope::telephony(tb.id, Some(TrunkId::new())),
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()
}

fn call(started_at: DateTime<Utc>, disposition: &str, caller: &str) -> NewCallRecord {
    NewCallRecord {
        id: CallId::new(),
        direction: "inbound".into(),
        caller: caller.into(),
        dialled: "+862150000000".into(),
        did: None,
        trunk: None,
        entry: None,
        sip_call_id: format!("{}@carrier", CallId::new()),
        started_at,
        answered_at: None,
        ended_at: started_at + Duration::seconds(30),
        disposition: disposition.into(),
        hangup_by: "caller".into(),
        ivr_path: vec![],
        queue: None,
        queue_wait_ms: None,
        call_data: vec![],
        media: serde_json::json!({}),
        agents: vec![],
        talk_ms: None,
        hold_ms: None,
        holds: 0,
        reason: None,
    }
}

#[tokio::test]
async fn a_call_record_round_trips_with_every_field() {
    for (db, store, _dir) in stores().await {
        let t = tenants(&store).await;
        // Sub-millisecond parts are dropped, on both databases alike.
        let started = t0() + Duration::nanoseconds(1_234_567_891);
        let new = NewCallRecord {
            did: Some(DidId::new()),
            trunk: Some(TrunkId::new()),
            entry: Some(serde_json::json!({"kind": "ivr", "installation": "ins_1"})),
            answered_at: Some(started + Duration::seconds(2)),
            ended_at: started + Duration::milliseconds(95_500),
            ivr_path: vec!["main".into(), "sales".into()],
            queue: Some("que_sales".into()),
            queue_wait_ms: Some(12_000),
            call_data: vec![
                ("order".into(), "A-17".into()),
                ("lang".into(), "zh".into()),
                ("order".into(), "A-18".into()),
            ],
            media: serde_json::json!({"codec": "PCMU", "packets_lost": 3}),
            agents: vec![],
            talk_ms: None,
            hold_ms: None,
            holds: 0,
            reason: Some("agent hung up".into()),
            ..call(started, "completed", "+8613800138000")
        };
        let stored = store.record_call(&t.a_call, &new).await.unwrap();
        assert_eq!(stored.id, new.id, "{db}");
        assert_eq!(stored.tenant, t.a.tenant(), "{db}");
        assert_eq!(
            stored.started_at,
            t0() + Duration::milliseconds(1_234),
            "{db}"
        );
        assert_eq!(stored.duration_ms, 95_500, "{db}");
        assert_eq!(stored.did, new.did);
        assert_eq!(stored.trunk, new.trunk);
        assert_eq!(stored.entry, new.entry);
        assert_eq!(stored.ivr_path, ["main", "sales"]);
        assert_eq!(stored.queue_wait_ms, Some(12_000));
        // A repeated key keeps its first place and its last value.
        assert_eq!(
            stored.call_data,
            [
                ("order".to_owned(), "A-18".to_owned()),
                ("lang".to_owned(), "zh".to_owned())
            ]
        );
        let json = serde_json::to_value(&stored).unwrap();
        assert_eq!(
            json["call_data"],
            serde_json::json!({"order": "A-18", "lang": "zh"})
        );
        assert_eq!(json["id"], new.id.to_string());

        let read = store.call_record(&t.a, &new.id).await.unwrap();
        assert_eq!(read, stored, "{db}: what is read is what was written");

        // The actor retrying after a lost reply gets the stored record, not an error or a copy.
        let retry = NewCallRecord {
            disposition: "failed".into(),
            ..new.clone()
        };
        assert_eq!(store.record_call(&t.a_call, &retry).await.unwrap(), stored);
        let all = store
            .call_records(
                &t.a,
                &CallRecordFilter {
                    limit: 50,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(all.len(), 1, "{db}");

        // A clock stepping back gives a zero duration, not a negative one; bad directions
        // are refused.
        let backwards = NewCallRecord {
            ended_at: t0() - Duration::seconds(1),
            ..call(t0(), "completed", "+1")
        };
        assert_eq!(
            store
                .record_call(&t.a_call, &backwards)
                .await
                .unwrap()
                .duration_ms,
            0
        );
        let sideways = NewCallRecord {
            direction: "sideways".into(),
            ..call(t0(), "completed", "+1")
        };
        assert!(matches!(
            store.record_call(&t.a_call, &sideways).await,
            Err(StoreError::Invalid {
                field: "direction",
                ..
            })
        ));
    }
}

#[tokio::test]
async fn call_records_page_newest_first_and_filter() {
    for (db, store, _dir) in stores().await {
        let t = tenants(&store).await;
        // Seven calls; three share a start time, so the cursor must break ties by id.
        let mut written = Vec::new();
        for (i, minute) in [0, 1, 2, 2, 2, 3, 4].into_iter().enumerate() {
            let disposition = if i % 2 == 0 { "completed" } else { "abandoned" };
            let caller = if i < 3 {
                "+8613800000001"
            } else {
                "+8613800000002"
            };
            let rec = call(t0() + Duration::minutes(minute), disposition, caller);
            written.push(store.record_call(&t.a_call, &rec).await.unwrap());
        }
        let mut expected = written.clone();
        expected.sort_by_key(|r| std::cmp::Reverse((r.started_at, r.id)));

        let mut pages = Vec::new();
        let mut listed = Vec::new();
        let mut before = None;
        loop {
            let page = store
                .call_records(
                    &t.a,
                    &CallRecordFilter {
                        before,
                        limit: 2,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            before = Some(last.id);
            pages.push(page.len());
            listed.extend(page.iter().map(|r| r.id));
        }
        assert_eq!(pages, [2, 2, 2, 1], "{db}");
        assert_eq!(
            listed,
            expected.iter().map(|r| r.id).collect::<Vec<_>>(),
            "{db}: every record once, newest first, ties by id"
        );

        let abandoned = store
            .call_records(
                &t.a,
                &CallRecordFilter {
                    disposition: Some("abandoned".into()),
                    limit: 50,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(abandoned.len(), 3, "{db}");
        assert!(abandoned.iter().all(|r| r.disposition == "abandoned"));
        let from_one = store
            .call_records(
                &t.a,
                &CallRecordFilter {
                    caller: Some("+8613800000001".into()),
                    disposition: Some("completed".into()),
                    limit: 50,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(from_one.len(), 2, "{db}");
        // Limits are clamped to 1..=200.
        let one = store
            .call_records(
                &t.a,
                &CallRecordFilter {
                    limit: 0,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(one.len(), 1, "{db}");
        // A cursor that is no record of this tenant is an input error.
        assert!(matches!(
            store
                .call_records(
                    &t.a,
                    &CallRecordFilter {
                        before: Some(CallId::new()),
                        limit: 5,
                        ..Default::default()
                    }
                )
                .await,
            Err(StoreError::Invalid {
                field: "before",
                ..
            })
        ));
    }
}

#[tokio::test]
async fn call_records_stay_in_their_tenant() {
    for (db, store, _dir) in stores().await {
        let t = tenants(&store).await;
        let a_rec = store
            .record_call(&t.a_call, &call(t0(), "completed", "+8613800000001"))
            .await
            .unwrap();
        let b_rec = store
            .record_call(&t.b_call, &call(t0(), "completed", "+8613800000009"))
            .await
            .unwrap();
        assert_eq!(b_rec.tenant, t.b.tenant());
        let all = CallRecordFilter {
            limit: 200,
            ..Default::default()
        };
        let seen_by_b: Vec<CallId> = store
            .call_records(&t.b, &all)
            .await
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(seen_by_b, [b_rec.id], "{db}");
        assert!(matches!(
            store.call_record(&t.b, &a_rec.id).await,
            Err(StoreError::NotFound)
        ));
        // B's cursor cannot be A's record either: it is not B's to page from.
        assert!(matches!(
            store
                .call_records(
                    &t.b,
                    &CallRecordFilter {
                        before: Some(a_rec.id),
                        ..all.clone()
                    }
                )
                .await,
            Err(StoreError::Invalid { .. })
        ));
        // The same call id written by B's scope lands in B, leaving A's record as it was.
        let clash = NewCallRecord {
            id: a_rec.id,
            ..call(t0(), "failed", "+8613800000009")
        };
        let b_copy = store.record_call(&t.b_call, &clash).await.unwrap();
        assert_eq!(b_copy.tenant, t.b.tenant(), "{db}");
        assert_eq!(store.call_record(&t.a, &a_rec.id).await.unwrap(), a_rec);
        // Agents read no records.
        assert!(matches!(
            store.call_records(&t.a_agent, &all).await,
            Err(StoreError::Forbidden(_))
        ));
        assert!(matches!(
            store.call_record(&t.a_agent, &a_rec.id).await,
            Err(StoreError::Forbidden(_))
        ));
    }
}

#[tokio::test]
async fn a_batch_of_call_records_lands_each_in_its_own_tenant_once() {
    for (db, store, _dir) in stores().await {
        let t = tenants(&store).await;
        let earlier = store
            .record_call(&t.a_call, &call(t0(), "completed", "+8613800000001"))
            .await
            .unwrap();
        let a_new = call(t0() + Duration::seconds(1), "abandoned", "+8613800000002");
        let b_new = call(t0() + Duration::seconds(2), "completed", "+8613800000009");
        // A writer retrying a batch after a lost reply sends records already stored.
        let retried = NewCallRecord {
            id: earlier.id,
            ..call(t0(), "failed", "+8613800000003")
        };
        let batch = vec![
            (t.a_call.clone(), a_new.clone()),
            (t.b_call.clone(), b_new.clone()),
            (t.a_call.clone(), retried),
        ];
        assert_eq!(store.record_calls(&batch).await.unwrap(), 2, "{db}");
        // Sending it again writes nothing.
        assert_eq!(store.record_calls(&batch).await.unwrap(), 0, "{db}");
        let all = CallRecordFilter {
            limit: 200,
            ..Default::default()
        };
        let ids = |records: Vec<kefu_store::call_records::CallRecord>| -> Vec<CallId> {
            records.iter().map(|r| r.id).collect()
        };
        let seen_by_a = ids(store.call_records(&t.a, &all).await.unwrap());
        assert_eq!(seen_by_a, [a_new.id, earlier.id], "{db}");
        let seen_by_b = ids(store.call_records(&t.b, &all).await.unwrap());
        assert_eq!(seen_by_b, [b_new.id], "{db}");
        // The record stored first is unchanged by the retry.
        assert_eq!(store.call_record(&t.a, &earlier.id).await.unwrap(), earlier);
        let b_row = store.call_record(&t.b, &b_new.id).await.unwrap();
        assert_eq!(
            (b_row.caller.as_str(), b_row.disposition.as_str()),
            ("+8613800000009", "completed")
        );
        // One invalid record refuses the batch before anything is written.
        let bad = NewCallRecord {
            direction: "sideways".into(),
            ..call(t0(), "completed", "+8613800000004")
        };
        let good = call(t0() + Duration::seconds(3), "completed", "+8613800000005");
        let refused = store
            .record_calls(&[(t.a_call.clone(), good.clone()), (t.a_call.clone(), bad)])
            .await;
        assert!(matches!(refused, Err(StoreError::Invalid { .. })), "{db}");
        assert!(matches!(
            store.call_record(&t.a, &good.id).await,
            Err(StoreError::NotFound)
        ));
    }
}

fn voicemail(scope: &TenantScope, mailbox: &str) -> NewVoicemail {
    let id = VoicemailId::new();
    NewVoicemail {
        id,
        call: CallId::new(),
        mailbox: mailbox.into(),
        caller: "+8613800000001".into(),
        dialled: "+862150000000".into(),
        duration_ms: 4_200,
        size_bytes: 67_244,
        blob_key: voicemail_key(scope, &id).unwrap().as_str().to_owned(),
    }
}

#[tokio::test]
async fn voicemails_list_filter_page_and_change() {
    for (db, store, _dir) in stores().await {
        let t = tenants(&store).await;
        let mut ids = Vec::new();
        for mailbox in ["sales", "support", "sales", "sales", "support"] {
            let vm = store
                .create_voicemail(&t.a_call, &voicemail(&t.a_call, mailbox))
                .await
                .unwrap();
            assert!(!vm.heard, "{db}");
            assert_eq!(vm.tenant, t.a.tenant());
            ids.push(vm.id);
        }
        let first = store.voicemail(&t.a, &ids[0]).await.unwrap();
        assert_eq!(first.mailbox, "sales");
        assert_eq!((first.duration_ms, first.size_bytes), (4_200, 67_244));
        assert_eq!(
            store.voicemail_blob_key(&t.a, &ids[0]).await.unwrap(),
            format!("tenants/{}/voicemails/{}.wav", t.a.tenant(), ids[0])
        );
        // The API view must never carry the blob key.
        assert!(
            serde_json::to_value(&first)
                .unwrap()
                .get("blob_key")
                .is_none()
        );

        // Pages of two cover every message once, newest first.
        let mut seen = Vec::new();
        let mut before = None;
        loop {
            let page = store
                .voicemails(
                    &t.a,
                    &VoicemailFilter {
                        before,
                        limit: 2,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            before = Some(last.id);
            seen.extend(page.iter().map(|v| (v.created_at, v.id)));
        }
        let mut newest_first = seen.clone();
        newest_first.sort_by(|x, y| y.cmp(x));
        assert_eq!(seen, newest_first, "{db}");
        assert_eq!(seen.len(), 5, "{db}");

        store
            .set_voicemail_heard(&t.a, &ids[2], true)
            .await
            .unwrap();
        let heard = store
            .set_voicemail_heard(&t.a, &ids[3], true)
            .await
            .unwrap();
        assert!(heard.heard);
        let unheard_sales = store
            .voicemails(
                &t.a,
                &VoicemailFilter {
                    mailbox: Some("sales".into()),
                    heard: Some(false),
                    limit: 50,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            unheard_sales.iter().map(|v| v.id).collect::<Vec<_>>(),
            [ids[0]],
            "{db}"
        );
        let heard_all = store
            .voicemails(
                &t.a,
                &VoicemailFilter {
                    heard: Some(true),
                    limit: 50,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(heard_all.len(), 2, "{db}");
        // Unmark.
        assert!(
            !store
                .set_voicemail_heard(&t.a, &ids[2], false)
                .await
                .unwrap()
                .heard
        );

        // Deleting hands back the blob key, removes the row and is audited.
        let key = store.delete_voicemail(&t.a, &ids[1]).await.unwrap();
        assert!(key.ends_with(&format!("{}.wav", ids[1])), "{db}");
        assert!(matches!(
            store.voicemail(&t.a, &ids[1]).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.delete_voicemail(&t.a, &ids[1]).await,
            Err(StoreError::NotFound)
        ));
        let log = store.audit_log(&t.a, 10, None).await.unwrap();
        assert_eq!(log[0].action, "voicemail.deleted", "{db}");
        assert_eq!(log[0].target, ids[1].to_string());
    }
}

#[tokio::test]
async fn a_voicemail_left_on_a_trunk_call_is_audited_as_the_telephony_principal() {
    for (db, store, _dir) in stores().await {
        let t = tenants(&store).await;
        let vm = store
            .create_voicemail(&t.a_call, &voicemail(&t.a_call, "sales"))
            .await
            .unwrap();
        let log = store.audit_log(&t.a, 10, None).await.unwrap();
        assert_eq!(log[0].action, "voicemail.received", "{db}");
        assert_eq!(log[0].target, vm.id.to_string());
        assert_eq!(log[0].actor, Some(t.a_call.principal()), "{db}");
        assert!(
            matches!(log[0].actor, Some(Principal::Telephony { trunk: Some(_) })),
            "{db}: the trunk's call, not a user"
        );

        // The tenant-wide telephony scope (the trunk not at hand) is audited as telephony too.
        let tenant_wide = store.telephony_scope(t.a.tenant()).await.unwrap();
        assert_eq!(tenant_wide.user(), None);
        store
            .create_voicemail(&tenant_wide, &voicemail(&tenant_wide, "support"))
            .await
            .unwrap();
        let log = store.audit_log(&t.a, 10, None).await.unwrap();
        assert_eq!(log[0].actor, Some(Principal::Telephony { trunk: None }));
        // It reads nothing a role guards.
        assert!(matches!(
            store.audit_log(&tenant_wide, 10, None).await,
            Err(StoreError::Forbidden(_))
        ));
        assert!(matches!(
            store.telephony_scope(kefu_core::TenantId::new()).await,
            Err(StoreError::NotFound)
        ));
    }
}

#[tokio::test]
async fn voicemails_stay_in_their_tenant() {
    for (db, store, _dir) in stores().await {
        let t = tenants(&store).await;
        let a_vm = store
            .create_voicemail(&t.a_call, &voicemail(&t.a_call, "sales"))
            .await
            .unwrap();
        // A row cannot point at another tenant's audio, nor at a malformed key.
        for key in [
            voicemail_key(&t.a_call, &VoicemailId::new())
                .unwrap()
                .as_str()
                .to_owned(),
            format!("tenants/{}/../x.wav", t.b.tenant()),
            "voicemails/x.wav".to_owned(),
        ] {
            let sneaky = NewVoicemail {
                blob_key: key.clone(),
                ..voicemail(&t.b_call, "sales")
            };
            assert!(
                matches!(
                    store.create_voicemail(&t.b_call, &sneaky).await,
                    Err(StoreError::Invalid {
                        field: "blob_key",
                        ..
                    })
                ),
                "{db}: {key}"
            );
        }
        let all = VoicemailFilter {
            limit: 200,
            ..Default::default()
        };
        assert!(
            store.voicemails(&t.b, &all).await.unwrap().is_empty(),
            "{db}"
        );
        assert!(matches!(
            store.voicemail(&t.b, &a_vm.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.voicemail_blob_key(&t.b, &a_vm.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.set_voicemail_heard(&t.b, &a_vm.id, true).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.delete_voicemail(&t.b, &a_vm.id).await,
            Err(StoreError::NotFound)
        ));
        // A's message is untouched.
        assert_eq!(store.voicemail(&t.a, &a_vm.id).await.unwrap(), a_vm, "{db}");
        // Agents neither read nor change voicemail.
        assert!(matches!(
            store.voicemails(&t.a_agent, &all).await,
            Err(StoreError::Forbidden(_))
        ));
        assert!(matches!(
            store.voicemail_blob_key(&t.a_agent, &a_vm.id).await,
            Err(StoreError::Forbidden(_))
        ));
        assert!(matches!(
            store.set_voicemail_heard(&t.a_agent, &a_vm.id, true).await,
            Err(StoreError::Forbidden(_))
        ));
        assert!(matches!(
            store.delete_voicemail(&t.a_agent, &a_vm.id).await,
            Err(StoreError::Forbidden(_))
        ));
    }
}
