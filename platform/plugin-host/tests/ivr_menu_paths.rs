//! `ivr-menu`'s business hours, member PIN checks (HMAC-SHA256 hashes in config keyed with the
//! installation secret `pin_key`, and a real local HTTP endpoint) and voicemail on long queue
//! waits, walked through the real component.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

mod common;

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use common::*;
use kefu_plugin_host::ivr::{CollectDigits, Event, Prompt, QueueUpdate, Voicemail};
use kefu_plugin_host::*;

/// Sunday 2026-11-22 10:00 in Shanghai.
const SUNDAY_10: u64 = 1_795_312_800_000;
/// Monday 2026-11-23 10:00 in Shanghai.
const MONDAY_10: u64 = 1_795_399_200_000;
/// Thursday 2026-10-01 10:00 in Shanghai: National Day.
const NATIONAL_DAY_10: u64 = 1_790_820_000_000;
const PIN: &str = "135790";
/// The installation secret the PIN hashes are keyed with.
const PIN_KEY: &str = "host-test-pin-key-0123456789";
/// The secrets of an installation with hashed PINs.
const KEYED: &[(&str, &str)] = &[("pin_key", PIN_KEY)];

/// What `kefu-plugin pin-hash` prints for `pin`: hex HMAC-SHA256 keyed with `key` (computed
/// here with another implementation than the plugin's).
fn pin_hash(key: &str, pin: &str) -> String {
    use aws_lc_rs::hmac;
    hex::encode(hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes()),
        pin.as_bytes(),
    ))
}

fn menu(verify: serde_json::Value, after_hours_then: serde_json::Value) -> serde_json::Value {
    let weekdays: Vec<serde_json::Value> = ["mon", "tue", "wed", "thu", "fri"]
        .iter()
        .map(|day| serde_json::json!({"day": day, "open": "09:00", "close": "18:00"}))
        .collect();
    serde_json::json!({
        "greeting": [{"tenant": "welcome"}],
        "start": "main",
        "menus": {
            "main": {"prompt": [{"tenant": "main-menu"}], "options": {
                "1": {"queue": {"queue": "sales"}},
                "5": {"pin": {"pin": "member"}},
            }},
            "members": {"prompt": [{"tenant": "members-menu"}], "options": {"1": {"queue": {"queue": "vip", "priority": 9}}}},
            "closed": {"prompt": [{"tenant": "closed-menu"}], "options": {"1": {"voicemail": {"mailbox": "support"}}}},
        },
        "operator": {"queue": {"queue": "operator"}},
        "hours": {
            "timezone": "Asia/Shanghai",
            "weekly": weekdays,
            "holidays": [{"date": "2026-10-01", "name": "National Day"}],
            "after_hours": {"message": [{"tenant": "we-are-closed"}], "then": after_hours_then},
        },
        "pins": {"member": {
            "prompt": [{"tenant": "enter-member-pin"}], "digits": 6, "max_attempts": 2,
            "verify": verify,
            "success": {"menu": {"menu": "members"}},
            "failure": {"queue": {"queue": "sales"}},
        }},
        "long_wait": {"threshold_secs": 300, "offer": {"prompt": [{"tenant": "press-1-for-voicemail"}]}},
    })
}

fn hashed() -> serde_json::Value {
    serde_json::json!({"hmac_sha256": [pin_hash(PIN_KEY, "000000"), pin_hash(PIN_KEY, PIN)]})
}

fn voicemail() -> serde_json::Value {
    serde_json::json!({"voicemail": {"mailbox": "support", "greeting": [{"tenant": "leave-a-message"}]}})
}

