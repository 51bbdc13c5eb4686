//! Tenant isolation and role checks on every route of the API.
//!
//! The route list comes from the generated OpenAPI document, and every route must have an entry
//! in `RULES`: adding a route without saying how it is isolated fails this test. For each route,
//! tenant A's admin is pointed at tenant B's objects (→ 404, or A's own data only, and B is
//! unchanged), and an agent is pointed at admin routes (→ 403). Lists are also asked with
//! their filters set to tenant B's ids (`isolation/filters.rs`), and `PUT /prompts/{name}`
//! writes a real prompt under the name of one of B's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "isolation/filters.rs"]
mod filters;

use axum::http::{Method, StatusCode};
use common::TestApp;
use serde_json::{Value, json};

/// How a route relates to tenants.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Rule {
    /// No token: sign-up, login, refresh, invitation acceptance (they prove identity).
    Public,
    /// Acts on the caller's own tenant only; agents may use it.
    OwnTenant,
    /// Acts on the caller's own tenant only; admins (and maybe supervisors) only.
    OwnTenantAdmin,
    /// Names an object by id in the path; admins only.
    ById,
    /// Writes an object of the caller's own tenant under a name from the path (`PUT
    /// /prompts/{name}`, given a real WAV): agents are refused, A's write lands in A's
    /// namespace, and tenant B's object of the same name stays as it was.
    OwnNamespace,
}

