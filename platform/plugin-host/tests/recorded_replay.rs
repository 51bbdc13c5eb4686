//! Host answers kept in the invocation log, scripted HTTP, and replay against the recorded
//! answers, through the real `misbehave` and `crm-card` guests.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

mod common;

use std::sync::Arc;

use common::*;
use kefu_plugin_host::http::{HttpError, Method, Response};
use kefu_plugin_host::*;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Answers one HTTP request on loopback with `body`, then stops listening; returns the port.
async fn one_shot_server(body: &'static str) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 4096];
        let _ = socket.read(&mut buf).await.unwrap();
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nset-cookie: session=upstream-secret\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(response.as_bytes()).await.unwrap();
        // The listener drops here: a second request is refused.
    });
    port
}

fn ok(status: u16, body: &str) -> Result<Response, HttpError> {
    Ok(Response {
        status,
        headers: vec![("content-type".into(), "text/plain".into())],
        body: body.as_bytes().to_vec(),
    })
}

#[tokio::test]
async fn an_http_answer_is_recorded_and_replays_without_the_network() {
    let port = one_shot_server("hello").await;
    let (host, _) = host();
    let plugin = misbehave(&host, &format!("127.0.0.1:{port}"));
    let installation = installation();
    let url = format!("http://127.0.0.1:{port}/lookup");
    let call = behave(&host, &plugin, &installation, "http", &[("url", &url)]).await;
    assert_eq!(data_of(&call, "http.body").as_deref(), Some("hello"));

    let answer = call.invocation.host_calls[0].response.clone().unwrap();
    assert_eq!(answer["method"], "GET");
    assert_eq!(answer["url"], url.as_str());
    assert_eq!(answer["status"], 200);
    assert_eq!(answer["body"], "hello");
    // The upstream's cookie is not kept.
    let text = answer.to_string();
    assert!(!text.contains("upstream-secret"), "{text}");
    assert!(text.contains("<redacted>"), "{text}");

    // The record survives the JSON round trip the server's log makes.
    let stored: Invocation =
        serde_json::from_str(&serde_json::to_string(&call.invocation).unwrap()).unwrap();

    // The server is gone: replaying against the record still gives the same result...
    let replay = host
        .replay_with(&installation, &stored, HostAnswers::Recorded)
        .await
        .unwrap();
    assert!(replay.identical, "{:?}", replay.invocation);
    assert!(replay.unanswered.is_empty());
    assert_eq!(
        replay.invocation.host_calls[0].detail,
        stored.host_calls[0].detail
    );
    // ...while a live replay meets the closed port and differs.
    let live = host.replay(&installation, &stored).await.unwrap();
    assert!(!live.identical, "{:?}", live.invocation.outcome);
    assert!(
        live.invocation.host_calls[0].detail.contains("Transport"),
        "{}",
        live.invocation.host_calls[0].detail
    );
}

#[tokio::test]
async fn kv_reads_replay_in_a_host_whose_store_is_empty() {
    let (host, _) = host();
    let plugin = misbehave(&host, "127.0.0.1");
    let installation = installation();
    let set = [("op", "set"), ("key", "greeting"), ("value", "ni hao")];
    behave(&host, &plugin, &installation, "kv", &set).await;
    let get = behave(
        &host,
        &plugin,
        &installation,
        "kv",
        &[("op", "get"), ("key", "greeting")],
    )
    .await;
    assert_eq!(data_of(&get, "kv").as_deref(), Some("ni hao"));
    assert_eq!(
        get.invocation.host_calls[0].response,
        Some(json!({"key": "greeting", "value": "ni hao"}))
    );

    // Another process (the CLI) with a fresh store.
    let (fresh, _) = common::host();
    fresh
        .load(plugin.manifest().clone(), &guest("misbehave"))
        .unwrap();
    let replay = fresh
        .replay_with(&installation, &get.invocation, HostAnswers::Recorded)
        .await
        .unwrap();
    assert!(replay.identical, "{:?}", replay.invocation.outcome);
    let live = fresh.replay(&installation, &get.invocation).await.unwrap();
    assert!(!live.identical, "a live replay reads the empty store");
}

