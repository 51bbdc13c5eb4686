//! Log lines name the tenant (and the call) they belong to: the `http` span of a request gets
//! `tenant_id` once authentication knows it, and a call's actor runs inside a
//! `call{tenant_id, call_id}` span. Read through a real subscriber (tracing-subscriber's
//! formatter) writing to a buffer, the way an operator reads the log.
//!
//! Agents are not live entities yet (the ACD holds their state; no task runs per agent), so
//! there is no per-agent span to test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::process::Stdio;
use std::sync::{Mutex, OnceLock};

use axum::http::{Method, StatusCode};
use common::{Db, TestApp};
use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Everything the process logged, as formatted text.
static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// A writer appending to [`LOG`].
struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOG.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs the capturing subscriber once for this test binary (both tests share it and tell
/// their lines apart by tenant id).
fn capture() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let filter = tracing_subscriber::EnvFilter::new(
            "info,tower_http=debug,kefu_server=debug,kefu_calls=debug",
        );
        tracing_subscriber::registry()
            .with(filter)
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    // A line when a span starts, so a call's span shows even if it logs little.
                    .with_span_events(FmtSpan::NEW)
                    .with_writer(|| Capture),
            )
            .init();
    });
}

fn lines_with(needle: &str) -> Vec<String> {
    String::from_utf8_lossy(&LOG.lock().unwrap())
        .lines()
        .filter(|l| l.contains(needle))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn a_request_log_line_carries_the_tenant_of_its_token() {
    capture();
    let app = TestApp::new(Db::Sqlite).await;
    let (token, session) = app.signup("Logged Co", "owner@logged.test").await;
    let tenant = session["tenant"]["id"].as_str().unwrap().to_owned();
    let user = session["user"]["id"].as_str().unwrap().to_owned();
    let r = app.get("/api/v1/skills", &token).await;
    assert_eq!(r.status, StatusCode::OK);

    // tower-http's "finished processing request" runs in the request's span, after the
    // handler's extractor recorded who called.
    let finished: Vec<String> = lines_with("path=/api/v1/skills")
        .into_iter()
        .filter(|l| l.contains("finished processing request"))
        .collect();
    assert!(!finished.is_empty(), "no request line for /api/v1/skills");
    assert!(
        finished
            .iter()
            .any(|l| l.contains(&format!("tenant_id={tenant}"))
                && l.contains(&format!("user_id={user}"))),
        "the request's line does not name its tenant and user: {finished:#?}"
    );
    // A request without a token has no tenant to name (no other test here asks this path).
    let r = app.call(Method::GET, "/api/v1/calendars", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let anonymous: Vec<String> = lines_with("path=/api/v1/calendars")
        .into_iter()
        .filter(|l| l.contains("finished processing request"))
        .collect();
    assert!(!anonymous.is_empty());
    assert!(
        anonymous.iter().all(|l| !l.contains("tenant_id=")),
        "{anonymous:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_runs_in_a_span_naming_its_tenant_and_call() {
    capture();
    let app = TestApp::with_config(Db::Sqlite, |c| {
        c.sip_listen = "127.0.0.1:0".into();
        c.rtp_ports = "33000-33999".into();
    })
    .await;
    let telephony = kefu_server::telephony::start(&app.state)
        .await
        .unwrap()
        .expect("telephony on");
    let (token, session) = app.signup("Calling Co", "owner@calling.test").await;
    let tenant = session["tenant"]["id"].as_str().unwrap().to_owned();
    for (path, body) in [
        (
            "/api/v1/queues",
            json!({"name": "Support", "service_level": {"percent": 80, "within": 20000},
                "ring_timeout": 15000, "after_call_work": 30000, "expected_handle_time": 180000}),
        ),
        (
            "/api/v1/inbound-trunks",
            json!({"name": "Carrier", "sources": ["127.0.0.1"]}),
        ),
    ] {
        let r = app.call(Method::POST, path, Some(&token), Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{path}: {:?}", r.body);
    }
    let queue = app.get("/api/v1/queues", &token).await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .call(
            Method::POST,
            "/api/v1/numbers",
            Some(&token),
            Some(json!({"number": "+15555550124", "label": "Line",
                "entry": {"kind": "queue", "queue": queue}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);

    let scenario = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/sipp/short_call.xml");
    let out = tokio::process::Command::new("sipp")
        .arg(telephony.edge.udp_addr().to_string())
        .arg("-sf")
        .arg(&scenario)
        .args(["-s", "+15555550124", "-i", "127.0.0.1", "-p", "0"])
        .args(["-m", "1", "-timeout", "60s", "-timeout_error", "-nostdin"])
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .await
        .expect("sipp runs (install Debian's sip-tester)");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The record is written when the call ends.
    let mut calls = Vec::new();
    for _ in 0..200 {
        calls = app.get("/api/v1/calls", &token).await.body["items"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !calls.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let call = calls.first().expect("a call record").clone();
    let call_id = call["id"].as_str().unwrap();

    // The span's opening line, and lines logged inside it (not only the opening).
    let span = format!("call{{tenant_id={tenant} call_id={call_id}}}");
    let lines = lines_with(&span);
    assert!(
        lines.iter().any(|l| l.ends_with(": new")),
        "no call span opened: {:#?}",
        lines_with(call_id)
    );
    assert!(
        lines.iter().any(|l| !l.ends_with(": new")),
        "nothing logged inside {span}: {lines:#?}"
    );
}
