//! A guest that misbehaves on purpose, for kefu-plugin-host's containment tests. The call data
//! key `behaviour` picks what it does; results come back as `set-call-data` actions.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use kefu_plugin_sdk::ivr::{
    self, Action, CallContext, CallData, Event, PluginError, config, http, kv,
};

/// Written by `write-global`, read by `read-global`: a fresh instance must see 0 again.
static GLOBAL: AtomicU64 = AtomicU64::new(0);
/// A zero-initialised (bss) buffer; `write-global` fills it, `read-global` sums it.
static BSS: [AtomicU64; 64] = [const { AtomicU64::new(0) }; 64];

struct Misbehave;

impl ivr::Guest for Misbehave {
    fn on_event(context: CallContext, _event: Event) -> Result<Vec<Action>, PluginError> {
        let behaviour = context.data("behaviour").unwrap_or("ok").to_owned();
        match behaviour.as_str() {
            "ok" => Ok(vec![
                Action::Answer,
                Action::set("echo", context.call_id.clone()),
            ]),
            "loop" => {
                let mut n: u64 = 0;
                loop {
                    n = black_box(n.wrapping_add(1));
                }
            }
            "memory" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    black_box(&hoard);
                }
            }
            "recursion" => Ok(vec![Action::set(
                "depth",
                recurse(black_box(0)).to_string(),
            )]),
            "recursion-native" => Ok(vec![Action::set(
                "depth",
                recurse_native(black_box(0)).to_string(),
            )]),
            "oversized" => {
                let bytes: usize = context
                    .data("bytes")
                    .and_then(|b| b.parse().ok())
                    .unwrap_or(1 << 20);
                Ok(vec![Action::set("blob", "x".repeat(bytes))])
            }
            "http" => {
                let url = context
                    .data("url")
                    .unwrap_or("http://127.0.0.1/")
                    .to_owned();
                let request = http::Request {
                    method: http::Method::Get,
                    url,
                    headers: Vec::new(),
                    body: None,
                    timeout_ms: Some(1_000),
                };
                Ok(vec![match http::send(&request) {
                    Ok(response) => Action::SetCallData(vec![
                        ("http.status".into(), response.status.to_string()),
                        (
                            "http.body".into(),
                            String::from_utf8_lossy(&response.body).into_owned(),
                        ),
                    ]),
                    Err(error) => Action::set("http.error", format!("{error:?}")),
                }])
            }
            "write-global" => {
                GLOBAL.store(0xdead_beef, Ordering::Relaxed);
                for cell in &BSS {
                    cell.store(7, Ordering::Relaxed);
                }
                // Leave a marker on the heap too, and never free it.
                std::mem::forget(black_box(vec![0xabu8; 4096]));
                Ok(vec![Action::set("written", "yes")])
            }
            "read-global" => {
                let bss: u64 = BSS.iter().map(|c| c.load(Ordering::Relaxed)).sum();
                let heap = black_box(vec![0u8; 4096]);
                let heap_marks = heap.iter().filter(|b| **b == 0xab).count();
                Ok(vec![Action::SetCallData(vec![
                    ("global".into(), GLOBAL.load(Ordering::Relaxed).to_string()),
                    ("bss".into(), bss.to_string()),
                    ("heap-marks".into(), heap_marks.to_string()),
                ])])
            }
            "sandbox" => {
                let env = std::env::vars().count();
                let args = std::env::args().count();
                let root = std::fs::read_dir("/")
                    .map(|d| d.count().to_string())
                    .unwrap_or_else(|e| e.kind().to_string());
                let passwd = std::fs::read("/etc/passwd")
                    .map(|b| b.len().to_string())
                    .unwrap_or_else(|e| e.kind().to_string());
                let cwd = std::env::current_dir()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|e| e.kind().to_string());
                Ok(vec![Action::SetCallData(vec![
                    ("env".into(), env.to_string()),
                    ("args".into(), args.to_string()),
                    ("read-dir-root".into(), root),
                    ("read-passwd".into(), passwd),
                    ("cwd".into(), cwd),
                ])])
            }
            "log" => {
                ivr::log::log(ivr::log::Level::Info, "hello from the guest");
                Ok(vec![])
            }
            "kv" => Ok(vec![Action::set("kv", kv_op(&context))]),
            "secret" => {
                let key = context.data("key").unwrap_or("token");
                Ok(vec![Action::set(
                    "secret",
                    config::secret(key).unwrap_or_else(|| "<none>".into()),
                )])
            }
            "panic" => panic!("the guest panicked on purpose"),
            other => Err(PluginError::invalid_input(format!(
                "unknown behaviour `{other}`"
            ))),
        }
    }
}

/// One kv operation chosen by call data: `op` (`get`, `set`, `delete`), `key`, and for `set`
/// either `value` or `value-bytes` (that many `v`s). The answer: `ok`, `<none>`, the value read,
/// or the error's debug form.
fn kv_op(context: &CallContext) -> String {
    let key = context.data("key").unwrap_or("k");
    let key = match context.data("key-bytes").and_then(|n| n.parse().ok()) {
        Some(n) => "k".repeat(n),
        None => key.to_owned(),
    };
    let show = |r: Result<(), kv::KvError>| match r {
        Ok(()) => "ok".to_owned(),
        Err(e) => format!("{e:?}"),
    };
    match context.data("op").unwrap_or("get") {
        "set" => {
            let value = match context.data("value-bytes").and_then(|n| n.parse().ok()) {
                Some(n) => vec![b'v'; n],
                None => context.data("value").unwrap_or("").as_bytes().to_vec(),
            };
            show(kv::set(&key, &value))
        }
        "delete" => show(kv::delete(&key)),
        _ => match kv::get(&key) {
            Ok(Some(value)) => String::from_utf8_lossy(&value).into_owned(),
            Ok(None) => "<none>".into(),
            Err(e) => format!("{e:?}"),
        },
    }
}

/// Recursion whose frames live in the guest's own stack in linear memory (Rust's shadow stack,
/// 1 MiB by default): it runs off the bottom of linear memory.
fn recurse(depth: u64) -> u64 {
    // The array keeps each frame large and the black_box stops tail-call elimination.
    if depth == u64::MAX {
        return 0;
    }
    let frame = black_box([depth; 16]);
    black_box(recurse(black_box(depth + 1))) + frame[depth as usize % 16]
}

/// Recursion with nothing in linear memory: only the WebAssembly stack grows, until the host's
/// stack limit stops it.
fn recurse_native(depth: u64) -> u64 {
    if depth == u64::MAX {
        return 0;
    }
    // Not a tail call, and not an associative accumulator, so it stays a real recursion.
    recurse_native(depth + 1)
        .wrapping_mul(3)
        .wrapping_add(depth ^ 0x55)
}

ivr::export_ivr!(Misbehave);