#[tokio::test]
async fn secrets_are_recorded_only_as_present_and_never_replayed_from_the_record() {
    let (host, _) = host();
    let plugin = misbehave(&host, "127.0.0.1");
    let mut with_secret = Installation::new(kefu_core::TenantId::new());
    with_secret
        .secrets
        .insert("token".into(), "s3cret-value".into());
    let with_secret = Arc::new(with_secret);
    let call = behave(&host, &plugin, &with_secret, "secret", &[("key", "token")]).await;
    assert_eq!(data_of(&call, "secret").as_deref(), Some("s3cret-value"));
    let host_call = &call.invocation.host_calls[0];
    assert_eq!(
        host_call.response,
        Some(json!({"key": "token", "present": true}))
    );
    // Nowhere in the record, whatever the guest did with it... except the guest's own output,
    // which is the plugin's responsibility; the host's part (host calls) holds no value.
    let calls = serde_json::to_string(&call.invocation.host_calls).unwrap();
    assert!(!calls.contains("s3cret-value"), "{calls}");

    // Replayed without the installation's secrets, the guest reads a placeholder and differs.
    let bare = Arc::new(Installation::new(with_secret.tenant));
    let replay = host
        .replay_with(&bare, &call.invocation, HostAnswers::Recorded)
        .await
        .unwrap();
    assert!(!replay.identical);
    assert_eq!(
        data_of_invocation(&replay.invocation, "secret").as_deref(),
        Some(secret_placeholder("token").as_str())
    );
    // Given the secret, it is identical.
    let replay = host
        .replay_with(&with_secret, &call.invocation, HostAnswers::Recorded)
        .await
        .unwrap();
    assert!(replay.identical, "{:?}", replay.invocation.outcome);
}

/// `key` in the first set-call-data action of a logged `{"Ok": [...]}` output.
fn data_of_invocation(invocation: &Invocation, key: &str) -> Option<String> {
    let Outcome::Returned(value) = &invocation.outcome else {
        return None;
    };
    value.value()["Ok"].as_array()?.iter().find_map(|action| {
        action["SetCallData"]
            .as_array()?
            .iter()
            .find(|pair| pair[0] == key)
            .and_then(|pair| pair[1].as_str().map(str::to_owned))
    })
}

#[tokio::test]
async fn config_settings_replay_from_the_record() {
    let (host, _) = host();
    let caps = json!({"config": true});
    let manifest: Manifest = serde_json::from_value(json!({
        "name": "crm-card", "version": "1.0.0", "world": "crm", "capabilities": caps,
    }))
    .unwrap();
    let plugin = host.load(manifest, &guest("crm_card")).unwrap();
    let mut configured = Installation::new(kefu_core::TenantId::new());
    configured
        .config
        .insert("customers".into(), json!({"+8613800138000": "Li Wei"}));
    let configured = Arc::new(configured);
    let context = context(&configured.tenant.to_string(), &[]);
    let call = host
        .crm_lookup(&plugin, &configured, "+8613800138000", &context)
        .await;
    assert!(matches!(&call.output, Some(Ok(Some(card))) if card.display_name == "Li Wei"));
    assert_eq!(
        call.invocation.host_calls[0].response,
        Some(json!({
            "key": "customers", "set": true, "value_json": r#"{"+8613800138000":"Li Wei"}"#
        }))
    );
    // The installation has since been reconfigured: the record still replays as it ran.
    let reconfigured = Arc::new(Installation::new(configured.tenant));
    let replay = host
        .replay_with(&reconfigured, &call.invocation, HostAnswers::Recorded)
        .await
        .unwrap();
    assert!(replay.identical, "{:?}", replay.invocation.outcome);
    let live = host.replay(&reconfigured, &call.invocation).await.unwrap();
    assert!(!live.identical);
}

