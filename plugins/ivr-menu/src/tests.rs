//! Unit tests of the pure logic (native target): business hours in a time zone, keyed PIN hashes,
//! the configuration checks, and the PIN and long-wait paths with a scripted verifier. The
//! host tests walk the same paths through the real component.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::cell::RefCell;

use kefu_plugin_sdk::ivr::{
    Action, CallContext, CollectEnd, CollectedDigits, Event, Language, QueueUpdate,
};
use serde_json::json;

use crate::config::MenuConfig;
use crate::menu::decide;
use crate::pin::{HttpVerify, PinVerifier, Verdict, pin_hash};

/// The installation secret `pin_key` of the tests.
const KEY: &str = "test-pin-key-0123456789";

/// Monday 2026-11-23 09:30 in Shanghai (01:30 UTC).
const MON_0930_SHANGHAI: u64 = 1_795_397_400_000;
/// Monday 2026-11-23 20:00 in Shanghai.
const MON_2000_SHANGHAI: u64 = 1_795_435_200_000;
/// Thursday 2026-10-01 10:00 in Shanghai (National Day).
const HOLIDAY_1000_SHANGHAI: u64 = 1_790_820_000_000;

fn menu(extra: serde_json::Value) -> MenuConfig {
    let mut config = json!({
        "start": "main",
        "menus": {
            "main": {"prompt": [{"tenant": "main"}], "options": {"1": {"queue": {"queue": "sales"}}, "5": {"pin": {"pin": "member"}}}},
            "members": {"prompt": [{"tenant": "members"}], "options": {"1": {"queue": {"queue": "vip"}}}}
        },
        "pins": {"member": {
            "prompt": [{"tenant": "enter-pin"}], "digits": 6, "max_attempts": 2,
            "verify": {"hmac_sha256": [pin_hash(KEY.as_bytes(), "123456")]},
            "success": {"menu": {"menu": "members"}}, "failure": {"queue": {"queue": "sales"}}
        }},
    });
    for (k, v) in extra.as_object().unwrap() {
        config[k] = v.clone();
    }
    MenuConfig::parse(&config.to_string()).unwrap()
}

fn hours() -> serde_json::Value {
    json!({"hours": {
        "timezone": "Asia/Shanghai",
        "weekly": [{"day": "mon", "open": "09:00", "close": "18:00"}],
        "holidays": [{"date": "2026-10-01", "name": "National Day"}],
        "after_hours": {"message": [{"tenant": "closed"}], "then": {"voicemail": {"mailbox": "support"}}}
    }})
}

fn context(at: u64, data: &[(&str, &str)]) -> CallContext {
    CallContext {
        call_id: "call_01".into(),
        tenant_id: "ten_1".into(),
        caller: "+8613800138000".into(),
        dialled: "+862150000000".into(),
        data: data
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ivr_path: Vec::new(),
        language: Language::Mandarin,
        started_at_ms: at,
    }
}

/// A verifier that answers from a script and records what it was asked and warned; its
/// `pin_key` is [`KEY`] unless `key` says otherwise.
#[derive(Default)]
struct Scripted {
    verdict: Option<Verdict>,
    key: Option<Option<&'static str>>,
    asked: RefCell<Vec<String>>,
    warnings: RefCell<Vec<String>>,
}

impl PinVerifier for Scripted {
    fn verify(&self, _: &HttpVerify, _: &str, _: &str, pin: &str) -> Verdict {
        self.asked.borrow_mut().push(pin.to_owned());
        self.verdict.clone().unwrap_or(Verdict::Wrong)
    }
    fn pin_key(&self) -> Option<String> {
        self.key.unwrap_or(Some(KEY)).map(str::to_owned)
    }
    fn warn(&self, message: &str) {
        self.warnings.borrow_mut().push(message.to_owned());
    }
}

