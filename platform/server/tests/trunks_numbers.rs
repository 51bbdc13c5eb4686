//! Trunks and numbers through the API (both databases): validation naming the field,
//! write-only secrets, admins only, one number per tenant across Kefu, "an installation or a
//! queue in use cannot be removed", and the SIP edge's inbound route lookup over what the API
//! created.
//!
//! Why one file of ~800 lines: its tests share one set of helpers (post, create, install a
//! plugin, build an inbound call) over the same two resources, which are configured together
//! (a number names trunks). The fallback-queue test made it pass 800; the edge-lookup tests at
//! the end go to a file of their own when the next one is added.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::IpAddr;

use axum::http::{Method, StatusCode};
use base64::Engine;
use common::TestApp;
use kefu_store::inbound_route::{InboundCall, InboundRefusal, InboundRoute};
use kefu_store::numbers::NumberEntry;
use kefu_store::sip_digest::{DIGEST_REALM, DigestAnswer};
use serde_json::{Value, json};

const PASSWORD: &str = "trunk-secret-0123";

fn component(name: &str) -> String {
    let dir = std::env::var_os("KEFU_PLUGIN_WASM_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var("HOME").unwrap())
                .join(".cache/kefu/target-wasm/plugins")
        });
    let wasm = std::fs::read(dir.join(format!("{name}.wasm"))).expect("run plugins/build.sh first");
    base64::engine::general_purpose::STANDARD.encode(wasm)
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> common::Reply {
    app.call(Method::POST, path, Some(token), Some(body)).await
}