fn collect_of(actions: &[Action]) -> &CollectDigits {
    actions
        .iter()
        .find_map(|a| match a {
            Action::CollectDigits(c) => Some(c),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no collect-digits in {actions:?}"))
}

#[tokio::test]
async fn after_hours_and_holiday_calls_hear_the_message_then_go_to_voicemail() {
    for (when, label) in [(SUNDAY_10, "Sunday"), (NATIONAL_DAY_10, "National Day")] {
        let mut call = IvrWalk::ivr_menu(menu(hashed(), voicemail()), "pins.example.com", KEYED);
        call.context.started_at_ms = when;
        let actions = call.send(Event::CallStarted).await;
        assert_eq!(actions[0], Action::Answer, "{label}");
        assert!(
            actions.iter().any(|a| matches!(a, Action::Play(p)
                if p.prompts == vec![Prompt::Tenant("we-are-closed".into())])),
            "{label}: {actions:?}"
        );
        assert_eq!(
            actions.last(),
            Some(&Action::Voicemail(Voicemail {
                mailbox: "support".into(),
                greeting: vec![Prompt::Tenant("leave-a-message".into())],
            })),
            "{label}"
        );
        assert_eq!(call.data("ivr-menu.hours"), Some("closed"));
        assert_eq!(call.context.ivr_path, vec!["after-hours"]);
    }
    // Open: the main menu, marked open.
    let mut call = IvrWalk::ivr_menu(menu(hashed(), voicemail()), "pins.example.com", KEYED);
    call.context.started_at_ms = MONDAY_10;
    let actions = call.send(Event::CallStarted).await;
    assert_eq!(collect_of(&actions).tag, "menu:main");
    assert_eq!(call.data("ivr-menu.hours"), Some("open"));
}

#[tokio::test]
async fn the_after_hours_branch_can_be_a_menu() {
    let then = serde_json::json!({"menu": {"menu": "closed"}});
    let mut call = IvrWalk::ivr_menu(menu(hashed(), then), "pins.example.com", KEYED);
    call.context.started_at_ms = SUNDAY_10;
    let actions = call.send(Event::CallStarted).await;
    assert_eq!(collect_of(&actions).tag, "menu:closed");
    let actions = call.press("menu:closed", "1").await;
    assert!(
        matches!(actions.last(), Some(Action::Voicemail(v)) if v.mailbox == "support"),
        "{actions:?}"
    );
    assert_eq!(
        call.context.ivr_path,
        vec!["after-hours", "closed", "closed:1"]
    );
}

#[tokio::test]
async fn a_hashed_member_pin_retries_then_lets_the_member_in() {
    let mut call = IvrWalk::ivr_menu(menu(hashed(), voicemail()), "pins.example.com", KEYED);
    call.context.started_at_ms = MONDAY_10;
    call.send(Event::CallStarted).await;
    let ask = call.press("menu:main", "5").await;
    let collect = collect_of(&ask);
    assert_eq!(collect.tag, "pin:member");
    assert_eq!((collect.min_digits, collect.max_digits), (6, 6));
    assert_eq!(
        collect.prompt,
        vec![Prompt::Tenant("enter-member-pin".into())]
    );

    let wrong = call.press("pin:member", "111111").await;
    assert_eq!(
        collect_of(&wrong).prompt,
        vec![
            Prompt::System("invalid-pin".into()),
            Prompt::Tenant("enter-member-pin".into())
        ]
    );
    assert_eq!(call.data("member"), None);
    let right = call.press("pin:member", PIN).await;
    assert_eq!(call.data("member"), Some("true"));
    assert_eq!(collect_of(&right).tag, "menu:members");
    let queued = call.press("menu:members", "1").await;
    assert!(
        matches!(queued.last(), Some(Action::Enqueue(e)) if e.queue == "vip" && e.priority == 9)
    );
    assert_eq!(
        call.context.ivr_path,
        vec![
            "main",
            "main:5",
            "pin:member",
            "pin:member:ok",
            "members",
            "members:1"
        ]
    );
    // The PIN is in no call data and no log line.
    assert!(call.context.data.iter().all(|(_, v)| !v.contains(PIN)));
    assert!(call.last.as_ref().unwrap().logs.is_empty());
}

#[tokio::test]
async fn a_pin_hashed_with_another_key_or_no_key_lets_nobody_in() {
    for secrets in [
        &[("pin_key", "another-installations-key-0123")][..],
        &[][..],
    ] {
        let mut call = IvrWalk::ivr_menu(menu(hashed(), voicemail()), "pins.example.com", secrets);
        call.context.started_at_ms = MONDAY_10;
        call.send(Event::CallStarted).await;
        call.press("menu:main", "5").await;
        call.press("pin:member", PIN).await;
        assert_eq!(call.data("member"), None, "{secrets:?}");
    }
    // Without the key the check cannot be made: the failure branch, with a warning naming
    // the missing secret (and not the PIN).
    let mut call = IvrWalk::ivr_menu(menu(hashed(), voicemail()), "pins.example.com", &[]);
    call.context.started_at_ms = MONDAY_10;
    call.send(Event::CallStarted).await;
    call.press("menu:main", "5").await;
    let failed = call.press("pin:member", PIN).await;
    assert!(matches!(failed.last(), Some(Action::Enqueue(e)) if e.queue == "sales"));
    let warnings = logs_at(call.last.as_ref().unwrap(), "warn");
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("pin_key") && !w.contains(PIN)),
        "{warnings:?}"
    );
}

