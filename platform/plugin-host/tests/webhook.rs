//! The first-party `webhook` plugin through the real host, posting to a real local HTTP
//! receiver that checks the `X-Kefu-Signature` the way a customer's server would.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use common::*;
use kefu_plugin_host::integration::DomainEvent;
use kefu_plugin_host::*;
use sha2::{Digest, Sha256};

const SECRET: &str = "whsec_test_5ecret";

/// Deliveries the receiver accepted: (event id header, event type header, body).
type Received = Arc<Mutex<Vec<(String, String, serde_json::Value)>>>;

/// HMAC-SHA256 written out from its definition (RFC 2104), independent of the plugin's crate.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}

/// Checks `t=<ts>,v1=<hex>` against the raw body; the error says what is wrong.
fn verify(header: Option<&str>, body: &[u8]) -> Result<(), String> {
    let header = header.ok_or("no signature header")?;
    let (t, v1) = header
        .split_once(',')
        .and_then(|(t, v)| Some((t.strip_prefix("t=")?, v.strip_prefix("v1=")?)))
        .ok_or_else(|| format!("malformed signature header {header}"))?;
    let ts: u64 = t.parse().map_err(|_| format!("bad timestamp {t}"))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    if now.abs_diff(ts) > 300 {
        return Err(format!("timestamp {ts} is not within 5 minutes of {now}"));
    }
    let mut signed = format!("{ts}.").into_bytes();
    signed.extend_from_slice(body);
    if hex::encode(hmac_sha256(SECRET.as_bytes(), &signed)) != v1 {
        return Err("signature mismatch".into());
    }
    Ok(())
}

async fn receiver() -> (String, Received) {
    let received: Received = Arc::default();
    let store = received.clone();
    let router = axum::Router::new()
        .route(
            "/hooks/kefu",
            post(move |headers: HeaderMap, body: Bytes| {
                let store = store.clone();
                async move {
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned)
                    };
                    if let Err(why) = verify(header("x-kefu-signature").as_deref(), &body) {
                        return (StatusCode::UNAUTHORIZED, why);
                    }
                    let Ok(json) = serde_json::from_slice(&body) else {
                        return (StatusCode::BAD_REQUEST, "not JSON".into());
                    };
                    store.lock().unwrap().push((
                        header("x-kefu-event-id").unwrap_or_default(),
                        header("x-kefu-event-type").unwrap_or_default(),
                        json,
                    ));
                    (StatusCode::NO_CONTENT, String::new())
                }
            }),
        )
        .route(
            "/hooks/down",
            post(|| async { StatusCode::SERVICE_UNAVAILABLE }),
        );
    (serve(router).await, received)
}

struct Hook {
    host: PluginHost,
    plugin: Arc<Plugin>,
    installation: Arc<Installation>,
}

impl Hook {
    fn new(address: &str, path: &str, secret: Option<&str>) -> Self {
        let (host, _) = host();
        let caps =
            serde_json::json!({"config": true, "log": true, "http": {"allowed_hosts": [address]}});
        let plugin = host
            .load(
                manifest_of("webhook", "integration", caps),
                &guest("webhook"),
            )
            .expect("webhook loads");
        let mut installation = Installation::new(kefu_core::TenantId::new());
        installation.config.insert(
            "webhook".into(),
            serde_json::json!({"url": format!("http://{address}{path}"), "events": ["call.*", "agent.state-changed"]}),
        );
        if let Some(secret) = secret {
            installation
                .secrets
                .insert("signing_secret".into(), secret.into());
        }
        Hook {
            host,
            plugin,
            installation: Arc::new(installation),
        }
    }

    async fn send(&self, id: &str, kind: &str) -> IntegrationCall {
        let event = DomainEvent {
            id: id.into(),
            kind: kind.into(),
            tenant_id: self.installation.tenant.to_string(),
            occurred_at_ms: 1_795_000_000_000,
            payload_json: r#"{"call_id": "call_01", "queue": "sales", "wait_secs": 42}"#.into(),
        };
        self.host
            .integration_on_event(&self.plugin, &self.installation, &event)
            .await
    }
}

#[tokio::test]
async fn selected_events_are_posted_signed_with_their_id() {
    let (address, received) = receiver().await;
    let hook = Hook::new(&address, "/hooks/kefu", Some(SECRET));
    for (id, kind) in [
        ("evt_1", "call.ended"),
        ("evt_2", "recording.ready"),
        ("evt_3", "agent.state-changed"),
        ("evt_4", "agent.logged-in"),
    ] {
        let call = hook.send(id, kind).await;
        assert_eq!(call.output, Some(Ok(())), "{kind}: {:?}", call.invocation);
    }
    let received = received.lock().unwrap();
    let kinds: Vec<(&str, &str)> = received
        .iter()
        .map(|(id, kind, _)| (id.as_str(), kind.as_str()))
        .collect();
    assert_eq!(
        kinds,
        vec![("evt_1", "call.ended"), ("evt_3", "agent.state-changed")]
    );
    let (_, _, body) = &received[0];
    assert_eq!(body["id"], "evt_1");
    assert_eq!(body["type"], "call.ended");
    assert_eq!(body["tenant_id"], hook.installation.tenant.to_string());
    assert_eq!(body["data"]["wait_secs"], 42);
}

#[tokio::test]
async fn a_receiver_with_another_secret_rejects_and_the_plugin_reports_it() {
    let (address, received) = receiver().await;
    let forged = Hook::new(&address, "/hooks/kefu", Some("whsec_wrong"));
    let call = forged.send("evt_9", "call.ended").await;
    match &call.output {
        Some(Err(e)) => {
            assert_eq!(e.kind, ErrorKind::Upstream);
            assert!(e.message.contains("401"), "{}", e.message);
        }
        other => panic!("expected an upstream error, got {other:?}"),
    }
    assert!(received.lock().unwrap().is_empty());
    let warnings = logs_at(&call.invocation, "warn");
    assert!(warnings[0].contains("evt_9") && warnings[0].contains("401"));
    assert!(
        !serde_json::to_string(&call.invocation)
            .unwrap()
            .contains("whsec_wrong")
    );
}

#[tokio::test]
async fn a_failing_endpoint_is_a_warning_and_no_secret_sends_nothing() {
    let (address, received) = receiver().await;
    let down = Hook::new(&address, "/hooks/down", Some(SECRET));
    let call = down.send("evt_5", "call.ended").await;
    assert!(matches!(&call.output, Some(Err(e)) if e.kind == ErrorKind::Upstream));
    assert!(logs_at(&call.invocation, "warn")[0].contains("503"));

    let unsigned = Hook::new(&address, "/hooks/kefu", None);
    let call = unsigned.send("evt_6", "call.ended").await;
    match &call.output {
        Some(Err(e)) => {
            assert_eq!(e.kind, ErrorKind::InvalidConfig);
            assert!(e.message.contains("signing_secret"), "{}", e.message);
        }
        other => panic!("expected invalid-config, got {other:?}"),
    }
    assert!(
        call.invocation
            .host_calls
            .iter()
            .all(|c| c.interface != "http")
    );
    assert!(received.lock().unwrap().is_empty());
}
