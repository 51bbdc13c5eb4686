//! Digest authentication of inbound trunks over the wire: SIPp plays a carrier that
//! authenticates by username and password from an address no trunk lists, against the server's
//! SIP edge on 127.0.0.1. An answer (`Authorization`) is good for one request to one
//! Request-URI: sent again on a new call, or to another number, it opens nothing; an answer on
//! an expired nonce gets `stale=true`.
//!
//! The test computes the answers (MD5, `qop=auth`) for the nonce Kefu's 401 carried: SIPp's own
//! `[authentication]` puts `sip:<host>:<port>` in `uri` rather than the Request-URI, which Kefu
//! rightly refuses. Scenarios: `tests/sipp/` (see its README).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use axum::http::{Method, StatusCode};
use common::{Db, TestApp};
use serde_json::{Value, json};
use tokio::process::Command;

const NUMBER: &str = "+15555550123";
const OTHER_NUMBER: &str = "+15555550124";
const USER: &str = "carrier7";
const PASSWORD: &str = "amber-falcon-93";
/// An address no trunk lists: only the credentials admit it.
const SOURCE: &str = "127.0.0.4";

struct Kefu {
    app: TestApp,
    token: String,
    sip: SocketAddr,
    _telephony: kefu_server::telephony::Telephony,
}

