//! The first-party `crm-http` plugin through the real host, against a real local HTTP CRM:
//! the card from the CRM's answer, unknown callers, CRM failures that never fail the
//! look-up, and the post-call note.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use common::*;
use kefu_plugin_host::crm::{CallOutcome, CallSummary, CrmAction};
use kefu_plugin_host::*;

const KNOWN: &str = "+8613800138000";
const TOKEN: &str = "crm-s3cret";

/// Requests the CRM received: (path and query, authorization header, body).
type Seen = Arc<Mutex<Vec<(String, Option<String>, serde_json::Value)>>>;

/// A small CRM: `GET /contacts?phone=` searches, `POST /calls` stores a note.
async fn crm() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let (on_search, on_note) = (seen.clone(), seen.clone());
    let router = axum::Router::new()
        .route(
            "/contacts",
            get(
                move |headers: HeaderMap, Query(q): Query<HashMap<String, String>>| {
                    let seen = on_search.clone();
                    async move {
                        let auth = authorization(&headers);
                        let phone = q.get("phone").cloned().unwrap_or_default();
                        seen.lock().unwrap().push((
                            format!("/contacts?phone={phone}"),
                            auth.clone(),
                            serde_json::Value::Null,
                        ));
                        search(auth.as_deref(), &phone).await
                    }
                },
            ),
        )
        .route(
            "/calls",
            post(
                move |headers: HeaderMap, Json(body): Json<serde_json::Value>| {
                    let seen = on_note.clone();
                    async move {
                        seen.lock()
                            .unwrap()
                            .push(("/calls".into(), authorization(&headers), body));
                        Json(serde_json::json!({"id": "T-1001"}))
                    }
                },
            ),
        )
        .route("/broken", post(|| async { StatusCode::BAD_GATEWAY }));
    (serve(router).await, seen)
}

fn authorization(headers: &HeaderMap) -> Option<String> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn search(auth: Option<&str>, phone: &str) -> Response {
    if auth != Some(&format!("Bearer {TOKEN}")) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match phone {
        KNOWN => Json(serde_json::json!({"results": [{
            "id": "C-42", "full_name": "Li Wei", "tier": "Gold", "labels": ["vip", "open-ticket"],
            "tickets": [{"subject": "Router broken"}, {"subject": "Refund for May"}],
            "web_url": "https://crm.example.com/c/C-42",
        }]}))
        .into_response(),
        "+8613900000001" => StatusCode::NOT_FOUND.into_response(),
        "+8613900000002" => Json(serde_json::json!({"results": []})).into_response(),
        "+8613900000003" => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        "+8613900000004" => "<html>maintenance</html>".into_response(),
        "+8613900000005" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            StatusCode::OK.into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

fn setting(address: &str, note_path: Option<&str>) -> serde_json::Value {
    let mut crm = serde_json::json!({
        "lookup": {"url": format!("http://{address}/contacts?phone={{caller}}"), "timeout_ms": 500},
        "auth": {"header": "Authorization", "secret": "crm_token", "prefix": "Bearer "},
        "card": {
            "record": "/results/0", "name": "/full_name",
            "fields": [{"label": "Tier", "value": "/tier"}],
            "tags": "/labels",
            "history": {"items": "/tickets", "text": "/subject", "label": "Ticket", "max": 3},
            "links": [{"label": "CRM", "value": "/web_url"}],
        },
    });
    if let Some(path) = note_path {
        crm["call_note"] =
            serde_json::json!({"url": format!("http://{address}{path}"), "ticket_id": "/id"});
    }
    crm
}

struct Crm {
    host: PluginHost,
    plugin: Arc<Plugin>,
    installation: Arc<Installation>,
}

impl Crm {
    fn new(address: &str, crm: serde_json::Value, secret: Option<&str>) -> Self {
        let (host, _) = host();
        let caps =
            serde_json::json!({"config": true, "log": true, "http": {"allowed_hosts": [address]}});
        let plugin = host
            .load(manifest_of("crm-http", "crm", caps), &guest("crm_http"))
            .expect("crm-http loads");
        let mut installation = Installation::new(kefu_core::TenantId::new());
        installation.config.insert("crm".into(), crm);
        if let Some(secret) = secret {
            installation
                .secrets
                .insert("crm_token".into(), secret.into());
        }
        Crm {
            host,
            plugin,
            installation: Arc::new(installation),
        }
    }

    async fn lookup(&self, caller: &str) -> CrmLookupCall {
        let context = context(&self.installation.tenant.to_string(), &[]);
        self.host
            .crm_lookup(&self.plugin, &self.installation, caller, &context)
            .await
    }

    async fn ended(&self) -> CrmEndedCall {
        let summary = CallSummary {
            call_id: "call_01".into(),
            tenant_id: self.installation.tenant.to_string(),
            caller: KNOWN.into(),
            dialled: "+862150000000".into(),
            queue: Some("sales".into()),
            agent_id: Some("agt_7".into()),
            started_at_ms: 1_795_000_000_000,
            wait_secs: 42,
            talk_secs: 310,
            outcome: CallOutcome::Answered,
            wrap_up_code: Some("resolved".into()),
            data: vec![("member".into(), "true".into())],
            required_skills: Vec::new(),
        };
        self.host
            .crm_on_call_ended(&self.plugin, &self.installation, &summary)
            .await
    }
}

#[tokio::test]
async fn a_known_caller_gets_the_card_mapped_from_the_crm_answer() {
    let (address, seen) = crm().await;
    let crm = Crm::new(&address, setting(&address, None), Some(TOKEN));
    let found = crm.lookup(KNOWN).await;
    let card = found
        .output
        .unwrap()
        .unwrap()
        .unwrap_or_else(|| panic!("no card: {:?}", found.invocation));
    assert_eq!(card.customer_id.as_deref(), Some("C-42"));
    assert_eq!(card.display_name, "Li Wei");
    assert_eq!(card.tags, vec!["vip".to_owned(), "open-ticket".to_owned()]);
    assert_eq!(card.url.as_deref(), Some("https://crm.example.com/c/C-42"));
    let fields: Vec<(&str, &str)> = card
        .fields
        .iter()
        .map(|f| (f.label.as_str(), f.value.as_str()))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("Tier", "Gold"),
            ("Ticket", "Router broken"),
            ("Ticket", "Refund for May")
        ]
    );
    // The caller reached the CRM encoded, with the secret in the header only.
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].0, format!("/contacts?phone={KNOWN}"));
    assert_eq!(seen[0].1.as_deref(), Some("Bearer crm-s3cret"));
    let record = serde_json::to_string(&found.invocation).unwrap();
    assert!(
        !record.contains(TOKEN),
        "the secret leaked into the invocation record"
    );
}

