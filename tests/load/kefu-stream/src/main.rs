//! kefu-stream: opens many subscribers of one tenant's event stream
//! (`/api/v1/events/stream`), authenticates each with its first message, and measures how long
//! each event took from the moment it happened (`event.at`) to its arrival here. Prints one JSON
//! object at the end; a progress line each second on stderr.
//!
//! Latency is wall-clock on one machine: the server stamps `at` when the event is emitted, so
//! the figure includes the event log's write, the bus, the fan-out and the WebSocket. The log
//! keeps `at` to the millisecond (truncated), so each sample reads up to 1 ms long.
//!
//! Only what arrives inside the counting window is counted: it opens `--warmup-s` after every
//! subscriber is ready (printed as a line "counting" with `--announce`) and lasts
//! `--duration-s`. Each frame is read with a borrowing parse of the two fields used (`type`
//! and `event.at`), so the client's own cost per delivery stays small next to the server's.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;

#[derive(Parser, Debug, Clone)]
#[command(version, about = "Event stream load client")]
struct Args {
    /// The stream's URL.
    #[arg(long, default_value = "ws://127.0.0.1:8080/api/v1/events/stream")]
    url: String,
    /// An access token (or the environment's KEFU_TOKEN).
    #[arg(long, env = "KEFU_TOKEN")]
    token: String,
    /// Subscribers to open.
    #[arg(long, default_value_t = 1000)]
    subscribers: u64,
    /// New connections per second while opening.
    #[arg(long, default_value_t = 500.0)]
    connect_rate: f64,
    /// How long to listen once all are connected, seconds.
    #[arg(long, default_value_t = 60)]
    duration_s: u64,
    /// Runtime worker threads (the subscribers share them).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Seconds between every subscriber being ready and the counting window.
    #[arg(long, default_value_t = 0)]
    warmup_s: u64,
    /// Write a line "connected" to stdout once every subscriber is ready, and "counting" when
    /// the counting window opens.
    #[arg(long)]
    announce: bool,
}

/// The parts of a stream message this client reads; everything else is skipped unparsed.
#[derive(Deserialize)]
struct Frame<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    #[serde(borrow, default)]
    event: Option<FrameEvent<'a>>,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
struct FrameEvent<'a> {
    #[serde(borrow)]
    at: &'a str,
}