const RULES: &[(&str, &str, Rule)] = &[
    ("post", "/api/v1/signup", Rule::Public),
    ("post", "/api/v1/sessions", Rule::Public),
    ("post", "/api/v1/sessions/refresh", Rule::Public),
    ("post", "/api/v1/invitations/accept", Rule::Public),
    ("post", "/api/v1/sessions/logout", Rule::OwnTenant),
    ("get", "/api/v1/me", Rule::OwnTenant),
    ("get", "/api/v1/users", Rule::OwnTenantAdmin),
    ("post", "/api/v1/users", Rule::OwnTenantAdmin),
    ("get", "/api/v1/audit", Rule::OwnTenantAdmin),
    ("get", "/api/v1/users/{id}", Rule::ById),
    ("patch", "/api/v1/users/{id}", Rule::ById),
    ("post", "/api/v1/users/{id}/invitation", Rule::ById),
    ("get", "/api/v1/skills", Rule::OwnTenant),
    ("post", "/api/v1/skills", Rule::OwnTenantAdmin),
    ("patch", "/api/v1/skills/{id}", Rule::ById),
    ("delete", "/api/v1/skills/{id}", Rule::ById),
    ("get", "/api/v1/queues", Rule::OwnTenant),
    ("post", "/api/v1/queues", Rule::OwnTenantAdmin),
    ("get", "/api/v1/queues/{id}", Rule::ById),
    ("put", "/api/v1/queues/{id}", Rule::ById),
    ("delete", "/api/v1/queues/{id}", Rule::ById),
    ("get", "/api/v1/agents", Rule::OwnTenantAdmin),
    ("put", "/api/v1/agents/{id}/skills", Rule::ById),
    ("get", "/api/v1/reason-codes", Rule::OwnTenant),
    ("post", "/api/v1/reason-codes", Rule::OwnTenantAdmin),
    ("delete", "/api/v1/reason-codes/{code}", Rule::ById),
    ("get", "/api/v1/calendars", Rule::OwnTenant),
    ("post", "/api/v1/calendars", Rule::OwnTenantAdmin),
    ("get", "/api/v1/calendars/{id}", Rule::ById),
    ("put", "/api/v1/calendars/{id}", Rule::ById),
    ("delete", "/api/v1/calendars/{id}", Rule::ById),
    ("get", "/api/v1/plugin-versions", Rule::OwnTenant),
    ("post", "/api/v1/plugin-versions", Rule::OwnTenantAdmin),
    ("get", "/api/v1/plugin-installations", Rule::OwnTenant),
    ("post", "/api/v1/plugin-installations", Rule::OwnTenantAdmin),
    ("patch", "/api/v1/plugin-installations/{id}", Rule::ById),
    ("delete", "/api/v1/plugin-installations/{id}", Rule::ById),
    ("post", "/api/v1/plugin-installations/{id}/test", Rule::ById),
    (
        "get",
        "/api/v1/plugin-versions/{publisher}/{name}/{version}/component",
        Rule::ById,
    ),
    ("get", "/api/v1/plugin-invocations", Rule::OwnTenantAdmin),
    ("get", "/api/v1/plugin-invocations/{id}", Rule::ById),
    ("post", "/api/v1/plugin-invocations/{id}/replay", Rule::ById),
    ("get", "/api/v1/plugin-limits", Rule::OwnTenantAdmin),
    ("put", "/api/v1/plugin-limits", Rule::OwnTenantAdmin),
    ("get", "/api/v1/inbound-trunks", Rule::OwnTenantAdmin),
    ("post", "/api/v1/inbound-trunks", Rule::OwnTenantAdmin),
    ("get", "/api/v1/inbound-trunks/{id}", Rule::ById),
    ("put", "/api/v1/inbound-trunks/{id}", Rule::ById),
    ("delete", "/api/v1/inbound-trunks/{id}", Rule::ById),
    ("get", "/api/v1/outbound-trunks", Rule::OwnTenantAdmin),
    ("post", "/api/v1/outbound-trunks", Rule::OwnTenantAdmin),
    ("get", "/api/v1/outbound-trunks/{id}", Rule::ById),
    ("put", "/api/v1/outbound-trunks/{id}", Rule::ById),
    ("delete", "/api/v1/outbound-trunks/{id}", Rule::ById),
    ("get", "/api/v1/numbers", Rule::OwnTenantAdmin),
    ("post", "/api/v1/numbers", Rule::OwnTenantAdmin),
    ("get", "/api/v1/numbers/{id}", Rule::ById),
    ("put", "/api/v1/numbers/{id}", Rule::ById),
    ("delete", "/api/v1/numbers/{id}", Rule::ById),
    ("get", "/api/v1/calls", Rule::OwnTenantAdmin),
    ("get", "/api/v1/calls/{id}", Rule::ById),
    ("get", "/api/v1/events", Rule::OwnTenant),
    // Authenticates with its first WebSocket message (events_api.rs tests it), not a header.
    ("get", "/api/v1/events/stream", Rule::Public),
    // Authenticates in its first message; the agent is the token's own user (agent_desk.rs).
    ("get", "/api/v1/agent/channel", Rule::Public),
    ("get", "/api/v1/prompts", Rule::OwnTenantAdmin),
    ("put", "/api/v1/prompts/{name}", Rule::OwnNamespace),
    ("get", "/api/v1/prompts/{name}", Rule::ById),
    ("delete", "/api/v1/prompts/{name}", Rule::ById),
    ("get", "/api/v1/voicemails", Rule::OwnTenantAdmin),
    ("get", "/api/v1/voicemails/{id}", Rule::ById),
    ("patch", "/api/v1/voicemails/{id}", Rule::ById),
    ("delete", "/api/v1/voicemails/{id}", Rule::ById),
    ("get", "/api/v1/voicemails/{id}/audio", Rule::ById),
];

fn queue_body(name: &str) -> Value {
    json!({
        "name": name,
        "service_level": {"percent": 80, "within": 20000},
        "ring_timeout": 15000, "after_call_work": 30000, "expected_handle_time": 180000
    })
}

fn calendar_body(name: &str) -> Value {
    json!({"name": name, "timezone": "UTC", "weekly": [{"day": "mon", "open": "09:00", "close": "17:00"}]})
}