/// Whether `actions` holds `action` (the guest types have no `PartialEq`).
fn has(actions: &[Action], action: &Action) -> bool {
    let wanted = format!("{action:?}");
    actions.iter().any(|a| format!("{a:?}") == wanted)
}

fn digits(tag: &str, digits: &str) -> Event {
    Event::DigitsCollected(CollectedDigits {
        tag: tag.into(),
        digits: digits.into(),
        ended_by: CollectEnd::MaxDigits,
    })
}

#[test]
fn opening_hours_follow_the_zone_its_daylight_saving_and_holidays() {
    let config = menu(hours());
    let hours = config.hours.as_ref().unwrap();
    assert!(hours.is_open(MON_0930_SHANGHAI));
    assert!(!hours.is_open(MON_2000_SHANGHAI));
    assert!(!hours.is_open(HOLIDAY_1000_SHANGHAI));
    // Berlin: the same UTC instant (07:30) is 08:30 before the switch to summer time and
    // 09:30 after it.
    let berlin = menu(json!({"hours": {
        "timezone": "Europe/Berlin",
        "weekly": [{"day": "mon", "open": "09:00", "close": "17:00"}],
        "after_hours": {"then": {"hang_up": {}}}
    }}));
    let berlin = berlin.hours.as_ref().unwrap();
    assert!(
        !berlin.is_open(1_774_251_000_000),
        "Mon 2026-03-23 08:30 CET"
    );
    assert!(
        berlin.is_open(1_774_855_800_000),
        "Mon 2026-03-30 09:30 CEST"
    );
}

#[test]
fn bad_hours_pins_and_long_wait_settings_name_the_field() {
    let err = |extra: serde_json::Value| {
        let mut config = json!({"start": "main", "menus": {"main": {"prompt": [], "options": {}}}});
        for (k, v) in extra.as_object().unwrap() {
            config[k] = v.clone();
        }
        MenuConfig::parse(&config.to_string()).unwrap_err()
    };
    let then = json!({"hang_up": {}});
    let hours = |h: serde_json::Value| json!({"hours": h});
    assert!(
        err(hours(
            json!({"timezone": "Mars/Olympus", "weekly": [], "after_hours": {"then": then}})
        ))
        .contains("menu.hours.timezone")
    );
    assert!(err(hours(json!({"timezone": "UTC", "weekly": [{"day": "mon", "open": "9:00", "close": "17:00"}], "after_hours": {"then": then}}))).contains("menu.hours.weekly[0].open"));
    assert!(err(hours(json!({"timezone": "UTC", "weekly": [{"day": "mon", "open": "18:00", "close": "17:00"}], "after_hours": {"then": then}}))).contains("weekly[0].close"));
    assert!(err(hours(json!({"timezone": "UTC", "weekly": [], "holidays": [{"date": "2026-02-30"}], "after_hours": {"then": then}}))).contains("holidays[0].date"));
    assert!(err(hours(json!({"timezone": "UTC", "weekly": [], "after_hours": {"then": {"menu": {"menu": "nope"}}}}))).contains("undefined menu `nope`"));
    let pin = |p: serde_json::Value| {
        let mut node = json!({"prompt": [], "digits": 4, "verify": {"hmac_sha256": [pin_hash(KEY.as_bytes(), "1234")]},
            "success": then, "failure": then});
        for (k, v) in p.as_object().unwrap() {
            node[k] = v.clone();
        }
        json!({"pins": {"p": node}})
    };
    assert!(err(pin(json!({"digits": 0}))).contains("menu.pins.p.digits"));
    assert!(
        err(pin(json!({"verify": {"hmac_sha256": ["1234"]}}))).contains("verify.hmac_sha256[0]")
    );
    assert!(err(pin(json!({"verify": {"hmac_sha256": []}}))).contains("verify.hmac_sha256"));
    assert!(
        err(pin(json!({"verify": {"http": {"url": "pin.example.com"}}})))
            .contains("verify.http.url")
    );
    assert!(
        err(pin(json!({"success": {"pin": {"pin": "other"}}})))
            .contains("undefined PIN node `other`")
    );
    assert!(err(json!({"long_wait": {"threshold_secs": 0}})).contains("threshold_secs"));
    assert!(
        err(json!({"long_wait": {"threshold_secs": 60, "offer": {"prompt": [], "key": "x"}}}))
            .contains("offer.key")
    );
}

