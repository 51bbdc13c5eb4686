//! Running installed plugins through the API with the real `misbehave` test guest: settings
//! checked against the manifest's schema, write-only sealed secrets, test runs, the persisted
//! invocation log (list, filter, read, replay), per-tenant limits, the component download, and
//! another tenant seeing none of it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use axum::http::{Method, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{TestApp, component};
use serde_json::{Value, json};

/// The misbehaving guest published as an IVR plugin with a schema and one secret.
fn publish_body(wasm: &[u8]) -> Value {
    json!({
        "manifest": {
            "name": "misbehave", "version": "1.0.0", "world": "ivr",
            "capabilities": {"log": true, "kv": true, "config": true,
                "http": {"allowed_hosts": ["127.0.0.1"]}},
            "config_schema": {
                "type": "object", "additionalProperties": false,
                "properties": {"greeting": {"type": "string", "maxLength": 40}}
            },
            "secrets": ["api_key"]
        },
        "component": STANDARD.encode(wasm),
    })
}

/// A `call-started` input for `tenant` with call data.
fn call_started(tenant: &str, data: &[(&str, &str)]) -> Value {
    json!({
        "function": "on-event",
        "input": {
            "context": {
                "call_id": "cal_test", "tenant_id": tenant, "caller": "+8613800138000",
                "dialled": "+862150000000",
                "data": data.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
                "ivr_path": [], "language": "Mandarin", "started_at_ms": 1_795_000_000_000u64
            },
            "event": "CallStarted"
        }
    })
}

