//! Calls end to end: SIPp (Debian `sip-tester`) plays the carrier's trunk against the server's
//! SIP edge on 127.0.0.1, with RTP and RFC 4733 DTMF from SIPp's captures. The tenant's number
//! runs the first-party `ivr-menu` plugin; what happened is read back through the API (call
//! records, voicemails). Scenarios: `tests/sipp/` (see its README).
//!
//! Why one file of ~900 lines: every test here needs the same harness (a server with
//! telephony, a tenant with trunk, number and plugin, SIPp runs with placeholders filled, the
//! records read back), and each test is a short scenario on top of it. When a second SIPp
//! test binary needs the harness, it moves to `common/` and the carrier-registration tests at
//! the end go to a file of their own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::time::Duration;

use axum::http::{Method, StatusCode};
use base64::Engine;
use common::{Db, TestApp, component};
use serde_json::{Value, json};
use tokio::process::Command;

const NUMBER: &str = "+15555550123";

struct Kefu {
    app: TestApp,
    token: String,
    /// The `webhook-log` integration installation that receives call events.
    events: String,
    sip: SocketAddr,
    _telephony: kefu_server::telephony::Telephony,
}

fn menu() -> Value {
    json!({
        "greeting": [{"say": "Welcome to Kefu"}],
        "start": "main",
        "menus": {
            "main": {
                "prompt": [{"say": "For support press 1. To leave a message press 2."}],
                "options": {
                    "1": {"queue": {"queue": "Support"}},
                    "2": {"voicemail": {"mailbox": "general"}},
                    "3": {"transfer": {"number": "+15550001111"}},
                    "9": {"hang_up": {}},
                }
            }
        },
        "max_retries": 2,
    })
}

/// A server with telephony on 127.0.0.1, a tenant whose trunk admits 127.0.0.1 and whose
/// number runs `ivr-menu`.
async fn start(db: Db, ring_ms: u32) -> Kefu {
    start_with(db, |c| c.ring_before_answer_ms = ring_ms).await
}

/// [`start`] with more configuration.
async fn start_with(db: Db, tweak: impl FnOnce(&mut kefu_server::config::Config)) -> Kefu {
    start_full(db, menu(), tweak).await
}

