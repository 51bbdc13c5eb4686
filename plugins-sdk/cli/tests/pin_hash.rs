//! `kefu-plugin pin-hash` through the real binary, and its output used as it is meant to be:
//! pasted into `ivr-menu`'s configuration and checked by the real component (`kefu-plugin
//! test` with the installation secret `pin_key`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::*;
use serde_json::{Value, json};

const KEY: &str = "cli-test-pin-key-0123456789";

/// Runs `kefu-plugin pin-hash` with `stdin` and the key in `KEFU_PIN_KEY` (if any).
fn pin_hash(stdin: &str, key: Option<&str>) -> Run {
    let mut command = Command::new(BIN);
    command
        .arg("pin-hash")
        .env_remove("KEFU_PIN_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(key) = key {
        command.env("KEFU_PIN_KEY", key);
    }
    let mut child = command.spawn().expect("kefu-plugin runs");
    // A refused key ends the command before it reads its input: the pipe may be closed by
    // then, which is the command's answer, not the test's failure.
    match child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => panic!("writing the command's input: {e}"),
    }
    child.wait_with_output().unwrap().into()
}

/// An `on-event` case: the caller entered `digits` at the PIN node, with `pin_key` = `key`.
fn pin_case(description: &str, verify: &Value, key: &str, digits: &str, expect: Value) -> Value {
    let menu = json!({
        "start": "main",
        "menus": {
            "main": {"prompt": [], "options": {"5": {"pin": {"pin": "member"}}}},
            "members": {"prompt": [], "options": {"1": {"queue": {"queue": "vip"}}}},
        },
        "pins": {"member": {"prompt": [], "digits": 6, "verify": verify,
            "success": {"menu": {"menu": "members"}}, "failure": {"hang_up": {}}}},
    });
    let mut input = ivr_input(&[("ivr-menu.stack", "main"), ("ivr-menu.pin", "member")]);
    input["event"] = json!({"DigitsCollected": {"tag": "pin:member", "digits": digits, "ended_by": "MaxDigits"}});
    json!({
        "description": description,
        "function": "on-event",
        "config": {"menu": menu},
        "secrets": {"pin_key": key},
        "input": input,
        "expect": {"match": "subset", "output": {"Ok": [{"SetCallData": [expect]}]}},
    })
}

#[test]
fn pin_hash_output_lets_the_member_in_with_the_same_key_only() {
    let run = pin_hash("135790\n000000\n", Some(KEY));
    assert_eq!(run.code, 0, "{}", run.all());
    let verify: Value = serde_json::from_str(&run.stdout).unwrap();
    let hashes = verify["hmac_sha256"].as_array().unwrap();
    assert_eq!(hashes.len(), 2);
    assert!(!run.stdout.contains("135790") && !run.stdout.contains(KEY));

    let dir = tempfile::tempdir().unwrap();
    let manifest = write_json(
        dir.path(),
        "ivr-menu.json",
        &json!({"name": "ivr-menu", "version": "1.0.0", "world": "ivr",
            "capabilities": {"config": true, "log": true, "http": {"allowed_hosts": ["pins.example.com"]}},
            "secrets": ["pin_key"], "sensitive_digits": ["pin:"]}),
    );
    let other_key = "another-installations-key-01";
    let fixture = write_json(
        dir.path(),
        "pins.json",
        &json!([
            pin_case(
                "a listed PIN makes a member",
                &verify,
                KEY,
                "135790",
                json!(["member", "true"])
            ),
            pin_case(
                "an unlisted PIN is wrong",
                &verify,
                KEY,
                "246801",
                json!(["ivr-menu.pin-attempts", "1"])
            ),
            pin_case(
                "another installation's key finds no PIN",
                &verify,
                other_key,
                "135790",
                json!(["ivr-menu.pin-attempts", "1"])
            ),
        ]),
    );
    let component = guest("ivr_menu");
    let run = kefu_plugin(
        dir.path(),
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
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.stdout.matches("PASS").count(), 3, "{}", run.all());
}

#[test]
fn pin_hash_refuses_bad_keys_and_bad_lines_without_echoing_them() {
    let run = pin_hash("1234\n", None);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("KEFU_PIN_KEY"), "{}", run.all());
    let run = pin_hash("1234\n", Some("short"));
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("16"), "{}", run.all());
    let run = pin_hash("1234\nmy-pin-9\n", Some(KEY));
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("line 2") && !run.stderr.contains("my-pin-9"),
        "{}",
        run.all()
    );
    assert!(run.stdout.is_empty(), "{}", run.all());
}