async fn created(app: &TestApp, token: &str, path: &str, body: Value) -> String {
    let r = post(app, token, path, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{path}: {:?}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

fn queue_body(name: &str) -> Value {
    json!({
        "name": name,
        "service_level": {"percent": 80, "within": 20000},
        "ring_timeout": 15000, "after_call_work": 30000, "expected_handle_time": 180000
    })
}

/// Install an `ivr` (or another world's) plugin in the token's tenant; returns the installation.
async fn install(app: &TestApp, token: &str, tenant: &str, name: &str, world: &str) -> String {
    let wasm = if world == "ivr" {
        "ivr_menu"
    } else {
        "crm_card"
    };
    // ivr-menu imports log and http (member PINs checked over HTTP) besides config.
    let capabilities = if world == "ivr" {
        json!({"config": true, "log": true, "http": {"allowed_hosts": ["pins.example.com"]}})
    } else {
        json!({"config": true})
    };
    let r = post(app, token, "/api/v1/plugin-versions", json!({
        "manifest": {"name": name, "version": "1.0.0", "world": world, "capabilities": capabilities},
        "component": component(wasm),
    }))
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    created(
        app,
        token,
        "/api/v1/plugin-installations",
        json!({"publisher": tenant, "name": name, "version": "1.0.0"}),
    )
    .await
}

on_both_databases!(inbound_trunks_validate_and_keep_secrets, |db| async move {
    let app = TestApp::new(db).await;
    let (admin, _) = app.signup("Alpha", "admin@alpha.test").await;
    let (sup, _) = app.add_user(&admin, "sup@alpha.test", "supervisor").await;
    let (other, _) = app.signup("Other", "admin@other.test").await;
    let path = "/api/v1/inbound-trunks";
    let body = json!({"name": "Carrier A", "sources": ["203.0.113.7", "2001:db8::/48"],
        "digest_username": "alpha-carrier", "digest_password": PASSWORD});
    let r = post(&app, &admin, path, body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(
        r.body["sources"],
        json!(["203.0.113.7/32", "2001:db8::/48"])
    );
    assert_eq!(r.body["digest_username"], "alpha-carrier");
    let id = r.body["id"].as_str().unwrap().to_owned();
    let one = format!("{path}/{id}");
    for reply in [
        r.body.clone(),
        app.get(path, &admin).await.body,
        app.get(&one, &admin).await.body,
    ] {
        let text = reply.to_string();
        assert!(
            !text.contains(PASSWORD) && !text.contains("ha1"),
            "secret leaked: {text}"
        );
    }
    let audit = app
        .get("/api/v1/audit?limit=10", &admin)
        .await
        .body
        .to_string();
    assert!(audit.contains("trunk.inbound_created") && !audit.contains(PASSWORD));

    // Field errors name the field.
    for (bad, field, status) in [
        (
            json!({"name": "X", "sources": ["10.0.0.1", "not-an-ip"]}),
            "sources[1]",
            422,
        ),
        (
            json!({"name": "X", "sources": ["0.0.0.0/0"]}),
            "sources[0]",
            422,
        ),
        (json!({"name": "X"}), "sources", 422),
        (
            json!({"name": "X", "digest_password": PASSWORD}),
            "digest_username",
            422,
        ),
        (
            json!({"name": "X", "digest_username": "x-user"}),
            "digest_password",
            422,
        ),
        (
            json!({"name": "X", "digest_username": "bad user", "digest_password": PASSWORD}),
            "digest_username",
            422,
        ),
        (
            json!({"name": "X", "digest_username": "short", "digest_password": "short"}),
            "digest_password",
            422,
        ),
        (json!({"name": "", "sources": ["10.0.0.1"]}), "name", 422),
        (
            json!({"name": "carrier a", "sources": ["10.0.0.1"]}),
            "name",
            409,
        ),
        (
            json!({"name": "X", "sources": ["10.0.0.1"], "colour": "red"}),
            "colour",
            422,
        ),
    ] {
        let r = post(&app, &admin, path, bad.clone()).await;
        assert_eq!(r.status.as_u16(), status, "{bad}: {:?}", r.body);
        assert_eq!(r.field(), Some(field), "{bad}: {:?}", r.body);
        assert_eq!(r.headers["content-type"], "application/problem+json");
    }
    // A digest username is global, and the conflict does not say whose it is.
    let r = post(
        &app,
        &other,
        path,
        json!({"name": "Mine", "digest_username": "alpha-carrier", "digest_password": PASSWORD}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.field(), Some("digest_username"));
    assert!(!r.body.to_string().contains("Alpha"));

    // An edit without the password keeps it for the same username, not for a new one.
    let r = app.call(Method::PUT, &one, Some(&admin), Some(json!({"name": "Carrier A2", "sources": ["203.0.113.8"], "digest_username": "alpha-carrier"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["digest_username"], "alpha-carrier");
    let r = app
        .call(
            Method::PUT,
            &one,
            Some(&admin),
            Some(json!({"name": "Carrier A2", "digest_username": "renamed"})),
        )
        .await;
    assert_eq!(
        (r.status, r.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("digest_password"))
    );
    let r = app
        .call(
            Method::PUT,
            &one,
            Some(&admin),
            Some(json!({"name": "Carrier A2", "sources": ["203.0.113.8"], "enabled": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        (r.body["digest_username"].clone(), r.body["enabled"].clone()),
        (Value::Null, json!(false))
    );

    // Supervisors neither read nor write trunks.
    assert_eq!(app.get(path, &sup).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        post(&app, &sup, path, body).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(Method::DELETE, &one, Some(&sup), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Another tenant cannot see it; deleting makes it gone.
    assert_eq!(app.get(&one, &other).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.call(Method::DELETE, &one, Some(&admin), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get(&one, &admin).await.status, StatusCode::NOT_FOUND);
    assert!(
        app.audit_actions(&admin)
            .await
            .contains(&"trunk.inbound_deleted".to_owned())
    );
});

on_both_databases!(outbound_trunks_validate_and_keep_secrets, |db| async move {
    let app = TestApp::new(db).await;
    let (admin, _) = app.signup("Alpha", "admin@alpha.test").await;
    let (agent, _) = app.add_user(&admin, "agent@alpha.test", "agent").await;
    let path = "/api/v1/outbound-trunks";
    let body = json!({"name": "Carrier out", "proxy": "SIP.carrier.example", "transport": "tcp",
        "username": "acct-1", "password": PASSWORD, "register": true, "register_expiry": 300,
        "caller_id": "+15555550199", "max_calls": 20});
    let r = post(&app, &admin, path, body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["proxy"], "sip.carrier.example:5060");
    assert_eq!(r.body["transport"], "tcp");
    assert_eq!(r.body["has_password"], true);
    assert!(!r.body.to_string().contains(PASSWORD));
    let one = format!("{path}/{}", r.body["id"].as_str().unwrap());
    let r = app
        .call(
            Method::PUT,
            &one,
            Some(&admin),
            Some(
                json!({"name": "Carrier out", "proxy": "[2001:db8::5]:5080", "username": "acct-1"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        (
            r.body["proxy"].clone(),
            r.body["has_password"].clone(),
            r.body["register"].clone()
        ),
        (json!("[2001:db8::5]:5080"), json!(true), json!(false))
    );
    let audit = app
        .get("/api/v1/audit?limit=10", &admin)
        .await
        .body
        .to_string();
    assert!(audit.contains("trunk.outbound_updated") && !audit.contains(PASSWORD));
    for (patch, field) in [
        (json!({"proxy": "bad host:1"}), "proxy"),
        (json!({"proxy": "h.example:0"}), "proxy"),
        (json!({"transport": "tls"}), "transport"),
        (json!({"register_expiry": 30}), "register_expiry"),
        (json!({"register_expiry": 3601}), "register_expiry"),
        (json!({"caller_id": "5550199"}), "caller_id"),
        (json!({"max_calls": 0}), "max_calls"),
        (json!({"username": null, "password": "x"}), "username"),
        (json!({"username": "acct-2", "password": null}), "password"),
    ] {
        let mut bad = body.clone();
        for (k, v) in patch.as_object().unwrap() {
            bad[k] = v.clone();
        }
        let r = post(&app, &admin, path, bad).await;
        assert_eq!(
            (r.status, r.field()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{patch}: {:?}",
            r.body
        );
    }
    assert_eq!(app.get(path, &agent).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.call(Method::PUT, &one, Some(&agent), Some(body))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(Method::DELETE, &one, Some(&admin), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get(path, &admin).await.body["items"], json!([]));
});

on_both_databases!(
    a_number_belongs_to_one_tenant_and_its_entry_must_exist,
    |db| async move {
        let app = TestApp::new(db).await;
        let (admin, session) = app.signup("Alpha", "admin@alpha.test").await;
        let tenant = session["tenant"]["id"].as_str().unwrap().to_owned();
        let (sup, _) = app.add_user(&admin, "sup@alpha.test", "supervisor").await;
        let (rival, _) = app.signup("Rival", "admin@rival.test").await;
        let queue = created(&app, &admin, "/api/v1/queues", queue_body("Sales")).await;
        let ivr = install(&app, &admin, &tenant, "alpha-menu", "ivr").await;
        let crm = install(&app, &admin, &tenant, "alpha-crm", "crm").await;
        let rival_queue = created(&app, &rival, "/api/v1/queues", queue_body("Rival sales")).await;
        let path = "/api/v1/numbers";
        let r = post(&app, &admin, path, json!({"number": "+15555550100", "label": "Sales", "entry": {"kind": "queue", "queue": queue}})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        assert_eq!(r.body["entry"], json!({"kind": "queue", "queue": queue}));
        let number_path = format!("{path}/{}", r.body["id"].as_str().unwrap());

        // Another company claiming it learns only that it is taken.
        let r = post(
            &app,
            &rival,
            path,
            json!({"number": "+15555550100", "entry": {"kind": "queue", "queue": rival_queue}}),
        )
        .await;
        assert_eq!(
            (r.status, r.field()),
            (StatusCode::CONFLICT, Some("number")),
            "{:?}",
            r.body
        );
        let text = r.body.to_string();
        assert!(!text.contains("Alpha") && !text.contains(&tenant), "{text}");
        let r = post(
            &app,
            &admin,
            path,
            json!({"number": "+15555550100", "entry": {"kind": "queue", "queue": queue}}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT);

        for (bad, field) in [
            (
                json!({"number": "15555550101", "entry": {"kind": "queue", "queue": queue}}),
                "number",
            ),
            (
                json!({"number": "+1555", "entry": {"kind": "queue", "queue": queue}}),
                "number",
            ),
            (
                json!({"number": "+1555555010123456", "entry": {"kind": "queue", "queue": queue}}),
                "number",
            ),
            (
                json!({"number": "+15555550101", "entry": {"kind": "queue", "queue": rival_queue}}),
                "entry.queue",
            ),
            (
                json!({"number": "+15555550101", "entry": {"kind": "queue", "queue": "nope"}}),
                "entry.queue",
            ),
            (
                json!({"number": "+15555550101", "entry": {"kind": "ivr", "installation": crm}}),
                "entry.installation",
            ),
            (
                json!({"number": "+15555550101", "entry": {"kind": "ivr", "installation": "ins_01JZZZZZZZZZZZZZZZZZZZZZZZ"}}),
                "entry.installation",
            ),
            (
                json!({"number": "+15555550101", "entry": {"kind": "voicemail"}}),
                "entry.kind",
            ),
            (
                json!({"number": "+15555550101", "entry": {"kind": "queue", "queue": queue}, "trunks": ["trk_01JZZZZZZZZZZZZZZZZZZZZZZZ"]}),
                "trunks",
            ),
            (
                json!({"number": "+15555550101", "entry": {"kind": "queue", "queue": queue}, "trunks": ["x"]}),
                "trunks[0]",
            ),
            (
                json!({"number": "+15555550101", "label": "a\u{1}b", "entry": {"kind": "queue", "queue": queue}}),
                "label",
            ),
        ] {
            let r = post(&app, &admin, path, bad.clone()).await;
            assert_eq!(
                (r.status, r.field()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
                "{bad}: {:?}",
                r.body
            );
        }
        assert_eq!(app.get(path, &sup).await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            app.get(&number_path, &rival).await.status,
            StatusCode::NOT_FOUND
        );

        // An entry in use cannot be removed; the refusal names the numbers.
        let ivr_number = created(
            &app,
            &admin,
            path,
            json!({"number": "+861085550100", "entry": {"kind": "ivr", "installation": ivr}}),
        )
        .await;
        let r = app
            .call(
                Method::DELETE,
                &format!("/api/v1/plugin-installations/{ivr}"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
        assert!(
            r.body["detail"].as_str().unwrap().contains("+861085550100"),
            "{:?}",
            r.body
        );
        let r = app
            .call(
                Method::DELETE,
                &format!("/api/v1/queues/{queue}"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
        assert!(
            r.body["detail"].as_str().unwrap().contains("+15555550100"),
            "{:?}",
            r.body
        );
        assert!(
            app.get(&format!("/api/v1/queues/{queue}"), &admin)
                .await
                .status
                .is_success()
        );
        // Changing the entry is allowed, and frees the installation.
        let r = app.call(Method::PUT, &format!("{path}/{ivr_number}"), Some(&admin),
        Some(json!({"number": "+861085550100", "label": "Beijing", "entry": {"kind": "queue", "queue": queue}}))).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        assert_eq!(
            app.call(
                Method::DELETE,
                &format!("/api/v1/plugin-installations/{ivr}"),
                Some(&admin),
                None
            )
            .await
            .status,
            StatusCode::NO_CONTENT
        );
        for id in [number_path.clone(), format!("{path}/{ivr_number}")] {
            assert_eq!(
                app.call(Method::DELETE, &id, Some(&admin), None)
                    .await
                    .status,
                StatusCode::NO_CONTENT
            );
        }
        assert_eq!(
            app.call(
                Method::DELETE,
                &format!("/api/v1/queues/{queue}"),
                Some(&admin),
                None
            )
            .await
            .status,
            StatusCode::NO_CONTENT
        );
        let actions = app.audit_actions(&admin).await;
        for a in ["number.created", "number.updated", "number.deleted"] {
            assert!(actions.contains(&a.to_owned()), "{a} audited");
        }
        // Released, the number can be claimed by the rival.
        let r = post(
            &app,
            &rival,
            path,
            json!({"number": "+15555550100", "entry": {"kind": "queue", "queue": rival_queue}}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    }
);

on_both_databases!(
    an_ivr_number_falls_back_to_a_queue_of_its_own_company,
    |db| async move {
        let app = TestApp::new(db).await;
        let (admin, session) = app.signup("Alpha", "admin@alpha.test").await;
        let tenant = session["tenant"]["id"].as_str().unwrap().to_owned();
        let (rival, _) = app.signup("Rival", "admin@rival.test").await;
        let queue = created(&app, &admin, "/api/v1/queues", queue_body("Operators")).await;
        let rival_queue = created(&app, &rival, "/api/v1/queues", queue_body("Theirs")).await;
        let ivr = install(&app, &admin, &tenant, "alpha-menu", "ivr").await;
        created(
            &app,
            &admin,
            "/api/v1/inbound-trunks",
            json!({"name": "Carrier", "sources": ["198.51.100.7"]}),
        )
        .await;
        let path = "/api/v1/numbers";
        let ivr_entry = json!({"kind": "ivr", "installation": ivr});
        for (bad, why) in [
            (
                json!({"number": "+15555550100", "entry": {"kind": "queue", "queue": queue}, "fallback_queue": queue}),
                "is for numbers answered by an IVR",
            ),
            (
                json!({"number": "+15555550100", "entry": ivr_entry, "fallback_queue": rival_queue}),
                "no queue",
            ),
            (
                json!({"number": "+15555550100", "entry": ivr_entry, "fallback_queue": "operators"}),
                "must be a queue id",
            ),
        ] {
            let r = post(&app, &admin, path, bad.clone()).await;
            assert_eq!(
                (r.status, r.field()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some("fallback_queue")),
                "{bad}: {:?}",
                r.body
            );
            let detail = r.body["detail"].as_str().unwrap();
            assert!(detail.contains(why), "{bad}: {detail}");
        }
        assert_eq!(app.get(path, &admin).await.body["items"], json!([]));

        let r = post(
            &app,
            &admin,
            path,
            json!({"number": "+15555550100", "entry": ivr_entry, "fallback_queue": queue}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        assert_eq!(r.body["fallback_queue"], json!(queue));
        let one = format!("{path}/{}", r.body["id"].as_str().unwrap());
        assert_eq!(
            app.get(&one, &admin).await.body["fallback_queue"],
            json!(queue)
        );
        // The SIP edge's route carries it to the call.
        let routed = route(&app, call("198.51.100.7", "+15555550100"))
            .await
            .unwrap();
        assert_eq!(
            routed.fallback_queue.map(|q| q.to_string()),
            Some(queue.clone())
        );

        // The queue cannot be deleted while the number falls back to it; the refusal says why.
        let queue_path = format!("/api/v1/queues/{queue}");
        let r = app
            .call(Method::DELETE, &queue_path, Some(&admin), None)
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
        let detail = r.body["detail"].as_str().unwrap();
        assert!(
            detail.contains("+15555550100") && detail.contains("fall back"),
            "{detail}"
        );
        // Saving the number without one clears it, and frees the queue.
        let r = app
            .call(
                Method::PUT,
                &one,
                Some(&admin),
                Some(json!({"number": "+15555550100", "entry": ivr_entry})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        assert_eq!(r.body["fallback_queue"], Value::Null);
        assert_eq!(
            app.call(Method::DELETE, &queue_path, Some(&admin), None)
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        let routed = route(&app, call("198.51.100.7", "+15555550100"))
            .await
            .unwrap();
        assert_eq!(routed.fallback_queue, None);
    }
);

fn answer<'a>(response: &'a str, uri: &'a str) -> DigestAnswer<'a> {
    DigestAnswer {
        username: "alpha-auth",
        realm: DIGEST_REALM,
        nonce: "n0nce",
        uri,
        response,
        algorithm: None,
        qop: None,
        nc: None,
        cnonce: None,
        method: "INVITE",
    }
}

fn call<'a>(source: &str, dialled: &'a str) -> InboundCall<'a> {
    InboundCall {
        source: source.parse::<IpAddr>().unwrap(),
        digest: None,
        dialled,
    }
}

async fn route(app: &TestApp, call: InboundCall<'_>) -> Result<InboundRoute, InboundRefusal> {
    app.state.store.inbound_route(&call).await
}

fn refusal(r: Result<InboundRoute, InboundRefusal>) -> (String, u16) {
    let e = r.unwrap_err();
    (format!("{e:?}"), e.sip_status())
}

on_both_databases!(the_edge_lookup_never_crosses_tenants, |db| async move {
    let app = TestApp::new(db).await;
    let (a, a_session) = app.signup("Alpha", "admin@alpha.test").await;
    let (b, _) = app.signup("Bravo", "admin@bravo.test").await;
    let a_tenant = a_session["tenant"]["id"].as_str().unwrap().to_owned();
    let a_queue = created(&app, &a, "/api/v1/queues", queue_body("A sales")).await;
    let b_queue = created(&app, &b, "/api/v1/queues", queue_body("B sales")).await;
    // Both tenants use a carrier that sends from 198.51.100.0/24 (a shared carrier).
    let a_trunk = created(
        &app,
        &a,
        "/api/v1/inbound-trunks",
        json!({"name": "Shared carrier", "sources": ["198.51.100.0/24"]}),
    )
    .await;
    created(
        &app,
        &b,
        "/api/v1/inbound-trunks",
        json!({"name": "Shared carrier", "sources": ["198.51.100.0/24"]}),
    )
    .await;
    let a_local = created(
        &app,
        &a,
        "/api/v1/inbound-trunks",
        json!({"name": "Local", "sources": ["127.0.0.1", "::1"]}),
    )
    .await;
    created(
        &app,
        &a,
        "/api/v1/inbound-trunks",
        json!({"name": "Auth", "digest_username": "alpha-auth", "digest_password": PASSWORD}),
    )
    .await;
    // The number exists at once for the lookup (the directory is invalidated on change).
    assert_eq!(
        refusal(route(&app, call("198.51.100.20", "+15555550100")).await).1,
        404
    );
    let a_did = created(
        &app,
        &a,
        "/api/v1/numbers",
        json!({"number": "+15555550100", "entry": {"kind": "queue", "queue": a_queue}}),
    )
    .await;
    created(
        &app,
        &b,
        "/api/v1/numbers",
        json!({"number": "+15555550200", "entry": {"kind": "queue", "queue": b_queue}}),
    )
    .await;
    created(&app, &a, "/api/v1/numbers", json!({"number": "+15555550300", "entry": {"kind": "queue", "queue": a_queue}, "trunks": [a_trunk]})).await;

    let ok = route(&app, call("198.51.100.20", "15555550100;npdi"))
        .await
        .unwrap();
    assert_eq!(
        (
            ok.did.to_string(),
            ok.tenant.to_string(),
            ok.trunk.to_string()
        ),
        (a_did.clone(), a_tenant.clone(), a_trunk.clone())
    );
    assert_eq!(
        ok.entry,
        NumberEntry::Queue {
            queue: a_queue.parse().unwrap()
        }
    );
    assert_eq!(ok.scope().tenant().to_string(), a_tenant);
    // The call acts as the tenant's telephony principal for the trunk, not as a user.
    assert_eq!(
        ok.scope().principal(),
        kefu_core::Principal::Telephony {
            trunk: Some(ok.trunk)
        }
    );
    assert_eq!(ok.scope().user(), None);
    let b_ok = route(&app, call("198.51.100.20", "+15555550200"))
        .await
        .unwrap();
    assert_ne!(b_ok.tenant.to_string(), a_tenant);
    // A's local trunk cannot reach B's number, nor A's number restricted to the carrier trunk.
    assert_eq!(
        refusal(route(&app, call("127.0.0.1", "+15555550200")).await),
        ("UnknownNumber".into(), 404)
    );
    assert_eq!(
        refusal(route(&app, call("::1", "+15555550300")).await),
        ("NotAllowedForTrunk".into(), 403)
    );
    assert_eq!(
        route(&app, call("::1", "+15555550100"))
            .await
            .unwrap()
            .trunk
            .to_string(),
        a_local
    );
    assert_eq!(
        refusal(route(&app, call("203.0.113.9", "+15555550100")).await),
        ("UnknownSource".into(), 403)
    );
    assert_eq!(
        refusal(route(&app, call("203.0.113.9", "garbage")).await),
        ("UnknownSource".into(), 403)
    );
    assert_eq!(
        refusal(route(&app, call("127.0.0.1", "+15555550999")).await),
        ("UnknownNumber".into(), 404)
    );

    // Digest: a correct response from anywhere reaches A's numbers; a wrong one is refused.
    let uri = "sip:+15555550100@kefu.test";
    let md5 = |s: String| {
        use md5::Digest;
        hex::encode(md5::Md5::digest(s.as_bytes()))
    };
    let ha1 = md5(format!("alpha-auth:{DIGEST_REALM}:{PASSWORD}"));
    let good = md5(format!("{ha1}:n0nce:{}", md5(format!("INVITE:{uri}"))));
    let mut c = call("203.0.113.9", "+15555550100");
    c.digest = Some(answer(&good, uri));
    let authed = route(&app, c).await.unwrap();
    assert_eq!(authed.tenant.to_string(), a_tenant);
    c.dialled = "+15555550200";
    assert_eq!(
        refusal(route(&app, c).await).1,
        404,
        "A's credentials never reach B's number"
    );
    c.digest = Some(answer("00000000000000000000000000000000", uri));
    c.dialled = "+15555550100";
    assert_eq!(
        refusal(route(&app, c).await),
        ("BadCredentials".into(), 403)
    );

    // Disabling the trunk takes effect at once.
    let r = app
        .call(
            Method::PUT,
            &format!("/api/v1/inbound-trunks/{a_local}"),
            Some(&a),
            Some(json!({"name": "Local", "sources": ["127.0.0.1", "::1"], "enabled": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        refusal(route(&app, call("127.0.0.1", "+15555550100")).await).0,
        "UnknownSource"
    );
    // A trunk that a number is restricted to cannot be deleted.
    let r = app
        .call(
            Method::DELETE,
            &format!("/api/v1/inbound-trunks/{a_trunk}"),
            Some(&a),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body["detail"].as_str().unwrap().contains("+15555550300"));
});