/// Tenant B's objects, which tenant A must never reach.
struct Beta {
    tenant: String,
    user: String,
    skill: String,
    queue: String,
    calendar: String,
    installation: String,
    invocation: String,
    inbound_trunk: String,
    outbound_trunk: String,
    number: String,
    call: String,
    voicemail: String,
    /// An entry of B's audit log (a paging cursor).
    audit: String,
}

impl Beta {
    fn fill(&self, path: &str) -> String {
        let id = if path.starts_with("/api/v1/skills") {
            &self.skill
        } else if path.starts_with("/api/v1/queues") {
            &self.queue
        } else if path.starts_with("/api/v1/calendars") {
            &self.calendar
        } else if path.starts_with("/api/v1/plugin-installations") {
            &self.installation
        } else if path.starts_with("/api/v1/plugin-invocations") {
            &self.invocation
        } else if path.starts_with("/api/v1/inbound-trunks") {
            &self.inbound_trunk
        } else if path.starts_with("/api/v1/outbound-trunks") {
            &self.outbound_trunk
        } else if path.starts_with("/api/v1/numbers") {
            &self.number
        } else if path.starts_with("/api/v1/calls") {
            &self.call
        } else if path.starts_with("/api/v1/voicemails") {
            &self.voicemail
        } else {
            &self.user
        };
        path.replace("{id}", id)
            .replace("{code}", "lunch")
            .replace("{publisher}", &self.tenant)
            .replace("{name}", "beta-private")
            .replace("{version}", "1.0.0")
    }

    fn ids(&self) -> [&str; 12] {
        [
            &self.user,
            &self.skill,
            &self.queue,
            &self.calendar,
            &self.installation,
            &self.invocation,
            &self.inbound_trunk,
            &self.outbound_trunk,
            &self.number,
            &self.call,
            &self.voicemail,
            &self.audit,
        ]
    }
}

/// Every list of tenant B's data, to compare before and after.
const B_LISTS: &[&str] = &[
    "/api/v1/plugin-versions",
    "/api/v1/plugin-invocations",
    "/api/v1/plugin-limits",
    "/api/v1/plugin-installations",
    "/api/v1/users",
    "/api/v1/audit?limit=200",
    "/api/v1/skills",
    "/api/v1/queues",
    "/api/v1/agents",
    "/api/v1/reason-codes",
    "/api/v1/calendars",
    "/api/v1/inbound-trunks",
    "/api/v1/outbound-trunks",
    "/api/v1/numbers",
    "/api/v1/calls",
    "/api/v1/events",
    "/api/v1/voicemails",
    "/api/v1/prompts",
];

/// Tenant B's phone number: A must neither reach nor learn it.
const B_NUMBER: &str = "+15555550888";

fn inbound_body(name: &str, source: &str) -> Value {
    json!({"name": name, "sources": [source]})
}

fn outbound_body(name: &str) -> Value {
    json!({"name": name, "proxy": "sip.carrier.example", "username": "u1", "password": "out-secret"})
}

fn number_body(number: &str, label: &str, queue: &str) -> Value {
    json!({"number": number, "label": label, "entry": {"kind": "queue", "queue": queue}})
}

/// A real component (`plugins/build.sh` builds it) for the publishing routes.
fn ivr_component() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(common::component("ivr_menu"))
}

fn publish_body(name: &str, public: bool) -> Value {
    json!({
        "manifest": {"name": name, "version": "1.0.0", "world": "ivr", "capabilities": {"config": true, "log": true, "http": {"allowed_hosts": ["pins.example.com"]}}},
        "component": ivr_component(),
        "public": public,
    })
}

/// An IVR `on-event` test input for a call of `tenant`.
fn call_started(tenant: &str) -> Value {
    json!({"function": "on-event", "input": {
        "context": {"call_id": "cal_iso", "tenant_id": tenant, "caller": "+8613800138000",
            "dialled": "+862150000000", "data": [], "ivr_path": [], "language": "English",
            "started_at_ms": 1_795_000_000_000u64},
        "event": "CallStarted"}})
}