#[tokio::test]
async fn an_unsalted_sha256_pin_list_is_refused_with_the_way_to_migrate() {
    let unsalted = serde_json::json!({"sha256": [hex::encode([0u8; 32])]});
    let (host, _) = host();
    let plugin = host
        .load(
            manifest("ivr-menu", ivr_menu_capabilities("pins.example.com")),
            &guest("ivr_menu"),
        )
        .unwrap();
    let mut installation = Installation::new(kefu_core::TenantId::new());
    installation
        .config
        .insert("menu".into(), menu(unsalted, voicemail()));
    let installation = Arc::new(installation);
    let call = host
        .ivr_on_event(
            &plugin,
            &installation,
            &context(&installation.tenant.to_string(), &[]),
            &Event::CallStarted,
        )
        .await;
    match call.output {
        Some(Err(error)) => {
            assert_eq!(error.kind, ErrorKind::InvalidConfig);
            for needed in [
                "verify.sha256",
                "pin_key",
                "hmac_sha256",
                "kefu-plugin pin-hash",
            ] {
                assert!(
                    error.message.contains(needed),
                    "{needed:?}: {}",
                    error.message
                );
            }
        }
        other => panic!("expected an invalid-config error, got {other:?}"),
    }
}

/// The digits of a logged digits-collected event (the variant is the event's only key).
fn logged_digits(invocation: &Invocation) -> String {
    let input = invocation.input.value();
    let event = input["event"].as_object().unwrap();
    event.values().next().unwrap()["digits"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn pin_digits_never_reach_the_invocation_log_and_such_records_cannot_be_replayed() {
    let mut call = IvrWalk::ivr_menu(menu(hashed(), voicemail()), "pins.example.com", KEYED);
    call.context.started_at_ms = MONDAY_10;
    call.send(Event::CallStarted).await;
    call.press("menu:main", "5").await;
    // A menu key is not secret: logged as pressed, and replayable.
    let menu_key = call.last.clone().unwrap();
    assert_eq!(logged_digits(&menu_key), "5", "{}", menu_key.input);
    assert!(menu_key.input.value().get("redacted").is_none());
    let replayed = call
        .host
        .replay(&call.installation, &menu_key)
        .await
        .unwrap();
    assert!(replayed.identical);

    call.press("pin:member", PIN).await;
    assert_eq!(
        call.data("member"),
        Some("true"),
        "the plugin got the real digits"
    );
    let pin = call.last.clone().unwrap();
    let logged = serde_json::to_string(&pin).unwrap();
    assert!(!logged.contains(PIN), "{logged}");
    assert_eq!(logged_digits(&pin), "******", "{}", pin.input);
    assert_eq!(pin.input.value()["redacted"], true);
    let refused = call
        .host
        .replay(&call.installation, &pin)
        .await
        .unwrap_err();
    assert!(matches!(refused, ReplayError::Redacted), "{refused}");
}

#[test]
fn sensitive_digit_prefixes_are_bounded() {
    let with = |prefixes: serde_json::Value| {
        serde_json::from_value::<Manifest>(serde_json::json!({
            "name": "ivr-menu", "version": "1.0.0", "world": "ivr",
            "sensitive_digits": prefixes,
        }))
        .unwrap()
        .validate()
    };
    assert!(with(serde_json::json!(["pin:"])).is_ok());
    assert!(matches!(
        with(serde_json::json!([""])),
        Err(ManifestError::InvalidSensitiveDigits(_))
    ));
    let many: Vec<String> = (0..17).map(|i| format!("p{i}:")).collect();
    assert!(matches!(
        with(serde_json::json!(many)),
        Err(ManifestError::InvalidSensitiveDigits(_))
    ));
}

#[tokio::test]
async fn too_many_wrong_pins_take_the_failure_branch() {
    let mut call = IvrWalk::ivr_menu(menu(hashed(), voicemail()), "pins.example.com", KEYED);
    call.context.started_at_ms = MONDAY_10;
    call.send(Event::CallStarted).await;
    call.press("menu:main", "5").await;
    let timeout = call.silence("pin:member").await;
    assert_eq!(
        collect_of(&timeout).prompt[0],
        Prompt::System("no-input".into())
    );
    let failed = call.press("pin:member", "999999").await;
    assert!(matches!(failed.last(), Some(Action::Enqueue(e)) if e.queue == "sales"));
    assert_eq!(call.data("member"), None);
    assert!(
        call.context
            .ivr_path
            .contains(&"pin:member:failed".to_owned())
    );
    // A late PIN answer after leaving the node changes nothing.
    assert!(call.press("pin:member", PIN).await.is_empty());
}

/// What the PIN endpoint received.
type Seen = Arc<Mutex<Vec<(Option<String>, serde_json::Value)>>>;

async fn pin_endpoint() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let router = axum::Router::new()
        .route(
            "/pins/verify",
            post(
                move |headers: HeaderMap, Json(body): Json<serde_json::Value>| {
                    let record = record.clone();
                    async move {
                        let auth = headers
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned);
                        let status = if auth.as_deref() != Some("Bearer pin-api-token") {
                            StatusCode::UNAUTHORIZED
                        } else if body["pin"] == PIN && body["caller"] == "+8613800138000" {
                            StatusCode::OK
                        } else {
                            StatusCode::FORBIDDEN
                        };
                        record.lock().unwrap().push((auth, body));
                        status
                    }
                },
            ),
        )
        .route(
            "/pins/down",
            post(|| async { StatusCode::SERVICE_UNAVAILABLE }),
        );
    (serve(router).await, seen)
}

