//! The call side's services against a real store (SQLite): a trunk's call acts as the tenant's
//! telephony principal (the audit log says so), and a call event is stored even when no scope
//! was kept for its tenant (a fresh process, a cleared cache).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

use std::sync::Arc;
use std::time::Duration;

use kefu_calls::{CallServices, InboundRequest, NewVoicemail};
use kefu_core::{CallId, DomainEvent, E164, Principal, Role, TenantScope};
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

#[tokio::test]
async fn a_call_event_is_stored_though_no_scope_was_kept_for_its_tenant() {
    let w = world().await;
    // A fresh Services: no call of this tenant was admitted here.
    let tenant = w.owner.tenant();
    w.services
        .emit(
            tenant,
            DomainEvent::CallAnswered {
                call: CallId::new(),
            },
        )
        .await;
    assert_eq!(stored_calls_answered(&w).await, 1);
    // And again after the kept scopes are forgotten.
    w.services.scopes().clear();
    w.services
        .emit(
            tenant,
            DomainEvent::CallAnswered {
                call: CallId::new(),
            },
        )
        .await;
    assert_eq!(stored_calls_answered(&w).await, 2);
    // An event of a tenant that does not exist is not stored anywhere (and not in this one's).
    w.services
        .emit(
            kefu_core::TenantId::new(),
            DomainEvent::CallAnswered {
                call: CallId::new(),
            },
        )
        .await;
    assert_eq!(stored_calls_answered(&w).await, 2);
}

#[tokio::test]
async fn a_trunks_call_acts_as_the_telephony_principal() {
    let w = world().await;
    let trunk = w
        .store
        .create_inbound_trunk(
            &w.owner,
            &InboundTrunkInput {
                name: "Local".into(),
                enabled: true,
                sources: vec!["127.0.0.1/32".parse().unwrap()],
                digest: DigestChange::None,
            },
        )
        .await
        .unwrap();
    // The number's queue (the store checks that the routing document names it).
    let queue = kefu_core::QueueId::new();
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
    w.store
        .create_number(
            &w.owner,
            &NumberInput {
                number: E164::from_dialled("+15555550100").unwrap(),
                label: "Support".into(),
                entry: NumberEntry::Queue { queue },
                trunks: vec![],
            },
        )
        .await
        .unwrap();
    let route = w
        .services
        .route(&InboundRequest {
            source: "127.0.0.1".parse().unwrap(),
            dialled: "+15555550100".into(),
            request_uri: "sip:+15555550100@127.0.0.1:5060".into(),
            caller: "+15555550999".into(),
            authorization: None,
        })
        .await
        .expect("admitted");
    assert_eq!(route.tenant, w.owner.tenant());
    // The voicemail left on that call is written by the trunk's telephony principal.
    let call = CallId::new();
    w.services
        .store_voicemail(NewVoicemail {
            tenant: route.tenant,
            call,
            mailbox: "support".into(),
            caller: "+15555550999".into(),
            dialled: "+15555550100".into(),
            wav: vec![0; 64],
            duration_ms: 10,
        })
        .await
        .unwrap();
    let log = w.store.audit_log(&w.owner, 10, None).await.unwrap();
    let entry = log
        .iter()
        .find(|e| e.action == "voicemail.received")
        .expect("audited");
    assert_eq!(
        entry.actor,
        Some(Principal::Telephony {
            trunk: Some(trunk.id)
        }),
        "{log:?}"
    );
    assert_eq!(entry.detail["call"], call.to_string());
}