fn body_for(
    method: &str,
    path: &str,
    b_refresh: &str,
    b_tenant: &str,
    a_queue: &str,
) -> Option<Value> {
    match (method, path) {
        ("post", "/api/v1/inbound-trunks") => Some(inbound_body("Alpha trunk", "192.0.2.10")),
        ("put", "/api/v1/inbound-trunks/{id}") => Some(inbound_body("Hacked", "192.0.2.11")),
        ("post", "/api/v1/outbound-trunks") => Some(outbound_body("Alpha out")),
        ("put", "/api/v1/outbound-trunks/{id}") => Some(outbound_body("Hacked")),
        ("post", "/api/v1/numbers") => Some(number_body("+15555550777", "Alpha line", a_queue)),
        ("put", "/api/v1/numbers/{id}") => Some(number_body(B_NUMBER, "Hacked", a_queue)),
        ("post", "/api/v1/plugin-versions") => Some(publish_body("alpha-menu", false)),
        ("post", "/api/v1/plugin-installations") => {
            Some(json!({"publisher": b_tenant, "name": "beta-menu", "version": "1.0.0"}))
        }
        ("patch", "/api/v1/plugin-installations/{id}") => Some(json!({"config": {"hacked": true}})),
        ("post", "/api/v1/plugin-installations/{id}/test") => Some(call_started(b_tenant)),
        ("put", "/api/v1/plugin-limits") => {
            Some(json!({"cpu_ms": 20, "memory_mib": 16, "wall_ms": 500, "max_output_kib": 16}))
        }
        ("post", "/api/v1/users") => {
            Some(json!({"email": "new@x.test", "name": "N", "role": "agent"}))
        }
        ("patch", "/api/v1/users/{id}") => Some(json!({"name": "Hacked", "disabled": true})),
        ("post", "/api/v1/skills") => Some(json!({"name": "Alpha skill"})),
        ("patch", "/api/v1/skills/{id}") => Some(json!({"name": "Hacked"})),
        ("post", "/api/v1/queues") => Some(queue_body("Alpha queue")),
        ("put", "/api/v1/queues/{id}") => Some(queue_body("Hacked")),
        ("put", "/api/v1/agents/{id}/skills") => Some(json!({"skills": []})),
        ("post", "/api/v1/reason-codes") => Some(json!({"code": "brb", "label": "Back soon"})),
        ("post", "/api/v1/calendars") => Some(calendar_body("Alpha hours")),
        ("put", "/api/v1/calendars/{id}") => Some(calendar_body("Hacked")),
        ("patch", "/api/v1/voicemails/{id}") => Some(json!({"heard": true})),
        ("post", "/api/v1/sessions/logout") => Some(json!({"refresh_token": b_refresh})),
        _ => None,
    }
}