#[test]
fn a_right_pin_sets_member_and_a_wrong_one_retries_then_fails_without_leaking_it() {
    let config = menu(json!({}));
    let none = Scripted::default();
    let asking = [("ivr-menu.stack", "main"), ("ivr-menu.pin", "member")];
    let ok = decide(
        &config,
        &context(0, &asking),
        digits("pin:member", "123456"),
        &none,
    )
    .unwrap();
    assert!(has(&ok, &Action::set("member", "true")), "{ok:?}");
    assert!(has(&ok, &Action::Visit("members".into())));
    assert!(has(&ok, &Action::Visit("pin:member:ok".into())));

    let wrong = decide(
        &config,
        &context(0, &asking),
        digits("pin:member", "654321"),
        &none,
    )
    .unwrap();
    assert!(
        has(&wrong, &Action::set("ivr-menu.pin-attempts", "1")),
        "{wrong:?}"
    );
    let last = [("ivr-menu.pin", "member"), ("ivr-menu.pin-attempts", "1")];
    let failed = decide(
        &config,
        &context(0, &last),
        digits("pin:member", "000000"),
        &none,
    )
    .unwrap();
    assert!(
        has(&failed, &Action::Visit("pin:member:failed".into())),
        "{failed:?}"
    );
    assert!(matches!(failed.last(), Some(Action::Enqueue(e)) if e.queue == "sales"));
    for action in ok.iter().chain(&wrong).chain(&failed) {
        let text = format!("{action:?}");
        assert!(
            !text.contains("123456") && !text.contains("654321"),
            "{text}"
        );
    }
    // An answer for a PIN node that is not being asked is ignored.
    let late = decide(
        &config,
        &context(0, &[]),
        digits("pin:member", "123456"),
        &none,
    )
    .unwrap();
    assert!(late.is_empty());
}

#[test]
fn an_http_pin_endpoint_that_cannot_answer_takes_the_failure_branch_with_a_warning() {
    let config = menu(json!({"pins": {"member": {
        "prompt": [], "digits": 4, "verify": {"http": {"url": "https://pins.example.com/check"}},
        "success": {"menu": {"menu": "members"}}, "failure": {"hang_up": {}}
    }}}));
    let down = Scripted {
        verdict: Some(Verdict::Unavailable("the endpoint answered 503".into())),
        ..Scripted::default()
    };
    let asking = [("ivr-menu.pin", "member")];
    let actions = decide(
        &config,
        &context(0, &asking),
        digits("pin:member", "4321"),
        &down,
    )
    .unwrap();
    assert!(
        matches!(actions.last(), Some(Action::HangUp)),
        "{actions:?}"
    );
    assert_eq!(*down.asked.borrow(), vec!["4321".to_owned()]);
    let warnings = down.warnings.borrow();
    assert!(
        warnings[0].contains("503") && !warnings[0].contains("4321"),
        "{warnings:?}"
    );
    // A PIN of the wrong length is wrong without asking the endpoint.
    let short = Scripted::default();
    decide(
        &config,
        &context(0, &asking),
        digits("pin:member", "12"),
        &short,
    )
    .unwrap();
    assert!(short.asked.borrow().is_empty());
}

