//! The `integration` world through the real host, with the `webhook-log` test guest.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use kefu_plugin_host::integration::DomainEvent;
use kefu_plugin_host::*;

fn webhook_log(host: &PluginHost) -> Arc<Plugin> {
    let manifest: Manifest = serde_json::from_value(serde_json::json!({
        "name": "webhook-log", "version": "1.0.0", "world": "integration",
        "capabilities": {"log": true, "kv": true},
    }))
    .unwrap();
    host.load(manifest, &guest("webhook_log")).unwrap()
}

fn event(tenant: &str, id: &str, kind: &str) -> DomainEvent {
    DomainEvent {
        id: id.into(),
        kind: kind.into(),
        tenant_id: tenant.into(),
        occurred_at_ms: 1_795_000_000_000,
        payload_json: r#"{"call_id": "call_01"}"#.into(),
    }
}

#[tokio::test]
async fn domain_events_reach_the_plugin_with_its_capabilities_and_replay() {
    let (host, log) = host();
    let plugin = webhook_log(&host);
    let installation = installation();
    let tenant = installation.tenant.to_string();
    let first = host
        .integration_on_event(
            &plugin,
            &installation,
            &event(&tenant, "evt_1", "call.ended"),
        )
        .await;
    assert_eq!(first.output, Some(Ok(())));
    assert_eq!(first.invocation.world, World::Integration);
    assert_eq!(first.invocation.logs[0].message, "call.ended evt_1");
    // The same event again is recognised through kv (state lives in kv, not the instance).
    let again = host
        .integration_on_event(
            &plugin,
            &installation,
            &event(&tenant, "evt_1", "call.ended"),
        )
        .await;
    assert_eq!(again.invocation.logs[0].message, "duplicate evt_1");
    // A plugin error is a return, not a trap.
    let failed = host
        .integration_on_event(
            &plugin,
            &installation,
            &event(&tenant, "evt_2", "test.fail"),
        )
        .await;
    match failed.output {
        Some(Err(error)) => assert_eq!(error.kind, ErrorKind::Upstream),
        other => panic!("expected an upstream error, got {other:?}"),
    }
    assert_eq!(log.entries().len(), 3);
    let replay = host
        .replay(&installation, &failed.invocation)
        .await
        .unwrap();
    assert!(replay.identical);
}

#[tokio::test]
async fn integration_events_are_limited_and_tenant_checked() {
    let (host, _) = host();
    let plugin = webhook_log(&host);
    let mut limited = Installation::new(kefu_core::TenantId::new());
    limited.limits.cpu = Duration::from_millis(20);
    let limited = Arc::new(limited);
    let tenant = limited.tenant.to_string();
    let spun = host
        .integration_on_event(&plugin, &limited, &event(&tenant, "evt_3", "test.loop"))
        .await;
    assert_eq!(spun.invocation.outcome, Outcome::Trapped(Trap::CpuLimit));

    let stranger = kefu_core::TenantId::new().to_string();
    let refused = host
        .integration_on_event(&plugin, &limited, &event(&stranger, "evt_4", "call.ended"))
        .await;
    assert_eq!(
        refused.invocation.outcome,
        Outcome::Rejected(Rejection::TenantMismatch {
            input: stranger,
            installation: tenant,
        })
    );
}