#[derive(Default)]
struct Stats {
    /// Inside the counting window.
    counting: AtomicBool,
    /// Deliveries inside the window.
    received: AtomicU64,
    errors: AtomicU64,
    closed: AtomicU64,
    latencies_us: Mutex<Vec<u64>>,
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn subscriber(
    args: Arc<Args>,
    stats: Arc<Stats>,
    ready: tokio::sync::mpsc::Sender<()>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let Ok((mut ws, _)) = tokio_tungstenite::connect_async(args.url.as_str()).await else {
        stats.errors.fetch_add(1, Ordering::Relaxed);
        let _ = ready.send(()).await;
        return;
    };
    let hello = json!({"type": "auth", "token": args.token}).to_string();
    if ws.send(Message::Text(hello.into())).await.is_err() {
        stats.errors.fetch_add(1, Ordering::Relaxed);
        let _ = ready.send(()).await;
        return;
    }
    let mut local = Vec::with_capacity(4096);
    let mut announced = false;
    loop {
        let msg = tokio::select! {
            msg = ws.next() => msg,
            _ = stop.changed() => break,
        };
        let Some(msg) = msg else { break };
        let Ok(msg) = msg else {
            stats.errors.fetch_add(1, Ordering::Relaxed);
            break;
        };
        let Message::Text(text) = msg else {
            if matches!(msg, Message::Close(_)) {
                stats.closed.fetch_add(1, Ordering::Relaxed);
                break;
            }
            continue;
        };
        let now = chrono::Utc::now();
        let Ok(frame) = serde_json::from_str::<Frame>(text.as_str()) else {
            stats.errors.fetch_add(1, Ordering::Relaxed);
            eprintln!(
                "unreadable message: {}",
                text.as_str().chars().take(200).collect::<String>()
            );
            continue;
        };
        match frame.kind {
            "ready" | "resync" if !announced => {
                announced = true;
                let _ = ready.send(()).await;
            }
            "event" if stats.counting.load(Ordering::Relaxed) => {
                stats.received.fetch_add(1, Ordering::Relaxed);
                if let Some(at) = frame
                    .event
                    .and_then(|e| chrono::DateTime::parse_from_rfc3339(e.at).ok())
                {
                    let us = (now - at.with_timezone(&chrono::Utc))
                        .num_microseconds()
                        .unwrap_or(0)
                        .max(0);
                    local.push(us as u64);
                } else {
                    stats.errors.fetch_add(1, Ordering::Relaxed);
                }
                if local.len() >= 256 {
                    stats.latencies_us.lock().await.append(&mut local);
                }
            }
            "error" => {
                stats.errors.fetch_add(1, Ordering::Relaxed);
                eprintln!("stream error: {}", frame.reason.unwrap_or_default());
            }
            _ => {}
        }
    }
    stats.latencies_us.lock().await.append(&mut local);
    if !announced {
        let _ = ready.send(()).await;
    }
}

fn main() {
    let args = Arc::new(Args::parse());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build();
    match runtime {
        Ok(rt) => rt.block_on(run(args)),
        Err(e) => {
            eprintln!("starting the runtime: {e}");
            std::process::exit(1);
        }
    }
}

async fn run(args: Arc<Args>) {
    let stats = Arc::new(Stats::default());
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel(1024);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    let gap = Duration::from_secs_f64(1.0 / args.connect_rate.max(1.0));
    for _ in 0..args.subscribers {
        tasks.push(tokio::spawn(subscriber(
            args.clone(),
            stats.clone(),
            ready_tx.clone(),
            stop_rx.clone(),
        )));
        tokio::time::sleep(gap).await;
    }
    let mut answered = 0u64;
    for _ in 0..args.subscribers {
        if tokio::time::timeout(Duration::from_secs(60), ready_rx.recv())
            .await
            .is_err()
        {
            break;
        }
        answered += 1;
    }
    if args.announce {
        println!("connected");
    }
    tokio::time::sleep(Duration::from_secs(args.warmup_s)).await;
    // Count only what arrives inside the window.
    let window = std::time::Instant::now();
    stats.counting.store(true, Ordering::Relaxed);
    if args.announce {
        println!("counting");
    }
    for s in 0..args.duration_s {
        tokio::time::sleep(Duration::from_secs(1)).await;
        eprintln!(
            "{s:>4}s received {} errors {} closed {}",
            stats.received.load(Ordering::Relaxed),
            stats.errors.load(Ordering::Relaxed),
            stats.closed.load(Ordering::Relaxed)
        );
    }
    stats.counting.store(false, Ordering::Relaxed);
    let secs = window.elapsed().as_secs_f64();
    // Every subscriber hands in what it holds, then stops.
    let _ = stop_tx.send(true);
    for t in tasks {
        let _ = t.await;
    }
    let mut lat = std::mem::take(&mut *stats.latencies_us.lock().await);
    lat.sort_unstable();
    let deliveries = stats.received.load(Ordering::Relaxed);
    let out = json!({
        "subscribers": args.subscribers,
        "ready_or_failed": answered,
        "duration_s": secs,
        "deliveries": deliveries,
        "deliveries_per_s": deliveries as f64 / secs,
        "errors": stats.errors.load(Ordering::Relaxed),
        "closed": stats.closed.load(Ordering::Relaxed),
        "latency_ms": {
            "samples": lat.len(),
            "p50": percentile(&lat, 0.50) as f64 / 1000.0,
            "p90": percentile(&lat, 0.90) as f64 / 1000.0,
            "p99": percentile(&lat, 0.99) as f64 / 1000.0,
            "p999": percentile(&lat, 0.999) as f64 / 1000.0,
            "max": lat.last().copied().unwrap_or(0) as f64 / 1000.0,
        },
    });
    println!("{out}");
}