/// The log's items once it holds at least `n` (records are written in the background).
async fn log_items(app: &TestApp, token: &str, query: &str, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        let r = app
            .get(&format!("/api/v1/plugin-invocations{query}"), token)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        let items = r.body["items"].as_array().unwrap().clone();
        if items.len() >= n {
            return items;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the log never held {n} records for {query}");
}

on_both_databases!(installations_run_logged_and_replayed, |db| async move {
    let app = TestApp::new(db).await;
    let wasm = component("misbehave");
    let (owner, session) = app.signup("Plugin Maker", "owner@maker.test").await;
    let tenant = session["tenant"]["id"].as_str().unwrap().to_owned();
    let (agent, _) = app.add_user(&owner, "agent@maker.test", "agent").await;
    let (dev, _) = app.add_user(&owner, "dev@maker.test", "developer").await;
    let (other, other_session) = app.signup("Other Co", "owner@other.test").await;
    let other_tenant = other_session["tenant"]["id"].as_str().unwrap().to_owned();

    let r = app
        .call(
            Method::POST,
            "/api/v1/plugin-versions",
            Some(&dev),
            Some(publish_body(&wasm)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let sha = r.body["sha256"].as_str().unwrap().to_owned();

    // The component comes back byte for byte; another tenant cannot fetch a private one.
    let path = format!("/api/v1/plugin-versions/{tenant}/misbehave/1.0.0/component");
    let r = app.get(&path, &dev).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "application/wasm");
    assert_eq!(kefu_server::auth::hash_bytes(&r.raw), sha);
    assert_eq!(r.headers["x-content-sha256"].to_str().unwrap(), sha);
    assert_eq!(app.get(&path, &other).await.status, StatusCode::NOT_FOUND);

    // Settings are checked against the schema, secrets against the declared names.
    let install = |body: Value| {
        let app = &app;
        let owner = owner.clone();
        async move {
            app.call(
                Method::POST,
                "/api/v1/plugin-installations",
                Some(&owner),
                Some(body),
            )
            .await
        }
    };
    let base = json!({"publisher": tenant, "name": "misbehave", "version": "1.0.0"});
    let with = |extra: Value| {
        let mut body = base.clone();
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let r = install(with(json!({"config": {"greeting": 5, "colour": "red"}}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["config.colour", "config.greeting"], "{:?}", r.body);
    let r = install(with(json!({"secrets": {"password": "x"}}))).await;
    assert_eq!(
        (r.status, r.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("secrets.password")),
        "{:?}",
        r.body
    );
    let r = install(with(
        json!({"config": {"greeting": "hi"}, "secrets": {"api_key": "s3cr3t-value"}}),
    ))
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["secret_keys"], json!(["api_key"]));
    assert!(
        !r.body.to_string().contains("s3cr3t-value"),
        "secrets are write-only"
    );
    let id = r.body["id"].as_str().unwrap().to_owned();
    let listed = app.get("/api/v1/plugin-installations", &owner).await.body;
    assert!(!listed.to_string().contains("s3cr3t-value"));

    // Test runs: the secret reaches the plugin; a runaway loop is stopped; both are logged.
    let test = format!("/api/v1/plugin-installations/{id}/test");
    let r = app
        .call(
            Method::POST,
            &test,
            Some(&owner),
            Some(call_started(
                &tenant,
                &[("behaviour", "secret"), ("key", "api_key")],
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        r.body["invocation"]["outcome"]["kind"], "returned",
        "{:?}",
        r.body
    );
    assert!(
        r.body["invocation"]["outcome"]
            .to_string()
            .contains("s3cr3t-value")
    );
    assert_eq!(r.body["invocation"]["installation"], id.as_str());
    let returned_id = r.body["invocation"]["id"].as_str().unwrap().to_owned();
    let r = app
        .call(
            Method::POST,
            &test,
            Some(&owner),
            Some(call_started(&tenant, &[("behaviour", "loop")])),
        )
        .await;
    assert_eq!(
        r.body["invocation"]["outcome"],
        json!({"kind": "trapped", "detail": {"kind": "cpu_limit"}})
    );
    // A context naming another tenant is refused by the host, and logged as such.
    let r = app
        .call(
            Method::POST,
            &test,
            Some(&owner),
            Some(call_started(&other_tenant, &[])),
        )
        .await;
    assert_eq!(
        r.body["invocation"]["outcome"]["kind"], "rejected",
        "{:?}",
        r.body
    );
    // Inputs that do not fit the world are 422s naming the place; agents may not run.
    let r = app
        .call(
            Method::POST,
            &test,
            Some(&owner),
            Some(json!({"function": "on-event", "input": {"context": {}}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    assert!(
        r.field().unwrap().starts_with("input.context"),
        "{:?}",
        r.body
    );
    let r = app
        .call(
            Method::POST,
            &test,
            Some(&owner),
            Some(json!({"function": "score", "input": {}})),
        )
        .await;
    assert_eq!(
        (r.status, r.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("function"))
    );
    let r = app
        .call(
            Method::POST,
            &test,
            Some(&agent),
            Some(call_started(&tenant, &[])),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The log: newest first, filtered, paged, readable in full, replayable.
    let items = log_items(&app, &owner, "", 3).await;
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["outcome"], "rejected");
    assert_eq!(items[1]["outcome"], "trapped");
    assert_eq!(items[1]["detail"], "cpu_limit");
    assert_eq!(items[2]["id"], returned_id.as_str());
    let trapped = log_items(&app, &dev, "?outcome=trapped", 1).await;
    assert_eq!(trapped.len(), 1);
    let mine = log_items(&app, &owner, &format!("?installation_id={id}&limit=2"), 2).await;
    assert_eq!(mine.len(), 2);
    let page = app
        .get(
            &format!(
                "/api/v1/plugin-invocations?limit=2&before={}",
                items[1]["id"].as_str().unwrap()
            ),
            &owner,
        )
        .await
        .body;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["next"], Value::Null);
    let r = app
        .get("/api/v1/plugin-invocations?outcome=exploded", &owner)
        .await;
    assert_eq!(
        (r.status, r.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("outcome"))
    );
    let detail = app
        .get(&format!("/api/v1/plugin-invocations/{returned_id}"), &dev)
        .await;
    assert_eq!(detail.status, StatusCode::OK);
    assert_eq!(
        detail.body["invocation"]["input"]["context"]["caller"],
        "+8613800138000"
    );
    assert_eq!(detail.body["invocation"]["content_hash"], sha.as_str());
    let r = app
        .call(
            Method::POST,
            &format!("/api/v1/plugin-invocations/{returned_id}/replay"),
            Some(&dev),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["identical"], true, "{:?}", r.body);

    // Another tenant sees none of it; agents may not read the log.
    assert!(
        app.get("/api/v1/plugin-invocations", &other).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    for path in [format!("/api/v1/plugin-invocations/{returned_id}")] {
        assert_eq!(app.get(&path, &other).await.status, StatusCode::NOT_FOUND);
    }
    let r = app
        .call(
            Method::POST,
            &format!("/api/v1/plugin-invocations/{returned_id}/replay"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .call(
            Method::POST,
            &test,
            Some(&other),
            Some(call_started(&other_tenant, &[])),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/api/v1/plugin-invocations", &agent).await.status,
        StatusCode::FORBIDDEN
    );

    // Secrets: removed with null; the removal is audited without the value.
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/plugin-installations/{id}"),
            Some(&owner),
            Some(json!({"secrets": {"api_key": null}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["secret_keys"], json!([]));
    let r = app
        .call(
            Method::POST,
            &test,
            Some(&owner),
            Some(call_started(
                &tenant,
                &[("behaviour", "secret"), ("key", "api_key")],
            )),
        )
        .await;
    assert!(
        r.body["invocation"]["outcome"]
            .to_string()
            .contains("<none>"),
        "{:?}",
        r.body
    );
    let audit = app
        .get("/api/v1/audit?limit=200", &owner)
        .await
        .body
        .to_string();
    assert!(!audit.contains("s3cr3t-value"));
});

on_both_databases!(tenant_limits_apply_to_every_run, |db| async move {
    let app = TestApp::new(db).await;
    let wasm = component("misbehave");
    let (owner, session) = app.signup("Plugin Maker", "owner@maker.test").await;
    let tenant = session["tenant"]["id"].as_str().unwrap().to_owned();
    let (agent, _) = app.add_user(&owner, "agent@maker.test", "agent").await;
    let r = app
        .call(
            Method::POST,
            "/api/v1/plugin-versions",
            Some(&owner),
            Some(publish_body(&wasm)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let r = app
        .call(
            Method::POST,
            "/api/v1/plugin-installations",
            Some(&owner),
            Some(json!({"publisher": tenant, "name": "misbehave", "version": "1.0.0"})),
        )
        .await;
    let test = format!(
        "/api/v1/plugin-installations/{}/test",
        r.body["id"].as_str().unwrap()
    );
    let oversized =
        |bytes: &str| call_started(&tenant, &[("behaviour", "oversized"), ("bytes", bytes)]);

    // Defaults: 64 KiB of output is fine at 20 KB.
    let r = app
        .call(Method::POST, &test, Some(&owner), Some(oversized("20000")))
        .await;
    assert_eq!(r.body["invocation"]["outcome"]["kind"], "returned");

    let view = app.get("/api/v1/plugin-limits", &owner).await;
    assert_eq!(view.body["limits"], view.body["defaults"]);
    let r = app
        .call(
            Method::PUT,
            "/api/v1/plugin-limits",
            Some(&owner),
            Some(json!({"cpu_ms": 5000, "memory_mib": 16, "wall_ms": 1000, "max_output_kib": 8})),
        )
        .await;
    assert_eq!(
        (r.status, r.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("cpu_ms")),
        "{:?}",
        r.body
    );
    let r = app
        .call(
            Method::PUT,
            "/api/v1/plugin-limits",
            Some(&agent),
            Some(json!({"cpu_ms": 20, "memory_mib": 16, "wall_ms": 1000, "max_output_kib": 8})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .call(
            Method::PUT,
            "/api/v1/plugin-limits",
            Some(&owner),
            // A generous CPU budget: the memory cap, not a starved core, must stop the bomb.
            Some(json!({"cpu_ms": 500, "memory_mib": 16, "wall_ms": 2000, "max_output_kib": 8})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        app.get("/api/v1/plugin-limits", &owner).await.body["limits"]["max_output_kib"],
        8
    );

    // Now 20 KB of output is refused and a 16 MiB memory cap stops the memory bomb.
    let r = app
        .call(Method::POST, &test, Some(&owner), Some(oversized("20000")))
        .await;
    assert_eq!(
        r.body["invocation"]["outcome"]["detail"]["kind"], "output_too_large",
        "{:?}",
        r.body
    );
    let r = app
        .call(
            Method::POST,
            &test,
            Some(&owner),
            Some(call_started(&tenant, &[("behaviour", "memory")])),
        )
        .await;
    assert_eq!(
        r.body["invocation"]["outcome"],
        json!({"kind": "trapped", "detail": {"kind": "memory_limit"}})
    );
    assert!(
        app.audit_actions(&owner)
            .await
            .iter()
            .any(|a| a == "plugin.limits_changed")
    );
});
