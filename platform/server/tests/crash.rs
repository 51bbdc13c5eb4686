//! No call vanishes in a crash: the real `kefu` binary takes SIPp calls to the demo number,
//! is killed with SIGKILL while they are up, and starts again on the same data directory. Every
//! call it had answered then has a detail record (disposition `interrupted`, ended at its last
//! logged event) and a `call.ended` event, derived from the event log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_kefu");
const CALLS: usize = 5;

fn free_port() -> u16 {
    // A port free for both UDP and TCP right now (SIP listens on both).
    loop {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = tcp.local_addr().unwrap().port();
        if std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

fn start(dir: &Path, http: u16, sip: u16) -> Child {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{http}")])
        .args(["--sip-listen", &format!("127.0.0.1:{sip}")])
        .arg("--data-dir")
        .arg(dir)
        .arg("--web-dir")
        .arg(dir.join("no-web"))
        .env("KEFU_LOG", "warn")
        .env("KEFU_NODE_NAME", "crash-test-node")
        .env("KEFU_RTP_PORTS", "31000-31999")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) if line.starts_with("Kefu is ready") => return child,
            Ok(_) => {}
            Err(_) => panic!("kefu did not become ready"),
        }
    }
}

async fn admin_token(http: &reqwest::Client, base: &str, dir: &Path) -> String {
    let creds: Value =
        serde_json::from_slice(&std::fs::read(dir.join("demo-credentials.json")).unwrap()).unwrap();
    let admin = &creds["users"][0];
    let session: Value = http
        .post(format!("{base}/api/v1/sessions"))
        .json(&json!({"email": admin["email"], "password": admin["password"], "tenant": "demo"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    session["access_token"]
        .as_str()
        .expect("logged in")
        .to_owned()
}

async fn get(http: &reqwest::Client, base: &str, path: &str, token: &str) -> Value {
    http.get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_up_when_the_server_is_killed_get_their_records_at_the_next_start() {
    kefu_server::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let (http_port, sip_port) = (free_port(), free_port());
    let base = format!("http://127.0.0.1:{http_port}");
    let mut kefu = start(dir.path(), http_port, sip_port);
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/sipp/long_call.xml");
    let mut sipp = Command::new("sipp")
        .arg(format!("127.0.0.1:{sip_port}"))
        .arg("-sf")
        .arg(&scenario)
        .args([
            "-s",
            "+15555550100",
            "-i",
            "127.0.0.1",
            "-p",
            "0",
            "-mp",
            "32000",
        ])
        .args([
            "-m",
            &CALLS.to_string(),
            "-l",
            &CALLS.to_string(),
            "-r",
            "10",
        ])
        .args(["-timeout", "120s", "-nostdin", "-trace_err"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sipp runs (install Debian's sip-tester)");

    let http = reqwest::Client::new();
    let token = admin_token(&http, &base, dir.path()).await;
    // Wait until Kefu has answered every call and queued it (logged).
    let mut answered = 0;
    for _ in 0..300 {
        let page = get(&http, &base, "/api/v1/events?type=call.queued", &token).await;
        answered = page["items"].as_array().map_or(0, Vec::len);
        if answered == CALLS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(answered, CALLS, "every call was queued before the kill");
    let page = get(&http, &base, "/api/v1/calls", &token).await;
    assert_eq!(
        page["items"].as_array().unwrap().len(),
        0,
        "no call has ended yet"
    );

    kefu.kill().unwrap(); // SIGKILL: no graceful anything
    kefu.wait().unwrap();
    let _ = sipp.kill();
    let _ = sipp.wait();

    let mut kefu = start(dir.path(), http_port, sip_port);
    let token = admin_token(&http, &base, dir.path()).await;
    let page = get(&http, &base, "/api/v1/calls?limit=50", &token).await;
    let records = page["items"].as_array().unwrap();
    assert_eq!(records.len(), CALLS, "one record per call: {page}");
    for r in records {
        assert_eq!(r["disposition"], "interrupted", "{r}");
        assert_eq!(r["hangup_by"], "system", "{r}");
        assert_eq!(
            r["queue"], r["entry"]["queue"],
            "{r}: the queue it waited in"
        );
        assert!(!r["answered_at"].is_null(), "{r}");
        assert!(r["reason"].as_str().unwrap().contains("stopped"), "{r}");
    }
    let ended = get(&http, &base, "/api/v1/events?type=call.ended", &token).await;
    assert_eq!(ended["items"].as_array().unwrap().len(), CALLS, "{ended}");
    // Consistency: each record is its call.ended event's.
    for e in ended["items"].as_array().unwrap() {
        let call = e["data"]["call"].as_str().unwrap();
        let record = get(&http, &base, &format!("/api/v1/calls/{call}"), &token).await;
        assert_eq!(record["disposition"], e["data"]["disposition"], "{record}");
        assert_eq!(record["caller"], e["data"]["caller"], "{record}");
    }
    // A third start finds nothing left open.
    kefu.kill().unwrap();
    kefu.wait().unwrap();
    let mut kefu = start(dir.path(), http_port, sip_port);
    let token = admin_token(&http, &base, dir.path()).await;
    let page = get(&http, &base, "/api/v1/calls?limit=50", &token).await;
    assert_eq!(page["items"].as_array().unwrap().len(), CALLS);
    kefu.kill().unwrap();
    kefu.wait().unwrap();
}
