//! The OpenAPI document declares every answer the API gives. Walks every operation of the
//! served document with the requests an outside client gets wrong — no token, a bad token,
//! malformed JSON, another media type, an oversized body, a bad query parameter, an id that
//! does not exist — and checks that each answer's status is declared for that operation and
//! that a problem is sent as the media type the document names. (`tests/api/schemathesis.sh`
//! does the same from outside with generated requests; this one runs with the unit tests.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Method, Request, header};
use common::TestApp;
use serde_json::Value;

fn method_of(m: &str) -> Method {
    Method::from_bytes(m.to_ascii_uppercase().as_bytes()).unwrap()
}

/// The path with every `{param}` replaced by an id that does not exist.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').unwrap() + start;
        out.push_str("nope");
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn check(doc: &Value, method: &str, path: &str, what: &str, reply: &common::Reply) {
    let op = &doc["paths"][path][method];
    let status = reply.status.as_u16().to_string();
    let declared = &op["responses"][&status];
    assert!(
        declared.is_object(),
        "{method} {path} ({what}) answered {status}, which the document does not declare: {:?}",
        reply.body
    );
    // Shared responses are references; resolve one level.
    let declared = match declared.get("$ref").and_then(Value::as_str) {
        Some(r) => &doc["components"]["responses"][r.rsplit('/').next().unwrap()],
        None => declared,
    };
    let sent = reply
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .to_owned();
    if sent.is_empty() {
        return;
    }
    let types: Vec<&String> = declared["content"]
        .as_object()
        .map(|c| c.keys().collect())
        .unwrap_or_default();
    assert!(
        types.iter().any(|t| **t == sent),
        "{method} {path} ({what}) answered {status} as {sent}; the document says {types:?}"
    );
}

#[tokio::test]
async fn every_operation_declares_what_bad_requests_get() {
    let app = TestApp::with_config(common::Db::Sqlite, |c| c.max_body_bytes = 4096).await;
    let (token, _) = app.signup("Truth Co", "owner@truth.test").await;
    let doc = app.get("/api/openapi.json", &token).await.body;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let m = method_of(method);
            let uri = concrete(path);
            if op.get("security").is_some() {
                let r = app.call(m.clone(), &uri, None, None).await;
                check(&doc, method, path, "no token", &r);
                let r = app.call(m.clone(), &uri, Some("not-a-token"), None).await;
                check(&doc, method, path, "bad token", &r);
            }
            if path.ends_with("/logout") {
                // It would revoke the token the rest of the walk uses.
                continue;
            }
            let auth = format!("Bearer {token}");
            let send = |content_type: &str, body: Vec<u8>, uri: &str| {
                Request::builder()
                    .method(m.clone())
                    .uri(uri)
                    .header(header::AUTHORIZATION, &auth)
                    .header(header::CONTENT_TYPE, content_type)
                    .body(Body::from(body))
                    .unwrap()
            };
            if op.get("requestBody").is_some() {
                let r = app
                    .raw(send("application/json", b"{\"oops\":".to_vec(), &uri))
                    .await;
                check(&doc, method, path, "malformed JSON", &r);
                let r = app.raw(send("text/plain", b"hello".to_vec(), &uri)).await;
                check(&doc, method, path, "another media type", &r);
                let r = app
                    .raw(send("application/json", b"{}".to_vec(), &uri))
                    .await;
                check(&doc, method, path, "empty object", &r);
                let big = format!("{{\"x\":\"{}\"}}", "a".repeat(9 * 1024 * 1024));
                let r = app
                    .raw(send("application/json", big.into_bytes(), &uri))
                    .await;
                check(&doc, method, path, "oversized body", &r);
            } else if m == Method::GET {
                let r = app.call(m.clone(), &uri, Some(&token), None).await;
                check(&doc, method, path, "unknown id", &r);
                let has_query = op["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
                if has_query {
                    let q = format!("{uri}?limit=many&nonsense=1");
                    let r = app.call(m.clone(), &q, Some(&token), None).await;
                    check(&doc, method, path, "bad query", &r);
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 60, "walked the whole API: {checked}");
}

/// The web app's API types are generated from its copy of the document (`web/openapi.json`,
/// `npm run gen:api`); this keeps that copy equal to what the server serves, so the two cannot
/// drift. `KEFU_UPDATE_OPENAPI=1` rewrites the copy (then run `npm --prefix web run gen:api`).
#[tokio::test]
async fn the_web_apps_copy_of_the_document_is_current() {
    let app = TestApp::new(common::Db::Sqlite).await;
    let (token, _) = app.signup("Acme", "owner@acme.test").await;
    let served = app.get("/api/openapi.json", &token).await.body;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/openapi.json");
    let copy: Option<Value> = std::fs::read(&path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    if copy.as_ref() == Some(&served) {
        return;
    }
    if std::env::var_os("KEFU_UPDATE_OPENAPI").is_some() {
        let text = serde_json::to_string_pretty(&served).unwrap() + "\n";
        std::fs::write(&path, text).unwrap();
        return;
    }
    panic!(
        "{} is not the document the server serves: run \
         `KEFU_UPDATE_OPENAPI=1 cargo nextest run -p kefu-server -E 'test(the_web_apps_copy)'`, \
         then `npm --prefix web run gen:api`, and commit both",
        path.display()
    );
}

/// Every operation has its own id: generated clients name their functions by it.
#[tokio::test]
async fn every_operation_id_is_unique() {
    let app = TestApp::new(common::Db::Sqlite).await;
    let (token, _) = app.signup("Acme", "owner@acme.test").await;
    let doc = app.get("/api/openapi.json", &token).await.body;
    let mut seen = std::collections::BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path}: no id"));
            if let Some(other) = seen.insert(id.to_owned(), format!("{method} {path}")) {
                panic!("{id} names both {other} and {method} {path}");
            }
        }
    }
    assert!(seen.len() > 50, "{seen:?}");
}
