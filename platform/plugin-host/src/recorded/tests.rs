#![allow(clippy::unwrap_used)]

use serde_json::json;

use super::*;

fn call(interface: &str, function: &str, response: Value) -> HostCall {
    HostCall {
        interface: interface.into(),
        function: function.into(),
        detail: String::new(),
        duration_us: 1,
        response: Some(response),
    }
}

#[test]
fn kv_is_seeded_only_from_reads_before_the_guest_wrote_the_key() {
    let calls = [
        call("kv", "get", json!({"key": "a", "value": "before"})),
        call("kv", "set", json!({"key": "b", "ok": true})),
        // Read after the guest's own write: the replay's store produces it, not the seed.
        call("kv", "get", json!({"key": "b", "value": "written"})),
        call("kv", "get", json!({"key": "c", "value": null})),
        call("kv", "get", json!({"key": "d", "value_base64": "AAE="})),
    ];
    let recording = Recording::from_host_calls(&calls).unwrap();
    assert_eq!(
        recording.kv,
        BTreeMap::from([
            ("a".to_owned(), b"before".to_vec()),
            ("d".to_owned(), vec![0, 1]),
        ])
    );
}

#[test]
fn config_and_secrets_come_back_without_secret_values() {
    let calls = [
        call(
            "config",
            "get",
            json!({"key": "menu", "set": true, "value": {"a": 1}}),
        ),
        call("config", "get", json!({"key": "gone", "set": false})),
        call("config", "secret", json!({"key": "token", "present": true})),
        call(
            "config",
            "secret",
            json!({"key": "unset", "present": false}),
        ),
    ];
    let recording = Recording::from_host_calls(&calls).unwrap();
    assert_eq!(recording.config["menu"], Some(json!({"a": 1})));
    assert_eq!(recording.config["gone"], None);
    assert_eq!(recording.secrets, ["token"]);
}

#[test]
fn config_values_kept_as_json_text_come_back_as_values() {
    let calls = [
        call(
            "config",
            "get",
            json!({"key": "menu", "set": true, "value_json": "{\"a\":[1,\"x\"]}"}),
        ),
        // A record made before answers kept the text: the value itself.
        call(
            "config",
            "get",
            json!({"key": "old", "set": true, "value": [2]}),
        ),
    ];
    let recording = Recording::from_host_calls(&calls).unwrap();
    assert_eq!(recording.config["menu"], Some(json!({"a": [1, "x"]})));
    assert_eq!(recording.config["old"], Some(json!([2])));
    for bad in [json!("{not json"), json!(7)] {
        let calls = [call(
            "config",
            "get",
            json!({"key": "menu", "set": true, "value_json": bad}),
        )];
        let Err(ReplayError::Unanswerable { call, reason, .. }) =
            Recording::from_host_calls(&calls)
        else {
            panic!("{bad} was accepted");
        };
        assert_eq!(call, 0);
        assert!(reason.contains("value_json"), "{reason}");
    }
}

#[test]
fn http_answers_round_trip_through_their_json() {
    let ok = Ok(Response {
        status: 200,
        headers: vec![
            ("Set-Cookie".into(), "s=1".into()),
            ("x".into(), "y".into()),
        ],
        body: vec![0xff, 0x00],
    });
    let answer = http(Method::Post, "http://a.example/x", &ok);
    assert_eq!(answer["body_base64"], "/wA=");
    assert_eq!(answer["headers"][0][1], "<redacted>");
    let failed = http(Method::Get, "http://a.example/y", &Err(HttpError::Timeout));
    let recording =
        Recording::from_host_calls(&[call("http", "send", answer), call("http", "send", failed)])
            .unwrap();
    assert_eq!(recording.http.len(), 2);
    assert_eq!(recording.http[0].request_line(), "POST http://a.example/x");
}

#[test]
fn the_budget_replaces_answers_past_it() {
    let mut used = MAX_ANSWER_BYTES - 10;
    assert_eq!(
        within_budget(json!("0123456789abc"), &mut used),
        json!({"omitted": true})
    );
    assert_eq!(within_budget(json!(1), &mut used), json!(1));
}
