//! IVR invocation cost: a fresh instance of `ivr-menu` plus one `on-event`, as the call actor
//! does it. Prints p50/p99 from a per-invocation loop, invocations/s on one thread, memory per
//! concurrent instance (resident-set growth) and compile time per version; criterion follows.
//!
//! Needs the guests: run `plugins/build.sh` first (or set KEFU_PLUGIN_WASM_DIR).

#![allow(missing_docs)] // criterion_group! generates an undocumented function

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use kefu_plugin_host::ivr::{CollectEnd, CollectedDigits, Event};
use kefu_plugin_host::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn wasm(name: &str) -> Vec<u8> {
    let dir = std::env::var_os("KEFU_PLUGIN_WASM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/kefu/target-wasm/plugins")
        });
    let path = dir.join(format!("{name}.wasm"));
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{} ({e}): run plugins/build.sh first", path.display()))
}

fn context(tenant: &kefu_core::TenantId, data: Vec<(String, String)>) -> CallContext {
    CallContext {
        call_id: "call_01".into(),
        tenant_id: tenant.to_string(),
        caller: "+8613800138000".into(),
        dialled: "+862150000000".into(),
        data,
        ivr_path: vec!["main".into()],
        language: Language::Mandarin,
        started_at_ms: 1_795_000_000_000,
    }
}

struct Setup {
    host: PluginHost,
    plugin: Arc<Plugin>,
    installation: Arc<Installation>,
    context: CallContext,
    event: Event,
}

fn setup() -> Setup {
    let host =
        PluginHost::new(HostConfig::default(), Arc::new(MemoryLog::new(1_000))).expect("host");
    let manifest: Manifest = serde_json::from_value(serde_json::json!({
        "name": "ivr-menu", "version": "1.0.0", "world": "ivr", "capabilities": {"config": true}
    }))
    .expect("manifest");
    let plugin = host.load(manifest, &wasm("ivr_menu")).expect("load");
    let mut installation = Installation::new(kefu_core::TenantId::new());
    installation.config.insert(
        "menu".into(),
        serde_json::json!({
            "greeting": [{"tenant": "welcome"}], "start": "main", "operator": {"queue": {"queue": "operator"}},
            "menus": {"main": {"prompt": [{"tenant": "main-menu"}], "options": {
                "1": {"queue": {"queue": "sales"}}, "2": {"transfer": {"number": "+862150001111"}}}}}
        }),
    );
    // A typical mid-menu event: the caller pressed 1 in the main menu.
    let context = context(
        &installation.tenant,
        vec![
            ("ivr-menu.stack".into(), "main".into()),
            ("ivr-menu.retries".into(), "0".into()),
        ],
    );
    let event = Event::DigitsCollected(CollectedDigits {
        tag: "menu:main".into(),
        digits: "1".into(),
        ended_by: CollectEnd::MaxDigits,
    });
    Setup {
        host,
        plugin,
        installation: Arc::new(installation),
        context,
        event,
    }
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn figures(rt: &tokio::runtime::Runtime) {
    let s = setup();
    let compile = (0..3)
        .map(|i| {
            // A fresh host each time: the component cache is per host.
            let host = PluginHost::new(HostConfig::default(), Arc::new(MemoryLog::new(1))).expect("host");
            let manifest: Manifest = serde_json::from_value(serde_json::json!({
                "name": "ivr-menu", "version": format!("1.0.{i}"), "world": "ivr", "capabilities": {"config": true}
            }))
            .expect("manifest");
            host.load(manifest, &wasm("ivr_menu")).expect("load").compile_time().expect("compiled")
        })
        .min()
        .unwrap_or_default();

    let n = 20_000;
    let mut samples = Vec::with_capacity(n);
    rt.block_on(async {
        for _ in 0..2_000 {
            s.host
                .ivr_on_event(&s.plugin, &s.installation, &s.context, &s.event)
                .await;
        }
        for _ in 0..n {
            let started = Instant::now();
            let call = s
                .host
                .ivr_on_event(&s.plugin, &s.installation, &s.context, &s.event)
                .await;
            samples.push(started.elapsed());
            assert!(
                matches!(call.output, Some(Ok(_))),
                "{:?}",
                call.invocation.outcome
            );
        }
    });
    samples.sort();
    let pct = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    let total: Duration = samples.iter().sum();
    println!("plugin-host ivr-menu on-event, fresh instance + call, one thread, n = {n}:");
    println!(
        "  p50 {:?}  p99 {:?}  p99.9 {:?}  max {:?}",
        pct(0.50),
        pct(0.99),
        pct(0.999),
        pct(1.0)
    );
    println!(
        "  {:.0} invocations/s (from the loop mean {:?})",
        n as f64 / total.as_secs_f64(),
        total / n as u32
    );
    println!(
        "  compile time, ivr-menu ({} bytes): {compile:?} (best of 3)",
        wasm("ivr_menu").len()
    );
    println!(
        "  memory per concurrent instance: {}",
        concurrent_memory(rt)
    );
}

/// Holds 64 instances of the misbehaving guest inside an HTTP call to a slow loopback server
/// and measures the resident-set growth.
fn concurrent_memory(rt: &tokio::runtime::Runtime) -> String {
    const N: usize = 64;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            for _ in 0..N {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(async move {
                    let mut buf = [0u8; 2048];
                    let _ = socket.read(&mut buf).await;
                    tokio::time::sleep(Duration::from_millis(800)).await;
                    let _ = socket
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                        )
                        .await;
                });
            }
        });
        let host =
            PluginHost::new(HostConfig::default(), Arc::new(MemoryLog::new(1))).expect("host");
        let manifest: Manifest = serde_json::from_value(serde_json::json!({
            "name": "misbehave", "version": "1.0.0", "world": "ivr",
            "capabilities": {"log": true, "kv": true, "config": true, "http": {"allowed_hosts": [format!("127.0.0.1:{port}")]}}
        }))
        .expect("manifest");
        let plugin = host.load(manifest, &wasm("misbehave")).expect("load");
        let installation = Arc::new(Installation::new(kefu_core::TenantId::new()));
        let url = format!("http://127.0.0.1:{port}/");
        // Warm the pool and the allocator once, then measure.
        let ctx = context(&installation.tenant, vec![("behaviour".into(), "ok".into())]);
        host.ivr_on_event(&plugin, &installation, &ctx, &Event::CallStarted)
            .await;
        let before = rss_kib();
        let ctx = context(&installation.tenant, vec![
            ("behaviour".into(), "http".into()),
            ("url".into(), url),
        ]);
        let tasks: Vec<_> = (0..N)
            .map(|_| {
                let (host, plugin, installation, ctx) = (
                    host.clone(),
                    plugin.clone(),
                    installation.clone(),
                    ctx.clone(),
                );
                tokio::spawn(async move {
                    host.ivr_on_event(&plugin, &installation, &ctx, &Event::CallStarted)
                        .await
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(400)).await;
        let during = rss_kib();
        for task in tasks {
            let _ = task.await;
        }
        format!(
            "{:.0} KiB ({N} instances held in an HTTP call: RSS {before} → {during} KiB)",
            (during.saturating_sub(before)) as f64 / N as f64
        )
    })
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    figures(&rt);
    let s = setup();
    c.bench_function("ivr-menu on-event (fresh instance)", |b| {
        b.to_async(&rt).iter(|| {
            s.host
                .ivr_on_event(&s.plugin, &s.installation, &s.context, &s.event)
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3)).sample_size(20);
    targets = bench
}

fn main() {
    benches();
    Criterion::default().final_summary();
}