#[test]
fn a_long_estimated_wait_offers_voicemail_once() {
    let config = menu(
        json!({"long_wait": {"threshold_secs": 120, "offer": {"prompt": [{"tenant": "offer-vm"}]}}}),
    );
    let none = Scripted::default();
    let update = |secs| {
        Event::QueueUpdate(QueueUpdate {
            queue: "sales".into(),
            position: 4,
            estimated_wait_secs: secs,
        })
    };
    assert!(
        decide(&config, &context(0, &[]), update(Some(120)), &none)
            .unwrap()
            .is_empty()
    );
    assert!(
        decide(&config, &context(0, &[]), update(None), &none)
            .unwrap()
            .is_empty()
    );
    let offer = decide(&config, &context(0, &[]), update(Some(300)), &none).unwrap();
    assert!(
        has(&offer, &Action::set("ivr-menu.long-wait", "offered:sales")),
        "{offer:?}"
    );
    let offered = [("ivr-menu.long-wait", "offered:sales")];
    assert!(
        decide(&config, &context(0, &offered), update(Some(400)), &none)
            .unwrap()
            .is_empty()
    );
    let accepted = decide(
        &config,
        &context(0, &offered),
        digits("long-wait", "1"),
        &none,
    )
    .unwrap();
    assert!(matches!(accepted.last(), Some(Action::Voicemail(v)) if v.mailbox == "sales"));
    let declined = decide(
        &config,
        &context(0, &offered),
        digits("long-wait", "2"),
        &none,
    )
    .unwrap();
    assert_eq!(declined.len(), 1);
    assert!(has(
        &declined,
        &Action::set("ivr-menu.long-wait", "declined")
    ));
}

#[test]
fn pin_hashes_are_hmac_sha256_keyed_with_the_installation_secret() {
    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    assert_eq!(
        pin_hash(b"Jefe", "what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    // Another key gives another hash for the same PIN: a list from one installation says
    // nothing about another's.
    assert_ne!(
        pin_hash(KEY.as_bytes(), "123456"),
        pin_hash(b"another-key-0123456789", "123456")
    );
}

#[test]
fn unsalted_sha256_pin_lists_are_refused_with_the_way_to_migrate() {
    let config = json!({"start": "main", "menus": {"main": {"prompt": [], "options": {}}},
        "pins": {"p": {"prompt": [], "digits": 4,
            "verify": {"sha256": ["03ac674216f3e15c761ee1a5e255f067953623c8b388b4459e13f978d7c846f4"]},
            "success": {"hang_up": {}}, "failure": {"hang_up": {}}}}});
    let err = MenuConfig::parse(&config.to_string()).unwrap_err();
    for needed in [
        "menu.pins.p.verify.sha256",
        "no longer accepted",
        "pin_key",
        "hmac_sha256",
        "kefu-plugin pin-hash",
    ] {
        assert!(err.contains(needed), "{needed:?} missing from: {err}");
    }
}

#[test]
fn a_hashed_pin_needs_the_key_it_was_hashed_with() {
    let config = menu(json!({}));
    let asking = [("ivr-menu.stack", "main"), ("ivr-menu.pin", "member")];
    let enter = |verifier: &Scripted| {
        decide(
            &config,
            &context(0, &asking),
            digits("pin:member", "123456"),
            verifier,
        )
        .unwrap()
    };
    // Another key: the right PIN is wrong.
    let other = Scripted {
        key: Some(Some("another-key-0123456789")),
        ..Scripted::default()
    };
    let actions = enter(&other);
    assert!(
        has(&actions, &Action::set("ivr-menu.pin-attempts", "1")),
        "{actions:?}"
    );
    // No key, or one too short to be a secret: the check cannot be made; the failure branch
    // is taken with a warning that names the secret, not the PIN.
    for key in [None, Some("short")] {
        let verifier = Scripted {
            key: Some(key),
            ..Scripted::default()
        };
        let actions = enter(&verifier);
        assert!(
            has(&actions, &Action::Visit("pin:member:unavailable".into())),
            "{actions:?}"
        );
        let warnings = verifier.warnings.borrow();
        assert!(
            warnings[0].contains("pin_key") && !warnings[0].contains("123456"),
            "{warnings:?}"
        );
    }
}