#[tokio::test]
async fn scripted_http_answers_in_order_and_names_what_it_could_not_answer() {
    let (host, _) = host();
    let plugin = misbehave(&host, "crm.example.com");
    let installation = installation();
    let url = "http://crm.example.com/lookup";
    let script = Arc::new(ScriptedHttp::new(vec![
        ScriptedExchange::new(Method::Get, url, ok(200, "first")).unwrap(),
        ScriptedExchange::new(Method::Get, url, ok(503, "second")).unwrap(),
        ScriptedExchange::new(Method::Get, "http://crm.example.com/unused", ok(200, "")).unwrap(),
    ]));
    let scripted = host.with_services(script.clone(), Arc::new(KvStore::default()));
    let mut bodies = Vec::new();
    for _ in 0..3 {
        let call = behave(&scripted, &plugin, &installation, "http", &[("url", url)]).await;
        bodies.push(data_of(&call, "http.body").unwrap());
    }
    // In order, then the last answer again.
    assert_eq!(bodies, ["first", "second", "second"]);
    let other = "http://crm.example.com/other";
    let call = behave(&scripted, &plugin, &installation, "http", &[("url", other)]).await;
    let error = data_of(&call, "http.error").unwrap();
    assert!(error.contains("no scripted response for GET"), "{error}");
    assert_eq!(script.unmatched(), [format!("GET {other}")]);
    assert_eq!(script.unused(), ["GET http://crm.example.com/unused"]);
    // The allow-list still applies before the script.
    let call = behave(
        &scripted,
        &plugin,
        &installation,
        "http",
        &[("url", "http://elsewhere.example.com/")],
    )
    .await;
    assert!(
        data_of(&call, "http.error")
            .unwrap()
            .contains("HostNotAllowed")
    );
    assert_eq!(script.unmatched().len(), 1);
    // A URL that does not parse is refused when scripted.
    assert!(matches!(
        ScriptedExchange::new(Method::Get, "not a url", ok(200, "")),
        Err(ScriptError::InvalidUrl { .. })
    ));
}

#[tokio::test]
async fn records_that_cannot_answer_a_replay_say_which_call() {
    let (host, _) = host();
    let plugin = misbehave(&host, "crm.example.com");
    let installation = installation();
    let url = "http://crm.example.com/big";
    let big = "x".repeat(recorded::MAX_RECORDED_BODY + 10);
    let script = Arc::new(ScriptedHttp::new(vec![
        ScriptedExchange::new(Method::Get, url, ok(200, &big)).unwrap(),
    ]));
    let scripted = host.with_services(script, Arc::new(KvStore::default()));
    let call = behave(&scripted, &plugin, &installation, "http", &[("url", url)]).await;
    let answer = call.invocation.host_calls[0].response.clone().unwrap();
    assert_eq!(answer["truncated"], true);
    assert_eq!(answer["body_bytes"], big.len());
    assert_eq!(
        answer["body"].as_str().unwrap().len(),
        recorded::MAX_RECORDED_BODY
    );
    match host
        .replay_with(&installation, &call.invocation, HostAnswers::Recorded)
        .await
    {
        Err(ReplayError::Unanswerable {
            call: 0, interface, ..
        }) => assert_eq!(interface, "http"),
        other => panic!("expected Unanswerable, got {other:?}"),
    }

    // A record made before answers were kept still parses, and replays live only.
    let mut old = serde_json::to_value(&call.invocation).unwrap();
    old["host_calls"][0]
        .as_object_mut()
        .unwrap()
        .remove("response");
    let old: Invocation = serde_json::from_value(old).unwrap();
    assert_eq!(old.host_calls[0].response, None);
    let refused = host
        .replay_with(&installation, &old, HostAnswers::Recorded)
        .await;
    assert!(
        matches!(&refused, Err(e) if e.to_string().contains("recorded without its answer")),
        "{refused:?}"
    );
}