/// [`start_with`] with another menu for the number's `ivr-menu`.
async fn start_full(
    db: Db,
    menu: Value,
    tweak: impl FnOnce(&mut kefu_server::config::Config),
) -> Kefu {
    // RUST_LOG=kefu_calls=debug shows what calls did when a test fails.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let app = TestApp::with_config(db, |c| {
        c.sip_listen = "127.0.0.1:0".into();
        c.rtp_ports = "31000-31999".into();
        c.queue_update_secs = 5;
        tweak(c);
    })
    .await;
    let telephony = kefu_server::telephony::start(&app.state)
        .await
        .unwrap()
        .expect("telephony on");
    let sip = telephony.edge.udp_addr();
    let (token, session) = app.signup("Call Co", "owner@call.test").await;
    let tenant = session["tenant"]["id"].as_str().unwrap().to_owned();
    let post = |path: &'static str, body: Value| {
        let (app, token) = (&app, token.clone());
        async move {
            let r = app.call(Method::POST, path, Some(&token), Some(body)).await;
            assert!(r.status.is_success(), "{path}: {:?}", r.body);
            r.body
        }
    };
    post(
        "/api/v1/queues",
        json!({"name": "Support", "service_level": {"percent": 80, "within": 20000},
            "ring_timeout": 15000, "after_call_work": 30000, "expected_handle_time": 180000,
            "max_wait": 8000}),
    )
    .await;
    let wasm = base64::engine::general_purpose::STANDARD.encode(component("ivr_menu"));
    post(
        "/api/v1/plugin-versions",
        json!({"manifest": {"name": "ivr-menu", "version": "1.0.0", "world": "ivr",
            "capabilities": {"config": true, "log": true, "http": {"allowed_hosts": ["pins.example.com"]}}},
            "component": wasm, "public": false}),
    )
    .await;
    let installation = post(
        "/api/v1/plugin-installations",
        json!({"publisher": tenant, "name": "ivr-menu", "version": "1.0.0",
            "config": {"menu": menu}}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let events_wasm = base64::engine::general_purpose::STANDARD.encode(component("webhook_log"));
    post(
        "/api/v1/plugin-versions",
        json!({"manifest": {"name": "webhook-log", "version": "1.0.0", "world": "integration",
            "capabilities": {"log": true, "kv": true}},
            "component": events_wasm, "public": false}),
    )
    .await;
    let events = post(
        "/api/v1/plugin-installations",
        json!({"publisher": tenant, "name": "webhook-log", "version": "1.0.0", "config": {}}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    post(
        "/api/v1/inbound-trunks",
        json!({"name": "Carrier", "sources": ["127.0.0.1"]}),
    )
    .await;
    post(
        "/api/v1/numbers",
        json!({"number": NUMBER, "label": "Hotline",
            "entry": {"kind": "ivr", "installation": installation}}),
    )
    .await;
    Kefu {
        app,
        token,
        events,
        sip,
        _telephony: telephony,
    }
}

fn scenarios() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/sipp")
}

/// A free even UDP port for SIPp's media (RTP) and the next one.
fn media_port() -> u16 {
    loop {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = s.local_addr().unwrap().port();
        if port.is_multiple_of(2)
            && port < 65_000
            && UdpSocket::bind(("127.0.0.1", port + 1)).is_ok()
        {
            return port;
        }
    }
}

struct Run<'a> {
    scenario: &'a str,
    /// Digest credentials (`-au`, `-ap`).
    auth: Option<(&'a str, &'a str)>,
    number: &'a str,
    source: &'a str,
    replace: Vec<(&'a str, String)>,
    calls: usize,
    rate: usize,
}

impl<'a> Run<'a> {
    fn new(scenario: &'a str) -> Self {
        Run {
            scenario,
            auth: None,
            number: NUMBER,
            source: "127.0.0.1",
            replace: Vec::new(),
            calls: 1,
            rate: 10,
        }
    }
    fn key(mut self, key: char) -> Self {
        let name = match key {
            '#' => "pound".to_string(),
            '*' => "star".to_string(),
            k => k.to_string(),
        };
        self.replace.push((
            "@DTMF@",
            format!("/usr/share/sip-tester/dtmf_2833_{name}.pcap"),
        ));
        self
    }
}

async fn sipp(target: SocketAddr, run: Run<'_>) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut text = std::fs::read_to_string(scenarios().join(run.scenario)).unwrap();
    for (from, to) in &run.replace {
        text = text.replace(from, to);
    }
    // Placeholders a test did not fill: a harmless header, no extra checks.
    text = text
        .replace("@EXTRA@", "X-Kefu-Test: plain")
        .replace("@CHECK@", "")
        .replace("@REFERENCE@", "");
    let file = dir.path().join(run.scenario);
    std::fs::write(&file, text).unwrap();
    let mut command = Command::new("sipp");
    if let Some((user, password)) = run.auth {
        command.args(["-au", user, "-ap", password]);
    }
    command
        .arg(target.to_string())
        .arg("-sf")
        .arg(&file)
        .args(["-s", run.number, "-i", run.source, "-bind_local", "-p", "0"])
        .args(["-mp", &media_port().to_string()])
        .args(["-m", &run.calls.to_string(), "-r", &run.rate.to_string()])
        .args([
            "-l",
            &run.calls.to_string(),
            "-timeout",
            "90s",
            "-timeout_error",
            "-nostdin",
        ])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .await
        .expect("sipp runs (install Debian's sip-tester)")
}

fn explain(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let tail: Vec<&str> = stdout.lines().rev().take(30).collect();
    format!(
        "exit {:?}\n{}\n{}",
        out.status.code(),
        tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
        String::from_utf8_lossy(&out.stderr)
    )
}

impl Kefu {
    /// The call records, once `n` are there.
    async fn records(&self, n: usize) -> Vec<Value> {
        for _ in 0..200 {
            let r = self.app.get("/api/v1/calls", &self.token).await;
            assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
            let items = r.body["items"].as_array().cloned().unwrap_or_default();
            if items.len() >= n {
                return items;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("fewer than {n} call records after 20 s");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caller_hears_the_menu_presses_1_waits_in_the_queue_and_hangs_up() {
    let kefu = start(Db::Sqlite, 0).await;
    let out = sipp(kefu.sip, Run::new("press_then_bye.xml").key('1')).await;
    assert!(out.status.success(), "{}", explain(&out));
    let records = kefu.records(1).await;
    let call = &records[0];
    assert_eq!(call["disposition"], "abandoned_in_queue", "{call}");
    assert_eq!(call["hangup_by"], "caller");
    assert_eq!(call["dialled"], NUMBER);
    assert_eq!(call["caller"], "+8613800138000");
    assert!(call["queue"].as_str().is_some(), "{call}");
    assert!(call["answered_at"].is_string(), "{call}");
    let path: Vec<&str> = call["ivr_path"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(path.contains(&"main"), "{path:?}");
    // The greeting and the menu reached the caller as RTP (4.5 s before the key at 50
    // packets a second, minus set-up), and the key arrived as RFC 4733 events.
    let media = &call["media"];
    assert!(media["packets_sent"].as_u64().unwrap() > 150, "{media}");
    assert!(media["dtmf_keys"].as_u64().unwrap() >= 1, "{media}");
    assert!(call["queue_wait_ms"].as_u64().unwrap() > 1_000, "{call}");

    // Every step reached the tenant's integration plugin as a domain event.
    let mut kinds = Vec::new();
    for _ in 0..100 {
        let path = format!(
            "/api/v1/plugin-invocations?installation_id={}&limit=200",
            kefu.events
        );
        let list = kefu.app.get(&path, &kefu.token).await.body;
        kinds.clear();
        for item in list["items"].as_array().unwrap() {
            let id = item["id"].as_str().unwrap();
            let detail = kefu
                .app
                .get(&format!("/api/v1/plugin-invocations/{id}"), &kefu.token)
                .await
                .body;
            let invocation = &detail["invocation"];
            assert_eq!(invocation["outcome"]["kind"], "returned", "{detail}");
            kinds.push(
                invocation["input"]["event"]["kind"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        if kinds.iter().any(|k| k == "call.ended") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for kind in [
        "call.received",
        "call.answered",
        "call.ivr.action",
        "call.queued",
        "call.ended",
    ] {
        assert!(
            kinds.iter().any(|k| k == kind),
            "{kind} missing from {kinds:?}"
        );
    }
}

/// A key pressed after the menu prompt has ended reaches the IVR at once (it once waited for
/// something else to wake the call: a 5 s collect timeout came 30 s late, with the key).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_pressed_after_the_prompt_ended_is_acted_on_at_once() {
    let short = json!({
        "start": "main",
        "menus": {"main": {"prompt": [{"say": "Hi"}], "options": {"9": {"hang_up": {}}}}},
        "timeout_ms": 20000,
    });
    let kefu = start_full(Db::Sqlite, short, |_| {}).await;
    // The scenario presses 9 six seconds after the answer (the prompt lasts about half a
    // second) and wants Kefu's BYE within four seconds of the key, long before the 20 s
    // collect timeout.
    let out = sipp(kefu.sip, Run::new("press_after_prompt.xml").key('9')).await;
    assert!(out.status.success(), "{}", explain(&out));
    let call = &kefu.records(1).await[0];
    assert_eq!(call["disposition"], "ended_in_ivr", "{call}");
    assert_eq!(call["hangup_by"], "system", "{call}");
    assert_eq!(call["media"]["dtmf_keys"], 1, "{call}");
}

/// An IVR that fails (here `ivr-menu` refuses its own configuration on every event) costs the
/// caller an apology, not the call: the number's fallback queue takes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_ivr_apologises_and_sends_the_caller_to_the_numbers_fallback_queue() {
    let kefu = start_full(Db::Sqlite, json!("not a menu"), |_| {}).await;
    let queues = kefu.app.get("/api/v1/queues", &kefu.token).await.body;
    let support = queues["items"][0]["id"].as_str().unwrap().to_owned();
    let numbers = kefu.app.get("/api/v1/numbers", &kefu.token).await.body;
    let number = &numbers["items"][0];
    let r = kefu
        .app
        .call(
            Method::PUT,
            &format!("/api/v1/numbers/{}", number["id"].as_str().unwrap()),
            Some(&kefu.token),
            Some(json!({"number": NUMBER, "entry": number["entry"], "fallback_queue": support})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);

    // The caller stays 8.5 s and hangs up: after the apology it waits in the queue.
    let out = sipp(kefu.sip, Run::new("press_then_bye.xml").key('1')).await;
    assert!(out.status.success(), "{}", explain(&out));
    let call = &kefu.records(1).await[0];
    assert_eq!(call["disposition"], "abandoned_in_queue", "{call}");
    assert_eq!(call["hangup_by"], "caller", "{call}");
    assert_eq!(call["queue"], json!(support), "{call}");
    assert!(call["queue_wait_ms"].as_u64().unwrap() > 1_000, "{call}");
    // The apology reached the caller as audio before the queue took the call.
    assert!(
        call["media"]["packets_sent"].as_u64().unwrap() > 100,
        "{call}"
    );
    // The IVR was consulted once, answered with an error, and was not consulted again.
    let runs = kefu
        .app
        .get("/api/v1/plugin-invocations?limit=50", &kefu.token)
        .await
        .body;
    let ivr: Vec<&Value> = runs["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["world"] == "ivr")
        .collect();
    assert_eq!(ivr.len(), 1, "{runs}");
    let detail = kefu
        .app
        .get(
            &format!(
                "/api/v1/plugin-invocations/{}",
                ivr[0]["id"].as_str().unwrap()
            ),
            &kefu.token,
        )
        .await
        .body;
    assert_eq!(
        detail["invocation"]["outcome"]["detail"]["Err"]["kind"], "InvalidConfig",
        "{detail}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pressing_9_makes_kefu_hang_up() {
    let kefu = start(Db::Sqlite, 0).await;
    let out = sipp(kefu.sip, Run::new("press_then_server_bye.xml").key('9')).await;
    assert!(out.status.success(), "{}", explain(&out));
    let call = &kefu.records(1).await[0];
    assert_eq!(call["disposition"], "ended_in_ivr", "{call}");
    assert_eq!(call["hangup_by"], "system", "{call}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voicemail_is_recorded_stored_and_listed() {
    let kefu = start(Db::Sqlite, 0).await;
    let out = sipp(kefu.sip, Run::new("voicemail.xml").key('2')).await;
    assert!(out.status.success(), "{}", explain(&out));
    let call = &kefu.records(1).await[0];
    assert_eq!(call["disposition"], "voicemail", "{call}");
    let list = kefu.app.get("/api/v1/voicemails", &kefu.token).await;
    assert_eq!(list.status, StatusCode::OK, "{:?}", list.body);
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{:?}", list.body);
    let vm = &items[0];
    assert_eq!(vm["mailbox"], "general");
    assert_eq!(vm["caller"], "+8613800138000");
    assert_eq!(vm["call_id"], call["id"]);
    // SIPp talks for a few seconds after the beep, then presses #.
    let ms = vm["duration_ms"].as_u64().unwrap();
    assert!((1_000..30_000).contains(&ms), "{vm}");
    let id = vm["id"].as_str().unwrap();
    let audio = kefu
        .app
        .get(&format!("/api/v1/voicemails/{id}/audio"), &kefu.token)
        .await;
    assert_eq!(audio.status, StatusCode::OK);
    assert_eq!(&audio.raw[..4], b"RIFF");
    // 8 kHz 16-bit mono: the WAV's data matches the listed length.
    let expected = 44 + ms as usize * 16;
    assert!(
        audio.raw.len().abs_diff(expected) <= 320,
        "{} vs {expected}",
        audio.raw.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_while_ringing_ends_the_call() {
    let kefu = start(Db::Sqlite, 3_000).await;
    let out = sipp(kefu.sip, Run::new("cancel.xml")).await;
    assert!(out.status.success(), "{}", explain(&out));
    let call = &kefu.records(1).await[0];
    assert_eq!(call["disposition"], "cancelled", "{call}");
    assert!(call["answered_at"].is_null(), "{call}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hold_and_resume_by_re_invite() {
    let kefu = start(Db::Sqlite, 0).await;
    let out = sipp(kefu.sip, Run::new("hold_resume.xml")).await;
    assert!(out.status.success(), "{}", explain(&out));
    let call = &kefu.records(1).await[0];
    assert_eq!(call["hangup_by"], "caller", "{call}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_number_is_404_and_unknown_source_is_403() {
    let kefu = start(Db::Sqlite, 0).await;
    let mut run = Run::new("refused.xml");
    run.number = "+15550009999";
    run.replace.push(("@EXPECTED@", "404".into()));
    let out = sipp(kefu.sip, run).await;
    assert!(out.status.success(), "unknown number: {}", explain(&out));
    let mut run = Run::new("refused.xml");
    run.source = "127.0.0.2";
    run.replace.push(("@EXPECTED@", "403".into()));
    let out = sipp(kefu.sip, run).await;
    assert!(out.status.success(), "unknown source: {}", explain(&out));
    // Refused calls start nothing and leave no record.
    let r = kefu.app.get("/api/v1/calls", &kefu.token).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 0, "{:?}", r.body);
}

/// The flood comes from an address a trunk admits (127.0.0.3 is a second carrier of the
/// tenant), so trunk matching would let every call in: only the per-source INVITE limiter
/// (`sip_invites_per_source_per_sec`) holds it back, and the test fails if it does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_from_one_source_does_not_stop_calls_from_another() {
    // 10 INVITEs a second per source (a burst of 20): the legitimate carrier sends 5.
    const PER_SEC: u64 = 10;
    let kefu = start_with(Db::Sqlite, |c| {
        c.sip_invites_per_source_per_sec = PER_SEC as u32
    })
    .await;
    let r = kefu
        .app
        .call(
            Method::POST,
            "/api/v1/inbound-trunks",
            Some(&kefu.token),
            Some(json!({"name": "Second carrier", "sources": ["127.0.0.3"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let calls = kefu._telephony.calls.stats().clone();
    let edge = kefu._telephony.edge.stats();
    let started = || calls.started.load(std::sync::atomic::Ordering::Relaxed);
    let limited = || {
        kefu_sip::edge::EdgeStats::get(&edge.rate_limited)
            + kefu_sip::edge::EdgeStats::get(&edge.rate_dropped)
    };

    // The flooding address is admitted: one call from it goes through.
    let mut probe = Run::new("short_call.xml");
    probe.source = "127.0.0.3";
    let out = sipp(kefu.sip, probe).await;
    assert!(
        out.status.success(),
        "a call from 127.0.0.3: {}",
        explain(&out)
    );
    assert_eq!(started(), 1);

    let (started_before, limited_before) = (started(), limited());
    let sip = kefu.sip;
    let flood_began = std::time::Instant::now();
    let flood = tokio::spawn(async move {
        let status = Command::new("sipp")
            .arg(sip.to_string())
            .args([
                "-sn",
                "uac",
                "-s",
                NUMBER,
                "-i",
                "127.0.0.3",
                "-bind_local",
                "-p",
                "0",
            ])
            .args(["-mp", &media_port().to_string()])
            .args(["-m", "1000", "-r", "200", "-timeout", "10s", "-nostdin"])
            .current_dir(std::env::temp_dir())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await;
        (status, flood_began.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut run = Run::new("short_call.xml");
    run.calls = 20;
    run.rate = 5;
    let out = sipp(kefu.sip, run).await;
    assert!(
        out.status.success(),
        "legitimate calls failed during the flood: {}",
        explain(&out)
    );
    let (status, flooded_for) = flood.await.unwrap();
    status.expect("sipp floods");

    // Each of the 20 legitimate INVITEs started one call; the rest came from the flood, which
    // the limiter held to its rate while it lasted (a slow machine only makes the bound
    // larger). Without the limiter, most of the 1,000 INVITEs would have started calls.
    let flood_started = started() - started_before - 20;
    let bound = 2 * PER_SEC + PER_SEC * (flooded_for.as_secs() + 1);
    assert!(
        flood_started > 0,
        "the flood was refused before the limiter (is 127.0.0.3 admitted?)"
    );
    assert!(
        flood_started <= bound,
        "{flood_started} calls started from the flooding address in {flooded_for:?}, \
         more than the limit allows ({bound})"
    );
    assert!(limited() > limited_before, "the limiter refused nothing");
    kefu.records(21).await;
}

// Digest-authenticated trunks: `digest_sipp.rs` (SIPp's own `[authentication]` answers for
// `sip:<host>:<port>`, not the Request-URI, so those tests compute the answers themselves).

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pressing_3_transfers_to_an_external_number_through_the_outbound_trunk() {
    let kefu = start(Db::Sqlite, 0).await;
    // The carrier's far end: SIPp's built-in UAS, echoing RTP.
    let uas_port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = kefu
        .app
        .call(
            Method::POST,
            "/api/v1/outbound-trunks",
            Some(&kefu.token),
            Some(json!({"name": "Carrier out", "proxy": format!("127.0.0.1:{uas_port}")})),
        )
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);
    let far_end = tokio::spawn(
        Command::new("sipp")
            .args([
                "-sn",
                "uas",
                "-i",
                "127.0.0.1",
                "-bind_local",
                "-p",
                &uas_port.to_string(),
            ])
            .args(["-mp", &media_port().to_string(), "-rtp_echo"])
            .args(["-m", "1", "-timeout", "60s", "-timeout_error", "-nostdin"])
            .current_dir(std::env::temp_dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output(),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let out = sipp(kefu.sip, Run::new("press_then_bye.xml").key('3')).await;
    assert!(out.status.success(), "caller: {}", explain(&out));
    let far = far_end.await.unwrap().unwrap();
    assert!(
        far.status.success(),
        "far end (answered, then our BYE): {}",
        explain(&far)
    );
    let call = &kefu.records(1).await[0];
    assert_eq!(call["disposition"], "transferred", "{call}");
    assert_eq!(call["hangup_by"], "caller", "{call}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_run_on_postgres_too() {
    let kefu = start(Db::Postgres, 0).await;
    let out = sipp(kefu.sip, Run::new("press_then_server_bye.xml").key('9')).await;
    assert!(out.status.success(), "{}", explain(&out));
    let call = &kefu.records(1).await[0];
    assert_eq!(call["disposition"], "ended_in_ivr", "{call}");
}

/// The call record's duration in milliseconds (answer to end).
fn answered_for_ms(call: &Value) -> i64 {
    let at = |k: &str| {
        chrono::DateTime::parse_from_rfc3339(call[k].as_str().unwrap_or_default())
            .unwrap_or_else(|e| panic!("{k}: {e} in {call}"))
    };
    (at("ended_at") - at("answered_at")).num_milliseconds()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_stops_refreshing_its_session_timer_is_hung_up() {
    // Two-second minimum so the test takes seconds; production keeps RFC 4028's 90.
    let kefu = start_with(Db::Sqlite, |c| c.session_min_se_secs = 2).await;
    let mut run = Run::new("session_timer_uac.xml");
    // Interval 6 s: without a refresh the session ends 4 s after the answer. The caller
    // refreshes at 2 s and at 5 s (after the first deadline, so the first refresh counted),
    // then goes silent: Kefu's BYE comes at 5 + 4 s.
    run.replace.push(("@SE@", "6".into()));
    run.replace.push(("@REFRESH_1@", "2000".into()));
    run.replace.push(("@REFRESH_2@", "3000".into()));
    run.replace.push(("@BYE_WAIT@", "10000".into()));
    let out = sipp(kefu.sip, run).await;
    assert!(out.status.success(), "{}", explain(&out));
    let records = kefu.records(1).await;
    let call = &records[0];
    assert_eq!(call["hangup_by"], "system", "{call}");
    assert!(
        call["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("session timer expired"),
        "{call}"
    );
    // Both refreshes moved the deadline: the call outlived the 4 s and 6 s deadlines.
    assert!(answered_for_ms(call) >= 8_000, "{call}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kefu_refreshes_a_session_the_caller_cannot_and_ends_it_when_a_refresh_fails() {
    let kefu = start_with(Db::Sqlite, |c| c.session_min_se_secs = 2).await;
    let mut run = Run::new("session_timer_uas.xml");
    // No `Supported: timer` from the caller: Kefu refreshes with UPDATE every 2 s; the
    // caller answers the first and refuses the second (503).
    run.replace.push(("@SE@", "4".into()));
    run.replace.push(("@UPDATE_WAIT@", "5000".into()));
    run.replace.push(("@BYE_WAIT@", "5000".into()));
    let out = sipp(kefu.sip, run).await;
    assert!(out.status.success(), "{}", explain(&out));
    let records = kefu.records(1).await;
    let call = &records[0];
    assert_eq!(call["hangup_by"], "system", "{call}");
    let reason = call["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("session refresh failed") && reason.contains("503"),
        "{call}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_intervals_below_the_minimum_or_malformed_are_refused() {
    let kefu = start(Db::Sqlite, 0).await;
    let mut run = Run::new("refused.xml");
    run.replace.push(("@EXTRA@", "Session-Expires: 30".into()));
    run.replace.push(("@EXPECTED@", "422".into()));
    run.replace.push((
        "@CHECK@",
        r#"<action><ereg regexp="^ *90" search_in="hdr" header="Min-SE:" check_it="true" assign_to="min"/></action>"#
            .into(),
    ));
    run.replace
        .push(("@REFERENCE@", r#"<Reference variables="min"/>"#.into()));
    let out = sipp(kefu.sip, run).await;
    assert!(out.status.success(), "too small: {}", explain(&out));
    let mut run = Run::new("refused.xml");
    run.replace
        .push(("@EXTRA@", "Session-Expires: soon".into()));
    run.replace.push(("@EXPECTED@", "400".into()));
    let out = sipp(kefu.sip, run).await;
    assert!(out.status.success(), "malformed: {}", explain(&out));
    // Refused before anything started: no call records.
    let r = kefu.app.get("/api/v1/calls", &kefu.token).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 0, "{:?}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn early_media_rings_with_a_183_and_our_sdp() {
    let kefu = start_with(Db::Sqlite, |c| {
        c.ring_before_answer_ms = 1_500;
        c.early_media = true;
    })
    .await;
    let out = sipp(kefu.sip, Run::new("early_media.xml")).await;
    assert!(out.status.success(), "{}", explain(&out));
    let records = kefu.records(1).await;
    let call = &records[0];
    assert_eq!(call["hangup_by"], "caller", "{call}");
    // The answer came after the ring time (the 183 carried the SDP meanwhile).
    let at = |k: &str| chrono::DateTime::parse_from_rfc3339(call[k].as_str().unwrap()).unwrap();
    assert!(
        (at("answered_at") - at("started_at")).num_milliseconds() >= 1_400,
        "{call}"
    );
}

/// SIPp as the carrier's registrar on a free port (`registrar.xml`: it challenges, checks
/// the digest against `password`, grants `grant` seconds, twice), and an outbound trunk of
/// the tenant registering there with `our_password`. Returns the trunk id and SIPp's run.
async fn registrar_and_trunk(
    kefu: &Kefu,
    password: &str,
    grant: &str,
    our_password: &str,
) -> (String, tokio::task::JoinHandle<std::io::Result<Output>>) {
    let port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let scenario = std::fs::read_to_string(scenarios().join("registrar.xml"))
        .unwrap()
        .replace("@USER@", "acme")
        .replace("@PASSWORD@", password)
        .replace("@GRANT@", grant);
    let file = dir.path().join("registrar.xml");
    std::fs::write(&file, scenario).unwrap();
    let registrar = tokio::spawn(async move {
        let out = Command::new("sipp")
            .arg("-sf")
            .arg(&file)
            .args(["-i", "127.0.0.1", "-bind_local", "-p", &port.to_string()])
            .args(["-m", "1", "-timeout", "40s", "-timeout_error", "-nostdin"])
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .await;
        drop(dir);
        out
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = kefu
        .app
        .call(
            Method::POST,
            "/api/v1/outbound-trunks",
            Some(&kefu.token),
            Some(
                json!({"name": "Registered carrier", "proxy": format!("127.0.0.1:{port}"),
                "username": "acme", "password": our_password,
                "register": true, "register_expiry": 60}),
            ),
        )
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);
    (r.body["id"].as_str().unwrap().to_owned(), registrar)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outbound_trunk_registers_with_digest_and_refreshes_before_expiry() {
    let kefu = start(Db::Sqlite, 0).await;
    // A 2 s grant: the second challenged round is our refresh (at 75 % of the grant).
    let (id, registrar) = registrar_and_trunk(&kefu, "s3cret-pw", "2", "s3cret-pw").await;
    let out = registrar.await.unwrap().unwrap();
    assert!(out.status.success(), "registrar: {}", explain(&out));
    // The API shows the binding the registrar granted.
    let r = kefu
        .app
        .get(&format!("/api/v1/outbound-trunks/{id}"), &kefu.token)
        .await;
    let status = &r.body["registration_status"];
    assert_eq!(status["state"], "registered", "{}", r.body);
    assert!(status["expires_at"].is_string(), "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_registration_is_shown_with_the_carriers_answer() {
    let kefu = start(Db::Sqlite, 0).await;
    // The registrar expects another password: our digest is refused with 403.
    let (id, registrar) = registrar_and_trunk(&kefu, "the-right-one", "60", "a-wrong-one").await;
    let mut last = Value::Null;
    for _ in 0..150 {
        last = kefu
            .app
            .get(&format!("/api/v1/outbound-trunks/{id}"), &kefu.token)
            .await
            .body;
        if last["registration_status"]["state"] == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = &last["registration_status"];
    assert_eq!(status["state"], "failed", "{last}");
    assert!(
        status["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("403"),
        "{last}"
    );
    // The registrar's run fails on purpose (it refused us); it only has to have run.
    let _ = registrar.await;
}
