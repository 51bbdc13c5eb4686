//! Bad request bodies get problem+json naming what was wrong, and nothing is written.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::TestApp;
use serde_json::json;

#[tokio::test]
async fn malformed_wrong_typed_unknown_and_oversized_bodies() {
    let app = TestApp::new(common::Db::Sqlite).await;
    let (admin, _) = app.signup("Acme", "admin@acme.test").await;
    let users_before = app.get("/api/v1/users", &admin).await.body;
    let audit_before = app.get("/api/v1/audit", &admin).await.body;

    let send = |ct: &'static str, body: Vec<u8>| {
        Request::builder()
            .method(Method::POST)
            .uri("/api/v1/users")
            .header(header::AUTHORIZATION, format!("Bearer {admin}"))
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap()
    };
    let cases: Vec<(&str, Request<Body>, StatusCode, &str)> = vec![
        (
            "malformed",
            send("application/json", b"{\"email\": ".to_vec()),
            StatusCode::BAD_REQUEST,
            "body",
        ),
        (
            "not an object",
            send("application/json", b"[1,2,3]".to_vec()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
        ),
        (
            "wrong type",
            send(
                "application/json",
                json!({"email": 5, "name": "A", "role": "agent"})
                    .to_string()
                    .into_bytes(),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "email",
        ),
        (
            "unknown role",
            send(
                "application/json",
                json!({"email": "a@b.test", "name": "A", "role": "root"})
                    .to_string()
                    .into_bytes(),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "role",
        ),
        (
            "unknown field",
            send(
                "application/json",
                json!({"email": "a@b.test", "name": "A", "role": "agent", "admin": true})
                    .to_string()
                    .into_bytes(),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "admin",
        ),
        (
            "missing field",
            send(
                "application/json",
                json!({"email": "a@b.test", "role": "agent"})
                    .to_string()
                    .into_bytes(),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            "oversized",
            send(
                "application/json",
                format!("{{\"email\": \"{}\"}}", "a".repeat(200_000)).into_bytes(),
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
            "body",
        ),
        (
            "wrong content type",
            send("text/plain", b"hello".to_vec()),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content-type",
        ),
        (
            "not utf-8",
            send("application/json", vec![0xff, 0xfe, b'{']),
            StatusCode::BAD_REQUEST,
            "body",
        ),
        (
            "control chars in name",
            send(
                "application/json",
                json!({"email": "a@b.test", "name": "A\u{7}", "role": "agent"})
                    .to_string()
                    .into_bytes(),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
    ];
    for (what, req, status, field) in cases {
        let r = app.raw(req).await;
        assert_eq!(r.status, status, "{what}: {:?}", r.body);
        assert_eq!(
            r.headers[header::CONTENT_TYPE],
            "application/problem+json",
            "{what}"
        );
        assert_eq!(r.field(), Some(field), "{what}: {:?}", r.body);
        assert!(
            r.body["type"]
                .as_str()
                .unwrap()
                .starts_with("https://kefu.dev/problems/")
        );
        assert!(!r.body["detail"].as_str().unwrap().is_empty());
    }
    assert_eq!(
        app.get("/api/v1/users", &admin).await.body,
        users_before,
        "nothing written"
    );
    assert_eq!(
        app.get("/api/v1/audit", &admin).await.body,
        audit_before,
        "nothing audited"
    );

    // Bad ids and query parameters.
    let r = app
        .call(
            Method::PATCH,
            "/api/v1/users/usr_garbage",
            Some(&admin),
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app.get("/api/v1/audit?limit=abc", &admin).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .get("/api/v1/audit?before=%27%20OR%201%3D1", &admin)
        .await;
    assert_eq!(r.field(), Some("before"));
    // Unknown API routes answer problem+json, not the web app.
    let r = app.get("/api/v1/nope", &admin).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/problem+json");
}

#[tokio::test]
async fn floods_of_logins_get_429_with_retry_after() {
    let app = TestApp::with_config(common::Db::Sqlite, |c| {
        c.auth_rate_per_ip_per_min = 1000;
        c.auth_rate_per_account_per_min = 3;
    })
    .await;
    app.signup("Acme", "ann@acme.test").await;
    let login = |pw: &'static str| {
        let app = &app;
        async move {
            app.login(json!({"email": "ann@acme.test", "password": pw}))
                .await
        }
    };
    // The sign-up took one of the account's 3 attempts per minute; two wrong guesses take the rest.
    for _ in 0..2 {
        assert_eq!(
            login("wrong password guess").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let r = login("correct horse battery staple").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    // Another account from the same address is not locked out by this one's flood.
    app.signup("Globex", "bo@globex.test").await;
    let r = app
        .login(json!({"email": "bo@globex.test", "password": "correct horse battery staple"}))
        .await;
    assert_eq!(r.status, StatusCode::OK);

    let per_ip = TestApp::with_config(common::Db::Sqlite, |c| c.auth_rate_per_ip_per_min = 2).await;
    for _ in 0..2 {
        per_ip
            .login(json!({"email": "x@y.test", "password": "whatever password"}))
            .await;
    }
    let r = per_ip.call(Method::POST, "/api/v1/signup", None,
        Some(json!({"company": "C", "name": "N", "email": "n@c.test", "password": "correct horse battery"}))).await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "sign-up shares the per-address limit"
    );
}