/// Write a call record and a voicemail (row and audio) for the tenant of `session` (a sign-up
/// or `/me` body) as its call actor would, to `dialled` with `company` in the call data;
/// returns their ids.
async fn call_and_voicemail(
    app: &TestApp,
    session: &Value,
    dialled: &str,
    company: &str,
) -> (String, String) {
    let tenant = session["tenant"]["id"].as_str().unwrap().parse().unwrap();
    // Minted as the inbound route does for a call from a trunk.
    #[allow(clippy::disallowed_methods)]
    let scope = kefu_core::TenantScope::authenticated(
        tenant,
        kefu_core::UserId::new(),
        kefu_core::Role::Agent,
    );
    let at = chrono::Utc::now();
    let call = kefu_core::CallId::new();
    app.state
        .store
        .record_call(
            &scope,
            &kefu_store::call_records::NewCallRecord {
                id: call,
                direction: "inbound".into(),
                caller: "+8613800138000".into(),
                dialled: dialled.into(),
                did: None,
                trunk: None,
                entry: None,
                sip_call_id: format!("{call}@carrier"),
                started_at: at,
                answered_at: Some(at),
                ended_at: at,
                disposition: "voicemail".into(),
                hangup_by: "caller".into(),
                ivr_path: vec!["main".into()],
                queue: None,
                queue_wait_ms: None,
                call_data: vec![("company".into(), company.into())],
                media: json!({}),
                agents: vec![],
                talk_ms: None,
                hold_ms: None,
                holds: 0,
                reason: None,
            },
        )
        .await
        .unwrap();
    // The call's story in the tenant's event log (ids another tenant must never see).
    app.state
        .events
        .emit(&scope, kefu_core::DomainEvent::CallAnswered { call })
        .await;
    assert_eq!(
        app.state
            .events
            .drain(std::time::Duration::from_secs(10))
            .await,
        0
    );
    let vm = kefu_core::VoicemailId::new();
    let key = kefu_store::voicemails::voicemail_key(&scope, &vm).unwrap();
    app.state
        .objects
        .put(&key, bytes::Bytes::from_static(b"RIFF-beta"), "audio/wav")
        .await
        .unwrap();
    app.state
        .store
        .create_voicemail(
            &scope,
            &kefu_store::voicemails::NewVoicemail {
                id: vm,
                call,
                mailbox: "sales".into(),
                caller: "+8613800138000".into(),
                dialled: dialled.into(),
                duration_ms: 1_000,
                size_bytes: 9,
                blob_key: key.as_str().to_owned(),
            },
        )
        .await
        .unwrap();
    (call.to_string(), vm.to_string())
}

/// A reply to tenant A must not mention any of tenant B's objects, names or e-mails.
fn assert_no_beta(beta: &Beta, body: &Value, method: &str, path: &str) {
    let text = body.to_string();
    assert!(
        !text.contains("beta.test") && !text.contains("Beta ") && !text.contains(B_NUMBER),
        "{method} {path} leaked tenant B data: {text}"
    );
    for id in beta.ids() {
        assert!(!text.contains(id), "{method} {path} leaked tenant B's {id}");
    }
}

/// A one-tone 8 kHz prompt: `level` tells one tenant's from another's.
fn prompt_wav(level: i16) -> Vec<u8> {
    let mut out = Vec::new();
    kefu_media::prompt::wav::write_wav(&[level; 800], 8_000, &mut out);
    out
}

/// `PUT` a prompt (WAV body) at `path` with `token`.
async fn put_prompt(app: &TestApp, path: &str, token: &str, wav: Vec<u8>) -> common::Reply {
    app.raw(
        axum::http::Request::put(path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "audio/wav")
            .body(axum::body::Body::from(wav))
            .unwrap(),
    )
    .await
}

fn method_of(m: &str) -> Method {
    Method::from_bytes(m.to_uppercase().as_bytes()).unwrap()
}

