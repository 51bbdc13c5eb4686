//! Unit tests of the pure parts (native target): the setting's checks, event selection, the
//! body and the signature.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::config::WebhookConfig;
use crate::delivery::{body, hex, signature};

fn config(events: &[&str]) -> WebhookConfig {
    WebhookConfig::parse(
        &serde_json::json!({"url": "https://hooks.example.com/kefu", "events": events}).to_string(),
    )
    .unwrap()
}

#[test]
fn families_exact_types_and_everything_are_selected() {
    let c = config(&["call.*", "agent.state-changed"]);
    assert!(c.selects("call.ended"));
    assert!(c.selects("call.queue.joined"));
    assert!(c.selects("agent.state-changed"));
    assert!(!c.selects("call"), "a family needs a type under it");
    assert!(
        !c.selects("callback.scheduled"),
        "`call.*` is not a string prefix"
    );
    assert!(!c.selects("agent.logged-in"));
    assert!(!c.selects("recording.ready"));
    let all = config(&["*"]);
    assert!(all.selects("recording.ready") && all.selects("call.ended"));
    assert_eq!(config(&["call.ended"]).timeout_ms, 5_000);
}

#[test]
fn bad_settings_are_refused_naming_the_field() {
    let parse = |v: serde_json::Value| WebhookConfig::parse(&v.to_string()).unwrap_err();
    let url = "https://h.example.com/";
    assert!(parse(serde_json::json!({"url": "ftp://h/", "events": ["*"]})).contains("webhook.url"));
    assert!(
        parse(serde_json::json!({"url": "https://a b/", "events": ["*"]})).contains("webhook.url")
    );
    assert!(parse(serde_json::json!({"url": url, "events": []})).contains("webhook.events"));
    for bad in [
        "call.",
        "*.ended",
        "call.*.x",
        "Call.ended",
        "call ended",
        "",
    ] {
        let e = parse(serde_json::json!({"url": url, "events": ["call.ended", bad]}));
        assert!(e.contains("webhook.events[1]"), "{bad}: {e}");
    }
    assert!(
        parse(serde_json::json!({"url": url, "events": ["*"], "timeout_ms": 0}))
            .contains("timeout_ms")
    );
    assert!(
        parse(serde_json::json!({"url": url, "events": ["*"], "retries": 3})).contains("retries")
    );
    assert!(
        WebhookConfig::parse("not json")
            .unwrap_err()
            .contains("not valid")
    );
}

#[test]
fn the_signature_is_hmac_sha256_over_timestamp_dot_body() {
    // Expected value computed independently (Python's hmac module).
    assert_eq!(
        signature(b"whsec_test", 1_795_000_000, br#"{"id":"evt_1"}"#),
        "t=1795000000,v1=9768205fbb644a6a645cdd13f225c6791ed91580e4d16c14b9a8e73cd4ba4393"
    );
    let other = signature(b"whsec_other", 1_795_000_000, br#"{"id":"evt_1"}"#);
    assert_ne!(
        other,
        signature(b"whsec_test", 1_795_000_000, br#"{"id":"evt_1"}"#)
    );
    assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
}

#[test]
fn the_body_wraps_the_payload_and_refuses_non_json() {
    let bytes = body(
        "evt_1",
        "call.ended",
        "ten_1",
        5,
        r#"{"call_id": "call_9"}"#,
    )
    .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        doc,
        serde_json::json!({"id": "evt_1", "type": "call.ended", "tenant_id": "ten_1",
            "occurred_at_ms": 5, "data": {"call_id": "call_9"}})
    );
    let e = body("evt_2", "call.ended", "ten_1", 5, "{oops").unwrap_err();
    assert!(e.contains("evt_2") && e.contains("not JSON"), "{e}");
}
