//! Publishing and installing plugins through the API, with the real `ivr-menu` component
//! (built by `plugins/build.sh`) and bad uploads that must be refused naming the problem.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{TestApp, component};
use serde_json::{Value, json};

/// What `ivr-menu` imports: config, and log + http for member PINs checked over HTTP.
fn ivr_menu_capabilities() -> Value {
    json!({"config": true, "log": true, "http": {"allowed_hosts": ["pins.example.com"]}})
}

fn publish_body(
    version: &str,
    world: &str,
    capabilities: Value,
    wasm: &[u8],
    public: bool,
) -> Value {
    json!({
        "manifest": {"name": "ivr-menu", "version": version, "world": world, "capabilities": capabilities},
        "component": STANDARD.encode(wasm),
        "public": public,
    })
}

on_both_databases!(publish_install_upgrade_rollback, |db| async move {
    let app = TestApp::new(db).await;
    let ivr = component("ivr_menu");
    let (owner, session) = app.signup("Plugin Maker", "owner@maker.test").await;
    let publisher = session["tenant"]["id"].as_str().unwrap().to_owned();
    let (dev, _) = app.add_user(&owner, "dev@maker.test", "developer").await;
    let (agent, _) = app.add_user(&owner, "agent@maker.test", "agent").await;
    let post = |token: String, body: Value| {
        let app = &app;
        async move {
            app.call(
                Method::POST,
                "/api/v1/plugin-versions",
                Some(&token),
                Some(body),
            )
            .await
        }
    };

    let r = post(
        dev.clone(),
        publish_body("1.0.0", "ivr", ivr_menu_capabilities(), &ivr, false),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(r.body["size"], ivr.len());

    // Bad uploads: each refused, naming the problem; nothing published.
    let cases = [
        (
            publish_body("1.0.0", "ivr", ivr_menu_capabilities(), &ivr, false),
            StatusCode::CONFLICT,
            "manifest.version",
        ),
        (
            publish_body("2.0.0", "ivr", json!({}), &ivr, false),
            StatusCode::BAD_REQUEST,
            "manifest.capabilities",
        ),
        (
            publish_body("2.0.0", "crm", ivr_menu_capabilities(), &ivr, false),
            StatusCode::BAD_REQUEST,
            "manifest.world",
        ),
        (
            publish_body(
                "2.0.0",
                "ivr",
                ivr_menu_capabilities(),
                b"\0asm\x01\0\0\0",
                false,
            ),
            StatusCode::BAD_REQUEST,
            "component",
        ),
        (
            publish_body(
                "2.0.0",
                "ivr",
                ivr_menu_capabilities(),
                b"MZ not wasm at all",
                false,
            ),
            StatusCode::BAD_REQUEST,
            "component",
        ),
        (
            publish_body("two", "ivr", ivr_menu_capabilities(), &ivr, false),
            StatusCode::UNPROCESSABLE_ENTITY,
            "manifest.version",
        ),
        (
            publish_body("2.0.0", "sip", ivr_menu_capabilities(), &ivr, false),
            StatusCode::UNPROCESSABLE_ENTITY,
            "manifest.world",
        ),
        (
            json!({"manifest": {"name": "Bad Name!", "version": "2.0.0", "world": "ivr"}, "component": STANDARD.encode(&ivr)}),
            StatusCode::BAD_REQUEST,
            "manifest",
        ),
        (
            json!({"manifest": {"name": "ivr-menu", "version": "2.0.0", "world": "ivr"}, "component": "!!not base64!!"}),
            StatusCode::BAD_REQUEST,
            "component",
        ),
    ];
    for (body, status, field) in cases {
        let r = post(dev.clone(), body).await;
        assert_eq!((r.status, r.field()), (status, Some(field)), "{:?}", r.body);
    }
    let r = post(
        agent.clone(),
        publish_body("3.0.0", "ivr", ivr_menu_capabilities(), &ivr, false),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let versions = app.get("/api/v1/plugin-versions", &dev).await.body;
    assert_eq!(
        versions["items"].as_array().unwrap().len(),
        1,
        "only 1.0.0 was published"
    );

    // A private version is invisible to another company; a public one is listed for all.
    let (other, _) = app.signup("Other Co", "owner@other.test").await;
    assert!(
        app.get("/api/v1/plugin-versions", &other).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let install = |token: String, version: &str| {
        let (app, publisher, version) = (&app, publisher.clone(), version.to_owned());
        async move {
            app.call(Method::POST, "/api/v1/plugin-installations", Some(&token),
                Some(json!({"publisher": publisher, "name": "ivr-menu", "version": version, "config": {"menu": "{}"}})))
                .await
        }
    };
    assert_eq!(
        install(other.clone(), "1.0.0").await.status,
        StatusCode::NOT_FOUND
    );
    let r = post(
        dev.clone(),
        publish_body("1.1.0", "ivr", ivr_menu_capabilities(), &ivr, true),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let seen = app.get("/api/v1/plugin-versions", &other).await.body;
    assert_eq!(seen["items"].as_array().unwrap().len(), 1);
    assert_eq!(seen["items"][0]["version"], "1.1.0");
    assert_eq!(
        install(other.clone(), "1.1.0").await.status,
        StatusCode::CREATED
    );

    // The publisher installs 1.0.0, upgrades to 1.1.0 and rolls back.
    let r = install(owner.clone(), "1.0.0").await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let path = format!(
        "/api/v1/plugin-installations/{}",
        r.body["id"].as_str().unwrap()
    );
    let r = app
        .call(
            Method::PATCH,
            &path,
            Some(&owner),
            Some(json!({"version": "1.1.0"})),
        )
        .await;
    assert_eq!(
        (
            r.body["version"].as_str(),
            r.body["previous_version"].as_str()
        ),
        (Some("1.1.0"), Some("1.0.0"))
    );
    let r = app
        .call(
            Method::PATCH,
            &path,
            Some(&owner),
            Some(json!({"version": "1.0.0"})),
        )
        .await;
    assert_eq!(
        (
            r.body["version"].as_str(),
            r.body["previous_version"].as_str()
        ),
        (Some("1.0.0"), Some("1.1.0"))
    );
    let r = app
        .call(
            Method::PATCH,
            &path,
            Some(&owner),
            Some(json!({"version": "9.9.9"})),
        )
        .await;
    assert_eq!(
        (r.status, r.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("version"))
    );
    let r = app
        .call(
            Method::PATCH,
            &path,
            Some(&owner),
            Some(json!({"config": [1, 2]})),
        )
        .await;
    assert_eq!(
        (r.status, r.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("config"))
    );
    assert_eq!(
        app.call(
            Method::PATCH,
            &path,
            Some(&agent),
            Some(json!({"version": "1.1.0"}))
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(Method::DELETE, &path, Some(&other), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call(Method::DELETE, &path, Some(&owner), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.call(Method::DELETE, &path, Some(&owner), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let actions = app.audit_actions(&owner).await;
    for a in [
        "plugin.published",
        "plugin.installed",
        "plugin.installation_changed",
        "plugin.uninstalled",
    ] {
        assert!(
            actions.iter().any(|x| x == a),
            "{a} missing from {actions:?}"
        );
    }
    // The component is in the object store under the publisher's area.
    let stored = app
        .state
        .objects
        .list(&format!("tenants/{publisher}/plugins/ivr-menu/"), 10)
        .await
        .unwrap();
    assert_eq!(
        stored.len(),
        1,
        "both versions share one content-addressed blob: {stored:?}"
    );
});

#[tokio::test]
async fn oversized_uploads_are_refused() {
    let app = TestApp::new(common::Db::Sqlite).await;
    let (owner, _) = app.signup("Plugin Maker", "owner@maker.test").await;
    let big = vec![0u8; 11 * 1024 * 1024];
    let r = app
        .call(
            Method::POST,
            "/api/v1/plugin-versions",
            Some(&owner),
            Some(publish_body("1.0.0", "ivr", json!({}), &big, false)),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{:?}", r.body);
}