fn http_verify(address: &str, path: &str) -> serde_json::Value {
    serde_json::json!({"http": {"url": format!("http://{address}{path}"), "auth_secret": "pin_token", "timeout_ms": 2000}})
}

#[tokio::test]
async fn a_pin_checked_by_an_http_endpoint() {
    let (address, seen) = pin_endpoint().await;
    let config = menu(http_verify(&address, "/pins/verify"), voicemail());
    let secrets = [("pin_token", "pin-api-token")];
    let mut call = IvrWalk::ivr_menu(config, &address, &secrets);
    call.context.started_at_ms = MONDAY_10;
    call.send(Event::CallStarted).await;
    call.press("menu:main", "5").await;
    let wrong = call.press("pin:member", "246800").await;
    assert_eq!(collect_of(&wrong).tag, "pin:member");
    let right = call.press("pin:member", PIN).await;
    assert_eq!(collect_of(&right).tag, "menu:members");
    assert_eq!(call.data("member"), Some("true"));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].0.as_deref(), Some("Bearer pin-api-token"));
    assert_eq!(seen[1].1["call_id"], "call_01");
    // The host's record of the HTTP call names the URL and status, not the PIN.
    let http = &call.last.as_ref().unwrap().host_calls;
    assert!(
        http.iter()
            .any(|c| c.interface == "http" && c.detail.contains("200"))
    );
    assert!(http.iter().all(|c| !c.detail.contains(PIN)));
}

