//! The same `ivr-menu` logic natively: per event, the `menu` config parsed and the decision
//! taken, exactly what the component does inside Wasm (`ivr_menu::handle`), for the same
//! scenarios and menus as the host's benchmark (`platform/plugin-host/benches/ivr.rs`), so the
//! two p50s give the Wasm-to-native ratio. Prints p50/p99/max and events/s on one thread.
//!
//! Run: `cargo bench --manifest-path plugins/Cargo.toml -p ivr-menu --bench native`.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use ivr_menu::pin::{HttpVerify, PinVerifier, Verdict};
use kefu_plugin_sdk::ivr::{CallContext, CollectEnd, CollectedDigits, Event, Language, QueueUpdate};

/// The scenarios use hashed PINs only: nothing goes over HTTP. Holds the installation secret
/// `pin_key` (from menus.json, as the host's benchmark sets it).
struct NoHttp(String);

impl PinVerifier for NoHttp {
    fn verify(&self, _: &HttpVerify, _: &str, _: &str, _: &str) -> Verdict {
        Verdict::Unavailable("no HTTP in the benchmark".into())
    }
    fn pin_key(&self) -> Option<String> {
        Some(self.0.clone())
    }
    fn warn(&self, _: &str) {}
}

fn scenario(name: &str) -> (String, CallContext, Event) {
    let menus: serde_json::Value =
        serde_json::from_str(include_str!("menus.json")).unwrap();
    let menu = menus[if name == "menu-key" { "small" } else { "full" }].to_string();
    let data = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
    };
    let mut context = CallContext {
        call_id: "call_01".into(),
        tenant_id: "ten_01".into(),
        caller: "+8613800138000".into(),
        dialled: "+862150000000".into(),
        data: Vec::new(),
        ivr_path: vec!["main".into()],
        language: Language::Mandarin,
        started_at_ms: 1_795_000_000_000,
    };
    let event = match name {
        "after-hours" => {
            context.started_at_ms = 1_795_312_800_000; // Sunday 2026-11-22 10:00 in Shanghai
            Event::CallStarted
        }
        "pin" => {
            context.data = data(&[("ivr-menu.stack", "main"), ("ivr-menu.pin", "member")]);
            Event::DigitsCollected(CollectedDigits {
                tag: "pin:member".into(),
                digits: "135790".into(),
                ended_by: CollectEnd::MaxDigits,
            })
        }
        "long-wait" => Event::QueueUpdate(QueueUpdate {
            queue: "sales".into(),
            position: 7,
            estimated_wait_secs: Some(600),
        }),
        _ => {
            context.data = data(&[("ivr-menu.stack", "main"), ("ivr-menu.retries", "0")]);
            Event::DigitsCollected(CollectedDigits {
                tag: "menu:main".into(),
                digits: "1".into(),
                ended_by: CollectEnd::MaxDigits,
            })
        }
    };
    (menu, context, event)
}

fn main() {
    println!("ivr-menu logic natively (config parse + decide per event), one thread:");
    let menus: serde_json::Value = serde_json::from_str(include_str!("menus.json")).unwrap();
    let verifier = NoHttp(menus["pin_key"].as_str().unwrap().to_owned());
    for (name, n) in [
        ("menu-key", 200_000),
        ("menu-key-full", 100_000),
        ("after-hours", 100_000),
        ("pin", 100_000),
        ("long-wait", 100_000),
    ] {
        let (menu, context, event) = scenario(name);
        let run = || {
            let actions = ivr_menu::handle(
                black_box(&menu),
                black_box(&context),
                black_box(event.clone()),
                &verifier,
            )
            .unwrap();
            assert!(!actions.is_empty(), "{name}: no actions");
            black_box(actions);
        };
        for _ in 0..n / 10 {
            run();
        }
        let mut samples = Vec::with_capacity(n);
        for _ in 0..n {
            let started = Instant::now();
            run();
            samples.push(started.elapsed());
        }
        samples.sort();
        let pct = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
        let total: Duration = samples.iter().sum();
        println!(
            "  {name:<13} n = {n}: p50 {:?}  p99 {:?}  max {:?}  {:.0}/s",
            pct(0.50),
            pct(0.99),
            pct(1.0),
            n as f64 / total.as_secs_f64(),
        );
    }
}
