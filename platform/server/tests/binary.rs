//! The real `kefu` binary: start-up on the embedded default, the operational endpoints, the
//! demo logins over real HTTP, graceful shutdown, and configuration errors naming the key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_kefu");

struct Server {
    child: Child,
    base: String,
    dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start() -> Server {
    start_with(&[])
}

/// [`start`] with more environment.
fn start_with(env: &[(&str, &str)]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(BIN)
        .envs(env.iter().copied())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--sip-listen", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(dir.path())
        .arg("--web-dir")
        .arg(dir.path().join("no-web"))
        .env("KEFU_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    // Wait for the readiness line on stdout.
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut output = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => {
                let ready = line.starts_with("Kefu is ready");
                output.push(line);
                if ready {
                    break;
                }
            }
            Err(_) => panic!("kefu did not become ready; output: {output:#?}"),
        }
    }
    assert!(
        output.iter().any(|l| l.contains("agent1@demo.kefu.test")),
        "demo logins printed: {output:#?}"
    );
    Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        dir,
    }
}

#[tokio::test]
async fn serves_the_embedded_default_and_stops_gracefully() {
    kefu_server::install_crypto_provider();
    let mut server = start();
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("{}{path}", server.base)).send();

    assert_eq!(get("/livez").await.unwrap().text().await.unwrap(), "ok");
    // Speech is tried at start-up (espeak-ng is installed by the test command).
    let mut ready: Value = json!(null);
    for _ in 0..100 {
        ready = get("/readyz").await.unwrap().json().await.unwrap();
        if ready["speech"] != "checking" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        ready,
        json!({"database": "ok", "object_store": "ok", "speech": "ok"})
    );
    let doc: Value = get("/api/openapi.json")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/me"].is_object());
    let docs = get("/api/docs/").await.unwrap();
    assert!(docs.status().is_success());
    assert!(
        docs.text().await.unwrap().contains("swagger"),
        "vendored Swagger UI is served"
    );
    let placeholder = get("/agent").await.unwrap().text().await.unwrap();
    assert!(placeholder.contains("web app has not been built"));

    // Log in as a demo agent with the credentials written to the data directory.
    let creds: Value = serde_json::from_slice(
        &std::fs::read(server.dir.path().join("demo-credentials.json")).unwrap(),
    )
    .unwrap();
    let agent = creds["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "agent1@demo.kefu.test")
        .unwrap();
    let session: Value = http
        .post(format!("{}/api/v1/sessions", server.base))
        .json(&json!({"email": agent["email"], "password": agent["password"], "tenant": "demo"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["access_token"].as_str().expect("logged in");
    let me = http
        .get(format!("{}/api/v1/me", server.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(
        me.headers().contains_key("x-request-id"),
        "request ids are propagated"
    );
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["user"]["role"], "agent");
    assert_eq!(me["tenant"]["slug"], "demo");

    let metrics = get("/metrics").await.unwrap().text().await.unwrap();
    assert!(metrics.contains("kefu_http_requests_total"), "{metrics}");
    assert!(
        metrics.contains("route=\"/api/v1/me\""),
        "labelled by route template"
    );

    // SIGTERM: the server finishes and exits cleanly.
    let pid = server.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = wait_exit(&mut server.child, Duration::from_secs(20));
    assert_eq!(status.code(), Some(0), "graceful shutdown exits 0");
}

fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + within;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(std::time::Instant::now() < deadline, "did not exit in time");
        std::thread::park_timeout(Duration::from_millis(50));
    }
}

#[test]
fn bad_configuration_stops_start_up_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    for (key, value, named) in [
        ("KEFU_LISTEN", "not-an-address", "listen"),
        ("KEFU_ACCESS_TOKEN_TTL_SECS", "5", "access_token_ttl_secs"),
        ("KEFU_OBJECT_STORE", "tape", "object_store"),
        ("KEFU_DATABASE_URL", "mysql://x", "database_url"),
    ] {
        let out = Command::new(BIN)
            .args(["serve", "--data-dir"])
            .arg(dir.path())
            .env(key, value)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{key}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(named), "{key}: {err}");
    }
}

#[test]
fn help_explains_every_command() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for cmd in ["serve", "migrate", "keys", "config"] {
        assert!(help.contains(cmd), "{cmd} missing from --help: {help}");
    }
    let out = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--data-dir",
        "--listen",
        "--database-url",
        "--web-dir",
        "--config",
    ] {
        assert!(help.contains(flag), "{flag} missing: {help}");
    }
}

#[test]
fn migrate_and_keys_commands_work() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(args)
            .arg("--data-dir")
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(run(&["migrate"]).contains("applied 10 migration"));
    assert!(run(&["migrate"]).contains("applied 0 migration"));
    let listed = run(&["keys", "list"]);
    assert_eq!(listed.lines().count(), 1);
    let rotated = run(&["keys", "rotate"]);
    assert!(rotated.contains("new signing key"));
    assert_eq!(
        run(&["keys", "list"]).lines().count(),
        2,
        "old key kept until its tokens expire"
    );
}

/// A missing synthesiser does not stop Kefu, but it is said: a start-up warning and a
/// `/readyz` detail naming the program and the fix (callers would hear no spoken prompts).
#[tokio::test]
async fn a_missing_speech_synthesiser_is_named_by_readyz() {
    kefu_server::install_crypto_provider();
    let server = start_with(&[("KEFU_TTS_PROGRAM", "/nonexistent/espeak-ng")]);
    let http = reqwest::Client::new();
    let mut ready: Value = json!(null);
    let mut status = 0;
    for _ in 0..100 {
        let r = http
            .get(format!("{}/readyz", server.base))
            .send()
            .await
            .unwrap();
        status = r.status().as_u16();
        ready = r.json().await.unwrap();
        if ready["speech"] != "checking" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200, "still ready: {ready}");
    let speech = ready["speech"].as_str().unwrap();
    assert!(
        speech.contains("/nonexistent/espeak-ng") && speech.contains("apt-get install espeak-ng"),
        "{speech}"
    );
}