/// A server with telephony on 127.0.0.1 whose nonces live `nonce_secs`, and a tenant with a
/// digest trunk and two numbers ringing a queue.
async fn start(nonce_secs: u32) -> Kefu {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let app = TestApp::with_config(Db::Sqlite, |c| {
        c.sip_listen = "127.0.0.1:0".into();
        c.rtp_ports = "33000-33999".into();
        c.sip_digest_nonce_secs = nonce_secs;
    })
    .await;
    let telephony = kefu_server::telephony::start(&app.state)
        .await
        .unwrap()
        .expect("telephony on");
    let sip = telephony.edge.udp_addr();
    let (token, _) = app.signup("Digest Co", "owner@digest.test").await;
    let post = |path: &'static str, body: Value| {
        let (app, token) = (&app, token.clone());
        async move {
            let r = app.call(Method::POST, path, Some(&token), Some(body)).await;
            assert!(r.status.is_success(), "{path}: {:?}", r.body);
            r.body
        }
    };
    let queue = post(
        "/api/v1/queues",
        json!({"name": "Support", "service_level": {"percent": 80, "within": 20000},
            "ring_timeout": 15000, "after_call_work": 30000, "expected_handle_time": 180000,
            "max_wait": 60000}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    post(
        "/api/v1/inbound-trunks",
        json!({"name": "Digest carrier", "sources": [],
            "digest_username": USER, "digest_password": PASSWORD}),
    )
    .await;
    for number in [NUMBER, OTHER_NUMBER] {
        post(
            "/api/v1/numbers",
            json!({"number": number, "entry": {"kind": "queue", "queue": queue}}),
        )
        .await;
    }
    Kefu {
        app,
        token,
        sip,
        _telephony: telephony,
    }
}

impl Kefu {
    async fn records(&self) -> Vec<Value> {
        let r = self.app.get("/api/v1/calls", &self.token).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        r.body["items"].as_array().cloned().unwrap_or_default()
    }

    /// The call records, once `n` are there.
    async fn wait_records(&self, n: usize) -> Vec<Value> {
        for _ in 0..200 {
            let items = self.records().await;
            if items.len() >= n {
                return items;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("fewer than {n} call records after 20 s");
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

/// One SIPp run of `scenario` from [`SOURCE`] to `number`, with the placeholders replaced.
/// Returns the run and the SIP messages SIPp sent and received (its `-trace_msg` log).
async fn sipp(
    target: SocketAddr,
    scenario: &str,
    number: &str,
    replace: &[(&str, &str)],
) -> (Output, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut text = std::fs::read_to_string(scenarios().join(scenario)).unwrap();
    for (from, to) in replace {
        text = text.replace(from, to);
    }
    text = text
        .replace("@EXTRA@", "X-Kefu-Test: plain")
        .replace("@CHECK@", "")
        .replace("@REFERENCE@", "");
    let file = dir.path().join(scenario);
    std::fs::write(&file, text).unwrap();
    let trace = dir.path().join("messages.log");
    let out = Command::new("sipp")
        .arg(target.to_string())
        .arg("-sf")
        .arg(&file)
        .args(["-s", number, "-i", SOURCE, "-bind_local", "-p", "0"])
        .args(["-mp", &media_port().to_string()])
        .args(["-m", "1", "-timeout", "60s", "-timeout_error", "-nostdin"])
        .arg("-trace_msg")
        .arg("-message_file")
        .arg(&trace)
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .await
        .expect("sipp runs (install Debian's sip-tester)");
    let messages = read_trace(&trace);
    (out, messages)
}

fn read_trace(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn explain(out: &Output, messages: &str) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let tail: Vec<&str> = stdout.lines().rev().take(30).collect();
    format!(
        "exit {:?}\n{}\n{}\nmessages:\n{messages}",
        out.status.code(),
        tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The nonce of the last challenge SIPp received.
fn last_nonce(messages: &str) -> String {
    let header = messages
        .lines()
        .rfind(|l| l.starts_with("WWW-Authenticate:"))
        .unwrap_or_else(|| panic!("no challenge received:\n{messages}"));
    header
        .split("nonce=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no nonce in {header}"))
        .to_owned()
}

fn md5_hex(text: &str) -> String {
    use md5::{Digest, Md5};
    hex::encode(Md5::digest(text.as_bytes()))
}

/// The `Authorization` header a carrier computes for an INVITE to `number` at `kefu` on
/// `nonce`, its `nc`-th use (RFC 2617, MD5, `qop=auth`).
fn authorization(kefu: &Kefu, number: &str, nonce: &str, nc: u32, password: &str) -> String {
    let uri = format!("sip:{number}@{}", kefu.sip);
    let nc = format!("{nc:08x}");
    let cnonce = "0a4f113b";
    let ha1 = md5_hex(&format!("{USER}:kefu:{password}"));
    let ha2 = md5_hex(&format!("INVITE:{uri}"));
    let response = md5_hex(&format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"));
    format!(
        "Authorization: Digest username=\"{USER}\", realm=\"kefu\", nonce=\"{nonce}\", \
         uri=\"{uri}\", response=\"{response}\", algorithm=MD5, qop=auth, nc={nc}, \
         cnonce=\"{cnonce}\""
    )
}

/// An INVITE without credentials: Kefu challenges it; returns the nonce.
async fn challenge(kefu: &Kefu) -> String {
    let messages = exchange(kefu, NUMBER, "X-Kefu-Test: no credentials", "401").await;
    last_nonce(&messages)
}

/// A call to `number` whose INVITE carries `authorization`; it must be answered and end.
async fn call(kefu: &Kefu, number: &str, authorization: &str) {
    let (out, messages) = sipp(
        kefu.sip,
        "authorized_call.xml",
        number,
        &[("@EXTRA@", authorization)],
    )
    .await;
    assert!(out.status.success(), "{}", explain(&out, &messages));
}

/// A single INVITE carrying `extra` to `number`, expecting `status` (then ACKed). A 401 must
/// bring a challenge. Returns the messages.
async fn exchange(kefu: &Kefu, number: &str, extra: &str, status: &str) -> String {
    let check = if status == "401" {
        r#"<action><ereg regexp="nonce=" search_in="hdr" header="WWW-Authenticate:" check_it="true" assign_to="nonce"/></action>"#
    } else {
        ""
    };
    let reference = if status == "401" {
        r#"<Reference variables="nonce"/>"#
    } else {
        ""
    };
    let (out, messages) = sipp(
        kefu.sip,
        "refused.xml",
        number,
        &[
            ("@EXTRA@", extra),
            ("@EXPECTED@", status),
            ("@CHECK@", check),
            ("@REFERENCE@", reference),
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{extra} to {number}, expecting {status}: {}",
        explain(&out, &messages)
    );
    messages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answered_calls_authorization_opens_no_new_call_and_no_other_number() {
    let kefu = start(300).await;
    let nonce = challenge(&kefu).await;
    let first = authorization(&kefu, NUMBER, &nonce, 1, PASSWORD);
    call(&kefu, NUMBER, &first).await;
    assert_eq!(kefu.wait_records(1).await.len(), 1);
    // The same answer on a new call to the same number: its nonce-count was used, so it is
    // challenged again (with a fresh nonce), not admitted.
    exchange(&kefu, NUMBER, &first, "401").await;
    // And on a call to another number of the same trunk: computed for another Request-URI.
    exchange(&kefu, OTHER_NUMBER, &first, "403").await;
    // The carrier itself may reuse the nonce with a higher count.
    call(
        &kefu,
        NUMBER,
        &authorization(&kefu, NUMBER, &nonce, 2, PASSWORD),
    )
    .await;
    assert_eq!(kefu.wait_records(2).await.len(), 2);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(kefu.records().await.len(), 2, "only the two answered calls");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_for_one_number_do_not_open_another_even_on_an_unused_nonce() {
    let kefu = start(300).await;
    let nonce = challenge(&kefu).await;
    let for_number = authorization(&kefu, NUMBER, &nonce, 1, PASSWORD);
    // A correct answer on a fresh, unused nonce: only the `uri` check stands between it and a
    // call to another number.
    exchange(&kefu, OTHER_NUMBER, &for_number, "403").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(kefu.records().await.is_empty());
    // It was a good answer for its own number.
    call(&kefu, NUMBER, &for_number).await;
    assert_eq!(kefu.wait_records(1).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_on_an_expired_nonce_is_challenged_with_stale_true_then_admitted() {
    // Nonces live 2 s; the answer comes 4 s after the challenge (stale whatever the second
    // boundaries), the next one at once.
    let kefu = start(2).await;
    let nonce = challenge(&kefu).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let late = authorization(&kefu, NUMBER, &nonce, 1, PASSWORD);
    let messages = exchange(&kefu, NUMBER, &late, "401").await;
    let challenge = messages
        .lines()
        .find(|l| l.starts_with("WWW-Authenticate:"))
        .unwrap_or_default();
    assert!(challenge.contains("stale=true"), "{challenge}");
    let fresh = last_nonce(&messages);
    assert_ne!(fresh, nonce);
    call(
        &kefu,
        NUMBER,
        &authorization(&kefu, NUMBER, &fresh, 1, PASSWORD),
    )
    .await;
    assert_eq!(kefu.wait_records(1).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_on_an_expired_nonce_is_refused_not_called_stale() {
    let kefu = start(2).await;
    let nonce = challenge(&kefu).await;
    let first = exchange(&kefu, NUMBER, "X-Kefu-Test: no credentials", "401").await;
    assert!(
        !first.contains("stale=true"),
        "a first challenge is not stale"
    );
    tokio::time::sleep(Duration::from_secs(4)).await;
    let wrong = authorization(&kefu, NUMBER, &nonce, 1, "a-wrong-guess-7");
    let messages = exchange(&kefu, NUMBER, &wrong, "403").await;
    assert!(!messages.contains("stale=true"), "{messages}");
}
