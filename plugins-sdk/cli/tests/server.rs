//! The CLI against a real Kefu server (started in-process on a loopback port, on SQLite and on
//! PostgreSQL): login → publish → versions → install → invoke → logs → replay, with the session
//! kept in a 0600 file and refreshed through the server's refresh endpoint.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::*;
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

struct Server {
    base: String,
    _dir: tempfile::TempDir,
}

async fn start(postgres: bool) -> Server {
    kefu_server::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let mut config = kefu_server::config::Config {
        data_dir: dir.path().to_path_buf(),
        web_dir: dir.path().join("no-web"),
        demo: false,
        ..Default::default()
    };
    if postgres {
        config.database_url = kefu_store::testing::fresh_postgres().await;
    }
    let state = kefu_server::app::build_state(config, None).await.unwrap();
    let router = kefu_server::app::router(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    Server {
        base: format!("http://{addr}"),
        _dir: dir,
    }
}

/// Runs the binary off the async workers (the server runs on them).
async fn cli(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let dir = dir.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        kefu_plugin(&dir, &args, &env)
    })
    .await
    .unwrap()
}

fn credentials_file(config: &Path) -> PathBuf {
    config.join("kefu-plugin/credentials.json")
}

async fn end_to_end(postgres: bool) {
    let server = start(postgres).await;
    let http = reqwest::Client::new();
    let signup = http
        .post(format!("{}/api/v1/signup", server.base))
        .json(&json!({"company": "Plugin Works", "name": "Dev Eloper",
                      "email": "dev@plugin.example", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), 201, "{:?}", signup.text().await);
    let work = tempfile::tempdir().unwrap();
    let d = work.path();
    let config = d.join("config");
    let xdg = ("XDG_CONFIG_HOME", config.to_str().unwrap());

    // A wrong password is refused readably and keeps nothing.
    let run = cli(
        d,
        &[
            "login",
            "--server",
            &server.base,
            "--email",
            "dev@plugin.example",
        ],
        &[xdg, ("KEFU_PASSWORD", "wrong password")],
    )
    .await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("401"), "{}", run.all());
    assert!(
        run.stderr.contains("the e-mail or password is wrong"),
        "{}",
        run.all()
    );
    assert!(!credentials_file(&config).exists());

    let run = cli(
        d,
        &[
            "login",
            "--server",
            &server.base,
            "--email",
            "dev@plugin.example",
        ],
        &[xdg, ("KEFU_PASSWORD", PASSWORD)],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.all());
    let file = credentials_file(&config);
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let kept = std::fs::read_to_string(&file).unwrap();
    assert!(!kept.contains(PASSWORD));
    let kept: Value = serde_json::from_str(&kept).unwrap();
    let first_refresh = kept["refresh_token"].as_str().unwrap().to_owned();

    // Publish the misbehave guest.
    let manifest = misbehave_manifest(d);
    let component = guest("misbehave");
    let publish = [
        "publish",
        "--component",
        component.to_str().unwrap(),
        "--manifest",
        manifest.to_str().unwrap(),
    ];
    let run = cli(d, &publish, &[xdg]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("published misbehave@1.0.0 (ivr world"),
        "{}",
        run.all()
    );
    // Versions are immutable: the server's problem is shown with its title and detail.
    let run = cli(d, &publish, &[xdg]).await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("409"), "{}", run.all());

    let run = cli(d, &["versions", "misbehave"], &[xdg]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("NAME"), "{}", run.all());
    assert!(lines[1].starts_with("misbehave  1.0.0"), "{}", run.all());
    assert!(lines[1].contains("private"), "{}", run.all());
    let run = cli(d, &["versions", "nothing-here"], &[xdg]).await;
    assert!(
        run.stdout.contains("no versions of `nothing-here`"),
        "{}",
        run.all()
    );

    // An expired access token is renewed through the refresh endpoint, rotating the refresh
    // token kept in the file.
    let mut expired =
        serde_json::from_str::<Value>(&std::fs::read_to_string(&file).unwrap()).unwrap();
    expired["access_expires_at"] = json!(0);
    std::fs::write(&file, expired.to_string()).unwrap();
    let settings = write_json(d, "settings.json", &json!({"greeting": "hello"}));
    let run = cli(
        d,
        &[
            "install",
            "misbehave@1.0.0",
            "--config",
            settings.to_str().unwrap(),
        ],
        &[xdg],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.all());
    let installation = run
        .stdout
        .split("as installation ")
        .nth(1)
        .map(str::trim)
        .unwrap()
        .to_owned();
    let kept: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_ne!(kept["refresh_token"].as_str().unwrap(), first_refresh);
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // Installing what does not exist says so.
    let run = cli(d, &["install", "misbehave@9.9.9"], &[xdg]).await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("no version misbehave@9.9.9"),
        "{}",
        run.all()
    );

    // KEFU_SERVER + KEFU_TOKEN work without the file.
    let token = kept["access_token"].as_str().unwrap().to_owned();
    let nowhere = d.join("nowhere");
    let run = cli(
        d,
        &["versions"],
        &[
            ("XDG_CONFIG_HOME", nowhere.to_str().unwrap()),
            ("KEFU_SERVER", &server.base),
            ("KEFU_TOKEN", &token),
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("misbehave"), "{}", run.all());

    invoke_logs_and_replay(&server, d, xdg, &token, &installation).await;
}

/// Runs the installation through the server, then reads its log and replays it locally.
async fn invoke_logs_and_replay(
    server: &Server,
    d: &Path,
    xdg: (&str, &str),
    token: &str,
    installation: &str,
) {
    let http = reqwest::Client::new();
    let tested = http
        .post(format!(
            "{}/api/v1/plugin-installations/{installation}/test",
            server.base
        ))
        .bearer_auth(token)
        .json(&json!({"function": "on-event", "input": ivr_input(&[("behaviour", "kv"), ("op", "get"), ("key", "missing")])}))
        .send()
        .await
        .unwrap();
    let status = tested.status();
    let body: Value = tested.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status}: {body}");

    // The invocation log is written off the request path, in batches: the record appears
    // shortly after the test call returns. Look again for a while rather than race it.
    let mut listed = None;
    for _ in 0..100 {
        let run = cli(d, &["logs", "--installation", installation], &[xdg]).await;
        assert_eq!(run.code, 0, "{}", run.all());
        if let Some(line) = run.stdout.lines().find(|l| l.contains("misbehave@1.0.0")) {
            listed = Some(line.to_owned());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let row = listed.unwrap_or_else(|| panic!("no invocation listed within 10 s"));
    let id = row.split_whitespace().nth(1).unwrap().to_owned();
    assert!(row.contains("on-event"), "{row}");

    let run = cli(d, &["replay", &id], &[xdg]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("identical"), "{}", run.all());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_publish_install_invoke_logs_and_replay_on_sqlite() {
    end_to_end(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_publish_install_invoke_logs_and_replay_on_postgres() {
    end_to_end(true).await;
}