on_both_databases!(every_route_is_isolated, |db| async move {
    let app = TestApp::new(db).await;
    let (a_admin, _) = app.signup("Alpha", "admin@alpha.test").await;
    let (a_agent, _) = app.add_user(&a_admin, "agent@alpha.test", "agent").await;
    // Logout voids the token it is called with; give it one of its own.
    let (a_leaving, _) = app.add_user(&a_admin, "leaving@alpha.test", "agent").await;
    let (b_admin, b_session) = app.signup("Beta", "admin@beta.test").await;
    let b_refresh = b_session["refresh_token"].as_str().unwrap().to_owned();
    let (_, b_agent_id) = app.add_user(&b_admin, "agent@beta.test", "agent").await;
    let mk = |path: &'static str, body: Value| {
        let (app, token) = (&app, &b_admin);
        async move {
            let r = app.call(Method::POST, path, Some(token), Some(body)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{path}: {:?}", r.body);
            r.body["id"].as_str().map(str::to_owned).unwrap_or_default()
        }
    };
    mk("/api/v1/plugin-versions", publish_body("beta-menu", true)).await;
    let b_tenant = b_session["tenant"]["id"].as_str().unwrap().to_owned();
    let installation = mk(
        "/api/v1/plugin-installations",
        json!({"publisher": b_tenant, "name": "beta-menu", "version": "1.0.0"}),
    )
    .await;
    mk(
        "/api/v1/plugin-versions",
        publish_body("beta-private", false),
    )
    .await;
    let run = app
        .call(
            Method::POST,
            &format!("/api/v1/plugin-installations/{installation}/test"),
            Some(&b_admin),
            Some(call_started(&b_tenant)),
        )
        .await;
    assert_eq!(run.status, StatusCode::OK, "{:?}", run.body);
    let invocation = run.body["invocation"]["id"].as_str().unwrap().to_owned();
    // The log is written in the background: wait until B's record is there.
    for _ in 0..100 {
        let log = app.get("/api/v1/plugin-invocations", &b_admin).await.body;
        if !log["items"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let b_queue = mk("/api/v1/queues", queue_body("Beta queue")).await;
    let beta = Beta {
        tenant: b_tenant,
        installation,
        invocation,
        inbound_trunk: mk(
            "/api/v1/inbound-trunks",
            inbound_body("Beta trunk", "192.0.2.20"),
        )
        .await,
        outbound_trunk: mk("/api/v1/outbound-trunks", outbound_body("Beta out")).await,
        number: mk(
            "/api/v1/numbers",
            number_body(B_NUMBER, "Beta line", &b_queue),
        )
        .await,
        skill: mk("/api/v1/skills", json!({"name": "Beta skill"})).await,
        queue: b_queue,
        calendar: mk("/api/v1/calendars", calendar_body("Beta hours")).await,
        user: b_agent_id.clone(),
        call: String::new(),
        voicemail: String::new(),
        audit: String::new(),
    };
    // Calls and voicemails are written by the call actor, not the API: B's go in through the
    // store, and A gets one call of its own so its listing is not trivially empty.
    let (call, voicemail) = call_and_voicemail(&app, &b_session, B_NUMBER, "Beta secret").await;
    // B's prompt carries the name the walk puts in `{name}`.
    let b_wav = prompt_wav(1_000);
    let r = put_prompt(
        &app,
        "/api/v1/prompts/beta-private",
        &b_admin,
        b_wav.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let b_audit = app.get("/api/v1/audit?limit=1", &b_admin).await.body;
    let beta = Beta {
        call,
        voicemail,
        audit: b_audit["items"][0]["id"].as_str().unwrap().to_owned(),
        ..beta
    };
    let a_session = app.get("/api/v1/me", &a_admin).await.body;
    call_and_voicemail(&app, &a_session, "+15555550777", "Alpha secret").await;
    mk(
        "/api/v1/reason-codes",
        json!({"code": "lunch", "label": "Lunch"}),
    )
    .await;
    let a_queue = app
        .call(
            Method::POST,
            "/api/v1/queues",
            Some(&a_admin),
            Some(queue_body("Alpha routing")),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut b_before = Vec::new();
    for list in B_LISTS {
        b_before.push(app.get(list, &b_admin).await.body);
    }

    let doc = app.get("/api/openapi.json", &a_admin).await.body;
    let mut seen = 0;
    let mut filters = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            seen += 1;
            let rule = RULES
                .iter()
                .find(|(m, p, _)| m == method && p == path)
                .map(|r| r.2)
                .unwrap_or_else(|| panic!("{method} {path} has no isolation rule in RULES"));
            let concrete = beta.fill(path);
            let body = body_for(method, path, &b_refresh, &beta.tenant, &a_queue);
            match rule {
                Rule::Public => {
                    let doc_says_secured = item[method].get("security").is_some();
                    assert!(
                        !doc_says_secured,
                        "{method} {path} is public but documented as secured"
                    );
                }
                Rule::ById => {
                    let r = app
                        .call(method_of(method), &concrete, Some(&a_admin), body.clone())
                        .await;
                    assert_eq!(
                        r.status,
                        StatusCode::NOT_FOUND,
                        "{method} {path} across tenants: {:?}",
                        r.body
                    );
                    let r = app
                        .call(method_of(method), &concrete, Some(&a_agent), body)
                        .await;
                    assert!(
                        r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
                        "{method} {path} as agent: {}",
                        r.status
                    );
                }
                Rule::OwnTenantAdmin => {
                    let r = app
                        .call(method_of(method), path, Some(&a_agent), body.clone())
                        .await;
                    assert_eq!(r.status, StatusCode::FORBIDDEN, "{method} {path} as agent");
                    let r = app
                        .call(method_of(method), path, Some(&a_admin), body)
                        .await;
                    assert!(
                        r.status.is_success(),
                        "{method} {path} as admin: {:?}",
                        r.body
                    );
                    assert_no_beta(&beta, &r.body, method, path);
                    if method == "get" {
                        filters += filters::walk(&app, &a_admin, &beta, path, &item[method]).await;
                    }
                }
                Rule::OwnNamespace => {
                    // The only such route takes a WAV, not JSON: a real one, so that A's
                    // write succeeds and can be told apart from B's.
                    assert_eq!(
                        (method.as_str(), path.as_str()),
                        ("put", "/api/v1/prompts/{name}")
                    );
                    let a_wav = prompt_wav(-2_000);
                    let r = put_prompt(&app, &concrete, &a_agent, a_wav.clone()).await;
                    assert_eq!(r.status, StatusCode::FORBIDDEN, "{method} {path} as agent");
                    let r = put_prompt(&app, &concrete, &a_admin, a_wav.clone()).await;
                    assert_eq!(
                        r.status,
                        StatusCode::OK,
                        "{method} {path} as admin: {:?}",
                        r.body
                    );
                    assert_no_beta(&beta, &r.body, method, path);
                    // Each tenant reads its own audio under the shared name.
                    assert_eq!(app.get(&concrete, &a_admin).await.raw, a_wav);
                    assert_eq!(app.get(&concrete, &b_admin).await.raw, b_wav);
                    // Gone again, so the by-name checks of this path hold in any order.
                    let r = app
                        .call(Method::DELETE, &concrete, Some(&a_admin), None)
                        .await;
                    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
                }
                Rule::OwnTenant => {
                    let token = if path.ends_with("/logout") {
                        &a_leaving
                    } else {
                        &a_agent
                    };
                    let r = app.call(method_of(method), path, Some(token), body).await;
                    assert!(r.status.is_success(), "{method} {path}: {:?}", r.body);
                    assert_no_beta(&beta, &r.body, method, path);
                    if method == "get" {
                        filters += filters::walk(&app, &a_admin, &beta, path, &item[method]).await;
                    }
                }
            }
            // Unauthenticated calls to secured routes are refused.
            if rule != Rule::Public {
                let r = app
                    .call(
                        method_of(method),
                        &concrete,
                        None,
                        body_for(method, path, &b_refresh, &beta.tenant, &a_queue),
                    )
                    .await;
                assert_eq!(
                    r.status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {path} without token"
                );
            }
        }
    }
    assert_eq!(
        seen,
        RULES.len(),
        "RULES lists routes the API no longer has"
    );
    // Calls, voicemails, audit and plugin invocations: 14 filters and cursors in all.
    assert!(filters >= 14, "only {filters} list filters were walked");

    // Nothing of tenant B changed, and B's session survived A's logout attempt with B's token.
    for (list, before) in B_LISTS.iter().zip(&b_before) {
        assert_eq!(
            &app.get(list, &b_admin).await.body,
            before,
            "tenant B's {list} changed"
        );
    }
    let r = app
        .call(
            Method::POST,
            "/api/v1/sessions/refresh",
            None,
            Some(json!({"refresh_token": b_refresh})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "B's session was revoked by A");
});
