//! A caller on another address reaches Kefu listening on the wildcard (`0.0.0.0`) with the
//! default configuration: the 200's Contact and SDP `c=` carry the address the caller reached
//! us at (not `0.0.0.0`, not 127.0.0.1), so its ACK, RTP and BYE arrive.
//!
//! The caller is SIPp in a network namespace this test creates (`kefu-test-<pid>`), joined to
//! the host by a veth pair on 10.233.<n>.0/30. Needs root and `ip`; without them the test is
//! skipped with a message — except in CI (`CI=true` or `KEFU_E2E_REQUIRE=1`), where it fails.
//! The namespace and its link are removed however the test ends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

use axum::http::{Method, StatusCode};
use common::{Db, TestApp};
use serde_json::{Value, json};

const NUMBER: &str = "+15555550123";

/// A network namespace with one veth link to the host; deleted on drop.
struct Namespace {
    name: String,
    host_link: String,
    host: Ipv4Addr,
    inside: Ipv4Addr,
}

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("ip {}: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl Namespace {
    fn create() -> Result<Namespace, String> {
        let pid = std::process::id();
        let net = (pid % 200 + 20) as u8;
        let ns = Namespace {
            name: format!("kefu-test-{pid}"),
            // Interface names are at most 15 bytes.
            host_link: format!("kfh{}", pid % 1_000_000),
            host: Ipv4Addr::new(10, 233, net, 1),
            inside: Ipv4Addr::new(10, 233, net, 2),
        };
        let inner_link = format!("kfn{}", pid % 1_000_000);
        ip(&["netns", "add", &ns.name])?;
        // From here on, dropping `ns` cleans up whatever was made.
        ip(&[
            "link",
            "add",
            &ns.host_link,
            "type",
            "veth",
            "peer",
            "name",
            &inner_link,
        ])?;
        ip(&["link", "set", &inner_link, "netns", &ns.name])?;
        ip(&[
            "addr",
            "add",
            &format!("{}/30", ns.host),
            "dev",
            &ns.host_link,
        ])?;
        ip(&["link", "set", &ns.host_link, "up"])?;
        let inside = |args: &[&str]| {
            let mut all = vec!["netns", "exec", ns.name.as_str(), "ip"];
            all.extend_from_slice(args);
            ip(&all)
        };
        inside(&[
            "addr",
            "add",
            &format!("{}/30", ns.inside),
            "dev",
            &inner_link,
        ])?;
        inside(&["link", "set", &inner_link, "up"])?;
        inside(&["link", "set", "lo", "up"])?;
        Ok(ns)
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        // Deleting the namespace deletes its end of the pair and with it the host end.
        let _ = ip(&["netns", "del", &self.name]);
        let _ = ip(&["link", "del", &self.host_link]);
    }
}

/// Whether this run may skip what it cannot set up (outside CI).
fn may_skip() -> bool {
    let set = |k: &str, v: &str| std::env::var(k).is_ok_and(|x| x == v);
    !(set("CI", "true") || set("KEFU_E2E_REQUIRE", "1"))
}

/// Why the test cannot run here, if it cannot.
fn missing_prerequisite() -> Option<String> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !root {
        return Some("not root (network namespaces need CAP_NET_ADMIN)".into());
    }
    if Command::new("ip").arg("-V").output().is_err() {
        return Some("`ip` (iproute2) is not installed".into());
    }
    if Command::new("sipp").arg("-v").output().is_err() {
        return Some("`sipp` (Debian's sip-tester) is not installed".into());
    }
    None
}

fn scenarios() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/sipp")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_on_another_address_gets_an_address_it_can_reach() {
    if let Some(why) = missing_prerequisite() {
        assert!(may_skip(), "required in CI, but {why}");
        eprintln!("SKIPPED a_caller_on_another_address_gets_an_address_it_can_reach: {why}");
        return;
    }
    let ns = match Namespace::create() {
        Ok(ns) => ns,
        Err(e) => {
            assert!(may_skip(), "required in CI: creating the namespace: {e}");
            eprintln!("SKIPPED: cannot create a network namespace: {e}");
            return;
        }
    };
    // The default configuration's wildcard listen; nothing advertised by hand.
    let app = TestApp::with_config(Db::Sqlite, |c| {
        c.sip_listen = "0.0.0.0:0".into();
        c.rtp_ports = "34000-34999".into();
    })
    .await;
    let telephony = kefu_server::telephony::start(&app.state)
        .await
        .unwrap()
        .expect("telephony on");
    let port = telephony.edge.udp_addr().port();
    let (token, _) = app.signup("Far Co", "owner@far.test").await;
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
        json!({"name": "Far carrier", "sources": [ns.inside.to_string()]}),
    )
    .await;
    post(
        "/api/v1/numbers",
        json!({"number": NUMBER, "entry": {"kind": "queue", "queue": queue}}),
    )
    .await;

    let dir = tempfile::tempdir().unwrap();
    let host = ns.host.to_string();
    let text = std::fs::read_to_string(scenarios().join("reachable_call.xml"))
        .unwrap()
        .replace("@ADDR@", &host.replace('.', "\\."))
        .replace("@DTMF@", "/usr/share/sip-tester/dtmf_2833_1.pcap");
    let file = dir.path().join("reachable_call.xml");
    std::fs::write(&file, text).unwrap();
    let trace = dir.path().join("messages.log");
    let target = SocketAddr::from((ns.host, port)).to_string();
    let inside = ns.inside.to_string();
    let out: Output = tokio::process::Command::new("ip")
        .args(["netns", "exec", &ns.name, "sipp", &target, "-sf"])
        .arg(&file)
        .args(["-s", NUMBER, "-i", &inside, "-p", "5060", "-mp", "6000"])
        .args(["-m", "1", "-timeout", "60s", "-timeout_error", "-nostdin"])
        .arg("-trace_msg")
        .arg("-message_file")
        .arg(&trace)
        .current_dir(dir.path())
        .output()
        .await
        .unwrap();
    let messages = std::fs::read_to_string(&trace).unwrap_or_default();
    assert!(
        out.status.success(),
        "the call from {inside} to {target}: {}\n{}\nmessages:\n{messages}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !messages.contains("0.0.0.0"),
        "a wildcard was advertised:\n{messages}"
    );
    // The call completed: BYE from the caller reached the dialog, and the key sent as RTP to
    // the SDP address was heard.
    let mut record = Value::Null;
    for _ in 0..200 {
        let r = app.get("/api/v1/calls", &token).await;
        assert_eq!(r.status, StatusCode::OK);
        if let Some(first) = r.body["items"].get(0) {
            record = first.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(record["hangup_by"], "caller", "{record}");
    assert!(record["answered_at"].is_string(), "{record}");
    let received = record["media"]["packets_received"].as_u64().unwrap_or(0);
    assert!(
        received > 0,
        "no RTP reached the advertised address: {record}"
    );
    drop(telephony);
    drop(ns);
}
