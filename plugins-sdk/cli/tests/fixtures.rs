//! `kefu-plugin test` through the real binary, against the prebuilt test guests: fixtures that
//! pass, fixtures that fail for each reason the format can name, and bad usage.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json;

fn run_test(dir: &std::path::Path, fixture: &std::path::Path) -> Run {
    let manifest = misbehave_manifest(dir);
    let component = guest("misbehave");
    kefu_plugin(
        dir,
        &[
            "test",
            fixture.to_str().unwrap(),
            "--component",
            component.to_str().unwrap(),
            "--manifest",
            manifest.to_str().unwrap(),
        ],
        &[],
    )
}

#[test]
fn passing_fixtures_pass_with_scripted_http_seeded_kv_and_expected_traps() {
    let dir = tempfile::tempdir().unwrap();
    let cases = json!([
        {
            "description": "plain answer",
            "function": "on-event",
            "input": ivr_input(&[("behaviour", "ok")]),
            "expect": {"output": {"Ok": ["Answer", {"SetCallData": [["echo", "call_01"]]}]}, "host_calls": []}
        },
        {
            "description": "scripted CRM answer",
            "function": "on-event",
            "input": ivr_input(&[("behaviour", "http"), ("url", "http://crm.example.com/who?n=1")]),
            "http": [{"method": "get", "url": "http://crm.example.com/who?n=1", "status": 201, "body": "Li Wei"}],
            "expect": {
                "match": "subset",
                "output": {"Ok": [{"SetCallData": [["http.status", "201"], ["http.body", "Li Wei"]]}]},
                "host_calls": [{"interface": "http", "function": "send", "detail": "→ 201"}]
            }
        },
        {
            "description": "scripted failure reaches the guest",
            "function": "on-event",
            "input": ivr_input(&[("behaviour", "http"), ("url", "http://crm.example.com/down")]),
            "http": [{"method": "GET", "url": "http://crm.example.com/down", "error": "timeout"}],
            "expect": {"output": {"Ok": [{"SetCallData": [["http.error", "HttpError::Timeout"]]}]}}
        },
        {
            "description": "kv seeded before the call",
            "function": "on-event",
            "input": ivr_input(&[("behaviour", "kv"), ("op", "get"), ("key", "greeting")]),
            "kv": {"greeting": "ni hao"},
            "expect": {"output": {"Ok": [{"SetCallData": [["kv", "ni hao"]]}]}}
        },
        {
            "description": "kv after the call",
            "function": "on-event",
            "input": ivr_input(&[("behaviour", "kv"), ("op", "set"), ("key", "k1"), ("value", "v1")]),
            "kv": {"old": {"base64": "AAE="}},
            "expect": {"kv": {"k1": "v1", "old": "\u{0}\u{1}"}}
        },
        {
            "description": "an endless loop is stopped",
            "function": "on-event",
            "limits": {"cpu_ms": 20},
            "input": ivr_input(&[("behaviour", "loop")]),
            "expect": {"trap": "cpu_limit"}
        },
        {
            "description": "another tenant's call is refused",
            "function": "on-event",
            "tenant": "ten_01JD3Y7Q2ZK8X9V4T5N6M7P8QZ",
            "input": ivr_input(&[("behaviour", "ok")]),
            "expect": {"rejected": "tenant_mismatch"}
        },
        {
            "description": "logs",
            "function": "on-event",
            "input": ivr_input(&[("behaviour", "log")]),
            "expect": {"logs": [{"level": "info", "message": "hello from"}]}
        }
    ]);
    let fixture = write_json(dir.path(), "pass.json", &cases);
    let run = run_test(dir.path(), &fixture);
    assert_eq!(run.code, 0, "{}", run.all());
    let passed = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("PASS  "))
        .count();
    assert_eq!(passed, 8, "{}", run.all());
    assert!(run.stdout.contains("pass.json#5 ("), "{}", run.all());
    assert!(run.stdout.contains("8 passed, 0 failed"), "{}", run.all());
}

