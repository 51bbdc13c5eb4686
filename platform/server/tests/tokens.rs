//! Access tokens are validated strictly: every kind of bad token gets 401 and nothing else.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use aws_lc_rs::signature::Ed25519KeyPair;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::TestApp;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use kefu_server::auth::Claims;

fn claims_of(app: &TestApp, token: &str) -> Claims {
    app.state.auth.keys().verify(token).expect("a valid token")
}

fn b64(v: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

async fn status_with(app: &TestApp, auth_header: &str) -> StatusCode {
    let req = Request::get("/api/v1/me")
        .header(header::AUTHORIZATION, auth_header)
        .body(Body::empty())
        .unwrap();
    app.raw(req).await.status
}

#[tokio::test]
async fn every_kind_of_bad_token_is_refused() {
    let app = TestApp::new(common::Db::Sqlite).await;
    let (good, _) = app.signup("Acme", "ann@acme.test").await;
    assert_eq!(
        status_with(&app, &format!("Bearer {good}")).await,
        StatusCode::OK
    );
    let base = claims_of(&app, &good);
    let keys = app.state.auth.keys();
    let now = chrono::Utc::now().timestamp();

    let mut bad: Vec<(&str, String)> = Vec::new();
    let sign = |c: &Claims| keys.sign(c).unwrap();
    bad.push((
        "expired",
        sign(&Claims {
            exp: now - 120,
            ..base.clone()
        }),
    ));
    bad.push((
        "not yet valid",
        sign(&Claims {
            nbf: now + 3600,
            ..base.clone()
        }),
    ));
    bad.push((
        "wrong audience",
        sign(&Claims {
            aud: "someone-else".into(),
            ..base.clone()
        }),
    ));
    bad.push((
        "wrong issuer",
        sign(&Claims {
            iss: "evil".into(),
            ..base.clone()
        }),
    ));

    // alg: none, with and without a kid.
    let kid = keys.current_kid().unwrap();
    let payload = b64(&serde_json::to_value(&base).unwrap());
    for header in [
        serde_json::json!({"alg": "none", "typ": "JWT"}),
        serde_json::json!({"alg": "none", "typ": "JWT", "kid": kid}),
    ] {
        bad.push(("alg none", format!("{}.{payload}.", b64(&header))));
    }

    // A valid signature over different claims: escalate to owner of another tenant.
    let parts: Vec<&str> = good.split('.').collect();
    let mut forged_claims = serde_json::to_value(&base).unwrap();
    forged_claims["tid"] = serde_json::json!(kefu_core::TenantId::new().to_string());
    bad.push((
        "tampered payload",
        format!("{}.{}.{}", parts[0], b64(&forged_claims), parts[2]),
    ));

    // Signed by a key that is not ours, claiming our kid.
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let other = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    let mut h = Header::new(Algorithm::EdDSA);
    h.kid = Some(kid.clone());
    let foreign =
        jsonwebtoken::encode(&h, &base, &EncodingKey::from_ed_der(other.as_ref())).unwrap();
    bad.push(("wrong key", foreign));
    let mut h = Header::new(Algorithm::EdDSA);
    h.kid = Some("unknown-kid".into());
    bad.push((
        "unknown kid",
        jsonwebtoken::encode(&h, &base, &EncodingKey::from_ed_der(other.as_ref())).unwrap(),
    ));

    // Algorithm confusion: HS256 keyed with our public key.
    let jwks = keys.jwks();
    let public = URL_SAFE_NO_PAD.decode(&jwks.keys[0].x).unwrap();
    let mut h = Header::new(Algorithm::HS256);
    h.kid = Some(kid);
    bad.push((
        "HS256 with the public key",
        jsonwebtoken::encode(&h, &base, &EncodingKey::from_secret(&public)).unwrap(),
    ));

    bad.push(("garbage", "not.a.jwt".into()));
    bad.push(("huge", "a".repeat(100_000)));

    for (what, token) in &bad {
        assert_eq!(
            status_with(&app, &format!("Bearer {token}")).await,
            StatusCode::UNAUTHORIZED,
            "{what} was accepted"
        );
    }
    for header in [
        "",
        "Bearer",
        "Bearer ",
        "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
        &good,
    ] {
        assert_eq!(
            status_with(&app, header).await,
            StatusCode::UNAUTHORIZED,
            "{header:?}"
        );
    }
    let no_header = app
        .raw(Request::get("/api/v1/me").body(Body::empty()).unwrap())
        .await;
    assert_eq!(no_header.status, StatusCode::UNAUTHORIZED);
    assert_eq!(no_header.headers["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn rotated_keys_keep_old_tokens_valid_and_sign_new_ones() {
    let app = TestApp::new(common::Db::Sqlite).await;
    let (old, _) = app.signup("Acme", "ann@acme.test").await;
    let old_kid = app.state.auth.keys().current_kid().unwrap();
    let new_kid = app
        .state
        .auth
        .keys()
        .rotate(&app.state.store)
        .await
        .unwrap();
    assert_ne!(old_kid, new_kid);
    assert_eq!(app.state.auth.keys().current_kid().unwrap(), new_kid);
    assert_eq!(
        app.get("/api/v1/me", &old).await.status,
        StatusCode::OK,
        "old key still verifies"
    );
    let (fresh, _) = app.signup("Globex", "bo@globex.test").await;
    let header = jsonwebtoken::decode_header(&fresh).unwrap();
    assert_eq!(header.kid.as_deref(), Some(new_kid.as_str()));
    assert_eq!(header.alg, Algorithm::EdDSA);
    let jwks = app.get("/.well-known/jwks.json", &fresh).await;
    let kids: Vec<&str> = jwks.body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert!(kids.contains(&old_kid.as_str()) && kids.contains(&new_kid.as_str()));
}