#[tokio::test]
async fn unknown_and_anonymous_callers_have_no_card() {
    let (address, seen) = crm().await;
    let crm = Crm::new(&address, setting(&address, None), Some(TOKEN));
    for caller in ["+8613900000001", "+8613900000002", "anonymous"] {
        let call = crm.lookup(caller).await;
        assert_eq!(call.output, Some(Ok(None)), "{caller}");
        assert!(
            call.invocation.logs.is_empty(),
            "{caller}: {:?}",
            call.invocation.logs
        );
    }
    assert_eq!(seen.lock().unwrap().len(), 2, "anonymous makes no request");
}

#[tokio::test]
async fn crm_failures_are_logged_and_the_caller_is_treated_as_unknown() {
    let (address, _) = crm().await;
    let crm = Crm::new(&address, setting(&address, None), Some(TOKEN));
    let wrong_secret = Crm::new(&address, setting(&address, None), Some("stale"));
    let refused = closed_port().await;
    let down = Crm::new(&refused, setting(&refused, None), Some(TOKEN));
    let cases = [
        (crm.lookup("+8613900000003").await, "500"),
        (crm.lookup("+8613900000004").await, "not JSON"),
        (crm.lookup("+8613900000005").await, "Timeout"),
        (wrong_secret.lookup(KNOWN).await, "401"),
        (down.lookup(KNOWN).await, "Transport"),
    ];
    for (call, expected) in cases {
        assert_eq!(
            call.output,
            Some(Ok(None)),
            "{expected}: {:?}",
            call.invocation.outcome
        );
        let warnings = logs_at(&call.invocation, "warn");
        assert_eq!(warnings.len(), 1, "{expected}: {warnings:?}");
        assert!(warnings[0].contains(expected), "{expected}: {warnings:?}");
        assert!(!warnings[0].contains(TOKEN));
    }
}

#[tokio::test]
async fn bad_settings_and_a_missing_secret_are_config_errors() {
    let (address, _) = crm().await;
    let no_secret = Crm::new(&address, setting(&address, None), None);
    let call = no_secret.lookup(KNOWN).await;
    match call.output {
        Some(Err(e)) => {
            assert_eq!(e.kind, ErrorKind::InvalidConfig);
            assert!(e.message.contains("crm_token"), "{}", e.message);
        }
        other => panic!("expected invalid-config, got {other:?}"),
    }
    let mut bad = setting(&address, None);
    bad["lookup"]["url"] = serde_json::json!("http://crm.example.com/{phone}");
    let call = Crm::new(&address, bad, Some(TOKEN)).lookup(KNOWN).await;
    match call.output {
        Some(Err(e)) => assert!(e.message.contains("crm.lookup.url"), "{}", e.message),
        other => panic!("expected invalid-config, got {other:?}"),
    }
}

#[tokio::test]
async fn the_call_note_is_posted_and_its_ticket_noted() {
    let (address, seen) = crm().await;
    let crm = Crm::new(&address, setting(&address, Some("/calls")), Some(TOKEN));
    let ended = crm.ended().await;
    assert_eq!(
        ended.output,
        Some(Ok(vec![CrmAction::AddNote("CRM ticket T-1001".into())]))
    );
    let (path, auth, note) = seen.lock().unwrap()[0].clone();
    assert_eq!(path, "/calls");
    assert_eq!(auth.as_deref(), Some("Bearer crm-s3cret"));
    assert_eq!(note["call_id"], "call_01");
    assert_eq!(note["outcome"], "answered");
    assert_eq!(note["talk_secs"], 310);
    assert_eq!(note["wrap_up_code"], "resolved");
    assert_eq!(note["data"]["member"], "true");
    assert_eq!(seen.lock().unwrap().len(), 1);

    // No note endpoint: nothing to do. A failing one: a warning and an upstream error.
    let silent = Crm::new(&address, setting(&address, None), Some(TOKEN));
    assert_eq!(silent.ended().await.output, Some(Ok(vec![])));
    let broken = Crm::new(&address, setting(&address, Some("/broken")), Some(TOKEN));
    let failed = broken.ended().await;
    match &failed.output {
        Some(Err(e)) => assert_eq!(e.kind, ErrorKind::Upstream),
        other => panic!("expected an upstream error, got {other:?}"),
    }
    assert!(logs_at(&failed.invocation, "warn")[0].contains("502"));
}