#[tokio::test]
async fn an_unavailable_pin_endpoint_takes_the_failure_branch_with_a_warning() {
    let (address, _) = pin_endpoint().await;
    let config = menu(http_verify(&address, "/pins/down"), voicemail());
    let mut call = IvrWalk::ivr_menu(config, &address, &[("pin_token", "pin-api-token")]);
    call.context.started_at_ms = MONDAY_10;
    call.send(Event::CallStarted).await;
    call.press("menu:main", "5").await;
    let actions = call.press("pin:member", PIN).await;
    assert!(matches!(actions.last(), Some(Action::Enqueue(e)) if e.queue == "sales"));
    assert_eq!(call.data("member"), None);
    let warnings = logs_at(call.last.as_ref().unwrap(), "warn");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("503") && !warnings[0].contains(PIN));
}

fn queue_update(position: u32, wait: Option<u32>) -> Event {
    Event::QueueUpdate(QueueUpdate {
        queue: "sales".into(),
        position,
        estimated_wait_secs: wait,
    })
}

#[tokio::test]
async fn a_long_queue_wait_offers_voicemail_once_and_key_1_takes_it() {
    let mut call = IvrWalk::ivr_menu(menu(hashed(), voicemail()), "pins.example.com", KEYED);
    call.context.started_at_ms = MONDAY_10;
    call.send(Event::CallStarted).await;
    call.press("menu:main", "1").await;
    assert!(call.send(queue_update(3, Some(120))).await.is_empty());
    assert!(call.send(queue_update(3, None)).await.is_empty());
    let offer = call.send(queue_update(8, Some(600))).await;
    let collect = collect_of(&offer);
    assert_eq!(collect.tag, "long-wait");
    assert_eq!(
        collect.prompt,
        vec![Prompt::Tenant("press-1-for-voicemail".into())]
    );
    assert!(
        call.send(queue_update(8, Some(660))).await.is_empty(),
        "offered once"
    );
    let accepted = call.press("long-wait", "1").await;
    assert!(
        matches!(accepted.last(), Some(Action::Voicemail(v)) if v.mailbox == "sales"),
        "{accepted:?}"
    );
}

#[tokio::test]
async fn a_declined_offer_keeps_the_caller_queued_and_direct_mode_goes_to_voicemail() {
    let mut call = IvrWalk::ivr_menu(menu(hashed(), voicemail()), "pins.example.com", KEYED);
    call.send(queue_update(8, Some(600))).await;
    let declined = call.silence("long-wait").await;
    assert!(!declined.iter().any(|a| matches!(a, Action::Voicemail(_))));
    assert_eq!(call.data("ivr-menu.long-wait"), Some("declined"));
    assert!(call.send(queue_update(9, Some(900))).await.is_empty());

    let mut config = menu(hashed(), voicemail());
    config["long_wait"] = serde_json::json!({"threshold_secs": 300, "mailbox": "callbacks"});
    let mut call = IvrWalk::ivr_menu(config, "pins.example.com", KEYED);
    let direct = call.send(queue_update(8, Some(301))).await;
    assert_eq!(
        direct.last(),
        Some(&Action::Voicemail(Voicemail {
            mailbox: "callbacks".into(),
            greeting: Vec::new(),
        }))
    );
}
