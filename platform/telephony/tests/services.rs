//! The call side's services against a real store (SQLite): a trunk's call acts as the tenant's
//! telephony principal for that trunk — its own, not the trunk of the tenant's latest call
//! (the audit log says so) — its events are stored as that scope, and the tenant's routing is
//! read though no call was admitted (a fresh process, a cleared cache).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

use std::sync::Arc;
use std::time::Duration;

use kefu_calls::{CallServices, InboundRequest, NewVoicemail, Route};
use kefu_core::{CallId, DomainEvent, E164, Principal, QueueId, Role, TenantScope, TrunkId};
use kefu_events::{EventWriter, MemoryBus, WriterConfig};
use kefu_store::Store;
use kefu_store::events::EventFilter;
use kefu_store::inbound_trunks::{DigestChange, InboundTrunkInput};
use kefu_store::numbers::{NumberEntry, NumberInput};
use kefu_store::objects::FsObjects;
use kefu_store::users::NewUser;
use kefu_telephony::admission::Admission;
use kefu_telephony::secrets::SecretBox;
use kefu_telephony::{PluginRuntime, Services, TelephonyParts};

struct World {
    store: Store,
    owner: TenantScope,
    services: Services,
    events: kefu_events::EventSink,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&kefu_store::testing::sqlite_in(dir.path()))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let (tenant, owner) = store
        .create_tenant_with_owner(
            "Alpha",
            "alpha",
            NewUser {
                email: "owner@alpha.test",
                name: "Owner",
                role: Role::Owner,
                password_hash: None,
            },
        )
        .await
        .unwrap();
    let owner = TenantScope::authenticated(tenant.id, owner.id, Role::Owner);
    let objects = Arc::new(FsObjects::open(dir.path().join("objects")).await.unwrap());
    let host = kefu_plugin_host::PluginHost::new(
        kefu_plugin_host::HostConfig::default(),
        kefu_telephony::plugin_runtime::persisting_sink(store.clone()),
    )
    .unwrap();
    let runtime = PluginRuntime::new(
        host,
        store.clone(),
        objects.clone(),
        Arc::new(SecretBox::from_key(&[7u8; 32]).unwrap()),
    );
    let events = EventWriter::start(
        store.clone(),
        Arc::new(MemoryBus::new(1_000)),
        WriterConfig::default(),
    );
    let parts = TelephonyParts {
        store: store.clone(),
        objects,
        events: events.clone(),
        runtime,
        registrations: Default::default(),
        speech: Default::default(),
    };
    let admission = Admission::new(store.clone(), Duration::from_secs(300)).unwrap();
    World {
        services: Services::new(parts, admission),
        store,
        owner,
        events,
        _dir: dir,
    }
}

async fn stored_calls_answered(w: &World) -> usize {
    assert_eq!(w.events.drain(Duration::from_secs(10)).await, 0);
    let filter = EventFilter {
        after: None,
        types: vec!["call.answered".into()],
        subject: None,
        limit: 100,
    };
    w.store.events(&w.owner, &filter).await.unwrap().len()
}

/// A routing document with one queue, saved as the owner.
async fn one_queue(w: &World) -> QueueId {
    let queue = QueueId::new();
    w.store
        .save_config_doc(
            &w.owner,
            kefu_telephony::routing::KIND,
            0,
            serde_json::json!({ "queues": [{ "id": queue.to_string() }] }).to_string(),
            kefu_store::config_docs::ConfigChange {
                action: "queue.created",
                target: "support",
                detail: serde_json::json!({}),
            },
        )
        .await
        .unwrap();
    queue
}

async fn trunk(w: &World, name: &str, source: &str) -> TrunkId {
    w.store
        .create_inbound_trunk(
            &w.owner,
            &InboundTrunkInput {
                name: name.into(),
                enabled: true,
                sources: vec![source.parse().unwrap()],
                digest: DigestChange::None,
            },
        )
        .await
        .unwrap()
        .id
}

async fn admit(w: &World, source: &str) -> Route {
    w.services
        .route(&InboundRequest {
            source: source.parse().unwrap(),
            dialled: "+15555550100".into(),
            request_uri: "sip:+15555550100@127.0.0.1:5060".into(),
            caller: "+15555550999".into(),
            authorization: None,
        })
        .await
        .expect("admitted")
}

#[tokio::test]
async fn each_call_acts_as_the_telephony_principal_of_its_own_trunk() {
    let w = world().await;
    let first_trunk = trunk(&w, "First", "127.0.0.1/32").await;
    let second_trunk = trunk(&w, "Second", "127.0.0.2/32").await;
    let queue = one_queue(&w).await;
    w.store
        .create_number(
            &w.owner,
            &NumberInput {
                number: E164::from_dialled("+15555550100").unwrap(),
                label: "Support".into(),
                entry: NumberEntry::Queue { queue },
                fallback_queue: None,
                trunks: vec![],
            },
        )
        .await
        .unwrap();
    // Two calls in progress, one through each trunk; the second was admitted last.
    let first = admit(&w, "127.0.0.1").await;
    let second = admit(&w, "127.0.0.2").await;
    assert_eq!(first.tenant(), w.owner.tenant());
    let (first_call, second_call) = (CallId::new(), CallId::new());
    for (route, call) in [(&first, first_call), (&second, second_call)] {
        w.services
            .store_voicemail(
                &route.scope,
                NewVoicemail {
                    call,
                    mailbox: "support".into(),
                    caller: "+15555550999".into(),
                    dialled: "+15555550100".into(),
                    wav: vec![0; 64],
                    duration_ms: 10,
                },
            )
            .await
            .unwrap();
    }
    // Each voicemail is audited as the trunk its own call came through.
    let log = w.store.audit_log(&w.owner, 10, None).await.unwrap();
    for (call, trunk) in [(first_call, first_trunk), (second_call, second_trunk)] {
        let entry = log
            .iter()
            .find(|e| e.action == "voicemail.received" && e.detail["call"] == call.to_string())
            .expect("audited");
        assert_eq!(
            entry.actor,
            Some(Principal::Telephony { trunk: Some(trunk) }),
            "{log:?}"
        );
    }
    // Its events are stored as that scope too.
    w.services
        .emit(&first.scope, DomainEvent::CallAnswered { call: first_call })
        .await;
    assert_eq!(stored_calls_answered(&w).await, 1);
}

#[tokio::test]
async fn the_tenants_routing_is_read_though_no_call_of_it_was_admitted() {
    let w = world().await;
    let tenant = w.owner.tenant();
    // A fresh Services: no scope of this tenant is kept.
    let routing = w.services.routing(tenant).await.unwrap();
    assert_eq!(routing.config.tenant, tenant);
    w.services.scopes().clear();
    assert_eq!(
        w.services.routing(tenant).await.unwrap().config.tenant,
        tenant
    );
    // A tenant that does not exist has no routing (and does not get this one's).
    assert!(
        w.services
            .routing(kefu_core::TenantId::new())
            .await
            .is_err()
    );
}
