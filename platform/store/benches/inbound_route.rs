//! The SIP edge's per-INVITE lookup (`Store::inbound_route`) on a directory of 1,000 tenants,
//! each with one inbound trunk (a /32 source) and 5 numbers, on SQLite in a temporary directory.
//! Measures an accepted call (the hot path), a refusal (unknown source: a scan of all trunks),
//! and the in-memory routing alone without the async call.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::net::IpAddr;

use criterion::{Criterion, criterion_group, criterion_main};
use kefu_core::{E164, QueueId, Role, TenantScope};
use kefu_store::Store;
use kefu_store::config_docs::ConfigChange;
use kefu_store::inbound_route::InboundCall;
use kefu_store::inbound_trunks::{DigestChange, InboundTrunkInput};
use kefu_store::numbers::{NumberEntry, NumberInput};
use kefu_store::users::NewUser;

const TENANTS: u32 = 1_000;
const NUMBERS_PER_TENANT: u32 = 5;

fn source(i: u32) -> IpAddr {
    format!("10.{}.{}.1", i >> 8, i & 255).parse().unwrap()
}

fn number(i: u32, j: u32) -> String {
    format!("+1555{i:04}{j:03}")
}

async fn seed(store: &Store) {
    for i in 0..TENANTS {
        let (tenant, owner) = store
            .create_tenant_with_owner(
                &format!("Tenant {i}"),
                &format!("t{i}"),
                NewUser {
                    email: "o@x.test",
                    name: "O",
                    role: Role::Owner,
                    password_hash: None,
                },
            )
            .await
            .unwrap();
        // A benchmark stands in for authentication, as the tests do.
        #[allow(clippy::disallowed_methods)]
        let scope = TenantScope::authenticated(tenant.id, owner.id, Role::Owner);
        let queue = QueueId::new();
        let doc = serde_json::json!({ "queues": [{ "id": queue }] }).to_string();
        let change = ConfigChange {
            action: "queue.created",
            target: "q",
            detail: serde_json::json!({}),
        };
        store
            .save_config_doc(&scope, "routing", 0, doc, change)
            .await
            .unwrap();
        let input = InboundTrunkInput {
            name: "Carrier".into(),
            enabled: true,
            sources: vec![ipnet::IpNet::from(source(i))],
            digest: DigestChange::None,
        };
        store.create_inbound_trunk(&scope, &input).await.unwrap();
        for j in 0..NUMBERS_PER_TENANT {
            let input = NumberInput {
                number: E164::parse(&number(i, j)).unwrap(),
                label: "Line".into(),
                entry: NumberEntry::Queue { queue },
                fallback_queue: None,
                trunks: Vec::new(),
            };
            store.create_number(&scope, &input).await.unwrap();
        }
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = rt.block_on(async {
        let store = Store::connect(&kefu_store::testing::sqlite_in(dir.path()))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        seed(&store).await;
        store
    });
    let dialled = number(500, 3);
    let accepted = InboundCall {
        source: source(500),
        digest: None,
        dialled: &dialled,
    };
    let unknown = InboundCall {
        source: "192.0.2.1".parse().unwrap(),
        digest: None,
        dialled: &dialled,
    };
    assert!(rt.block_on(store.inbound_route(&accepted)).is_ok());
    assert_eq!(
        rt.block_on(store.inbound_route(&unknown))
            .unwrap_err()
            .sip_status(),
        403
    );
    println!(
        "conditions: {TENANTS} tenants x 1 trunk x {NUMBERS_PER_TENANT} numbers, SQLite, 1 thread"
    );
    c.bench_function("inbound_route/accepted", |b| {
        b.iter(|| rt.block_on(store.inbound_route(&accepted)).unwrap())
    });
    c.bench_function("inbound_route/unknown_source", |b| {
        b.iter(|| rt.block_on(store.inbound_route(&unknown)).unwrap_err())
    });
    let directory = rt.block_on(store.inbound_directory()).unwrap();
    c.bench_function("inbound_route/directory_only", |b| {
        b.iter(|| directory.route(&accepted).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