#[test]
fn failing_fixtures_fail_and_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let cases = json!([
        {
            "description": "wrong expected action",
            "function": "on-event",
            "input": ivr_input(&[("behaviour", "ok")]),
            "expect": {"output": {"Ok": ["HangUp", {"SetCallData": [["echo", "call_01"]]}]}}
        },
        {
            "description": "unscripted request",
            "function": "on-event",
            "input": ivr_input(&[("behaviour", "http"), ("url", "http://crm.example.com/missing")]),
            "http": [{"method": "GET", "url": "http://crm.example.com/other", "body": "x"}],
            "expect": {"match": "subset", "output": {"Ok": []}}
        },
        {
            "description": "expects a trap that does not happen",
            "function": "on-event",
            "input": ivr_input(&[("behaviour", "ok")]),
            "expect": {"trap": "cpu_limit"}
        },
        {
            "description": "a panic is a trap, not an output",
            "function": "on-event",
            "input": ivr_input(&[("behaviour", "panic")]),
            "expect": {"output": {"Ok": []}}
        },
        {
            "description": "kv not as expected",
            "function": "on-event",
            "input": ivr_input(&[("behaviour", "kv"), ("op", "set"), ("key", "k1"), ("value", "v1")]),
            "expect": {"kv": {"k1": "v2"}}
        },
        {
            "description": "input for another world",
            "function": "score",
            "input": {"call": {}},
            "expect": {"output": {"Ok": []}}
        }
    ]);
    let fixture = write_json(dir.path(), "fail.json", &cases);
    let run = run_test(dir.path(), &fixture);
    assert_eq!(run.code, 1, "{}", run.all());
    let out = &run.stdout;
    assert!(out.contains("0 passed, 6 failed"), "{}", run.all());
    for expected in [
        "output differs at $.Ok[0]: expected \"HangUp\", got \"Answer\"",
        "unmatched HTTP request GET http://crm.example.com/missing: script it in the fixture's `http`",
        "expected trap `cpu_limit`, but it returned",
        "expected a returned output, but it trapped (other)",
        "kv `k1`: expected \"v2\", got \"v1\"",
        "do not fit the `ivr` world: world `ivr` has no function `score`",
    ] {
        assert!(
            out.contains(expected),
            "missing {expected:?} in\n{}",
            run.all()
        );
    }
    assert_eq!(out.matches("FAIL  ").count(), 6, "{}", run.all());
}

#[test]
fn fixtures_that_do_not_fit_the_format_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            json!({"function": "on-event", "input": {}, "expect": {"outptu": {}}}),
            "unknown field `outptu`",
        ),
        (
            json!({"function": "on-event", "input": {}, "expect": {}}),
            "`expect` is empty",
        ),
        (
            json!({"function": "on-event", "input": {}, "expect": {"trap": "cpu"}}),
            "unknown trap kind `cpu`",
        ),
        (
            json!({"function": "on-event", "input": {}, "expect": {"trap": "cpu_limit"},
                   "http": [{"method": "GET", "url": "not a url"}]}),
            "scripted URL `not a url` is not an absolute URL",
        ),
    ];
    for (i, (case, message)) in cases.iter().enumerate() {
        let fixture = write_json(dir.path(), &format!("bad{i}.json"), case);
        let run = run_test(dir.path(), &fixture);
        assert_eq!(run.code, 1, "{}", run.all());
        assert!(
            run.stderr.contains(message),
            "missing {message:?} in\n{}",
            run.all()
        );
    }
    std::fs::write(dir.path().join("broken.json"), "{ not json").unwrap();
    let run = run_test(dir.path(), &dir.path().join("broken.json"));
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("is not JSON"), "{}", run.all());
}

#[test]
fn bad_usage_exits_with_2_and_failures_with_1() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for args in [
        vec![],
        vec!["frobnicate"],
        vec!["new", "hello"],
        vec!["new", "hello", "--world", "pbx"],
        vec!["new", "Hello_World", "--world", "ivr"],
        vec!["logs", "--limit", "0"],
        vec!["replay", "inv_1", "--live", "--server-side"],
        vec!["replay", "../etc/passwd"],
        vec!["install", "no-version"],
    ] {
        let run = kefu_plugin(d, &args, &[]);
        assert_eq!(run.code, 2, "{args:?}: {}", run.all());
        assert!(!run.stderr.is_empty(), "{args:?}: says nothing");
    }
    // Not logged in: a failure, with the way out.
    let config = d.join("config");
    let run = kefu_plugin(
        d,
        &["versions"],
        &[("XDG_CONFIG_HOME", config.to_str().unwrap())],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("not logged in"), "{}", run.all());
    // A token without a server is a failure that says so.
    let run = kefu_plugin(d, &["versions"], &[("KEFU_TOKEN", "t")]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("KEFU_SERVER is not"), "{}", run.all());
    // Outside a project.
    let run = kefu_plugin(d, &["build"], &[]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("no kefu-plugin.json"), "{}", run.all());
    // `new` refuses a directory with files in it.
    std::fs::write(d.join("taken"), "").unwrap();
    let run = kefu_plugin(d, &["new", "hello", "--world", "ivr", "--dir", "."], &[]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("is not empty"), "{}", run.all());
    // A component that is not the manifest's world is refused by the host's checks.
    let manifest = write_json(
        d,
        "wrong.json",
        &json!({"name": "misbehave", "version": "1.0.0", "world": "crm",
                "capabilities": {"log": true, "kv": true, "config": true,
                                 "http": {"allowed_hosts": ["x.example.com"]}}}),
    );
    let fixture = write_json(
        d,
        "f.json",
        &json!({"function": "lookup", "input": {}, "expect": {"trap": "other"}}),
    );
    let component = guest("misbehave");
    let run = kefu_plugin(
        d,
        &[
            "test",
            fixture.to_str().unwrap(),
            "--component",
            component.to_str().unwrap(),
            "--manifest",
            manifest.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("does not implement world `crm`"),
        "{}",
        run.all()
    );
}
