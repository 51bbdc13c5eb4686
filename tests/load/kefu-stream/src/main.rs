//! kefu-stream: opens many subscribers of one tenant's event stream
//! (`/api/v1/events/stream`), authenticates each with its first message, and measures how long
//! each event took from the moment it happened (`event.at`) to its arrival here. Prints one JSON
//! object at the end; a progress line each second on stderr.
//!
//! Latency is wall-clock on one machine: the server stamps `at` when the event is emitted, so
//! the figure includes the event log's write, the bus, the fan-out and the WebSocket.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
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
    /// Write a line "connected" to stdout once every subscriber is ready.
    #[arg(long)]
    announce: bool,
}

#[derive(Default)]
struct Stats {
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

async fn subscriber(args: Arc<Args>, stats: Arc<Stats>, ready: tokio::sync::mpsc::Sender<()>) {
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
    while let Some(msg) = ws.next().await {
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
        let Ok(v) = serde_json::from_str::<Value>(text.as_str()) else {
            continue;
        };
        match v["type"].as_str() {
            Some("ready") | Some("resync") if !announced => {
                announced = true;
                let _ = ready.send(()).await;
            }
            Some("event") => {
                stats.received.fetch_add(1, Ordering::Relaxed);
                if let Some(at) = v["event"]["at"]
                    .as_str()
                    .and_then(|a| chrono::DateTime::parse_from_rfc3339(a).ok())
                {
                    let us = (now - at.with_timezone(&chrono::Utc))
                        .num_microseconds()
                        .unwrap_or(0)
                        .max(0);
                    local.push(us as u64);
                }
                if local.len() >= 256 {
                    stats.latencies_us.lock().await.append(&mut local);
                }
            }
            Some("error") => {
                stats.errors.fetch_add(1, Ordering::Relaxed);
                eprintln!("stream error: {}", v["reason"]);
            }
            _ => {}
        }
    }
    stats.latencies_us.lock().await.append(&mut local);
    if !announced {
        let _ = ready.send(()).await;
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let args = Arc::new(Args::parse());
    let stats = Arc::new(Stats::default());
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel(1024);
    let mut tasks = Vec::new();
    let gap = Duration::from_secs_f64(1.0 / args.connect_rate.max(1.0));
    for _ in 0..args.subscribers {
        tasks.push(tokio::spawn(subscriber(
            args.clone(),
            stats.clone(),
            ready_tx.clone(),
        )));
        tokio::time::sleep(gap).await;
    }
    for _ in 0..args.subscribers {
        if tokio::time::timeout(Duration::from_secs(60), ready_rx.recv())
            .await
            .is_err()
        {
            break;
        }
    }
    if args.announce {
        println!("connected");
    }
    // Count only what arrives from now on.
    stats.latencies_us.lock().await.clear();
    let start_received = stats.received.load(Ordering::Relaxed);
    for s in 0..args.duration_s {
        tokio::time::sleep(Duration::from_secs(1)).await;
        eprintln!(
            "{s:>4}s received {} errors {} closed {}",
            stats.received.load(Ordering::Relaxed) - start_received,
            stats.errors.load(Ordering::Relaxed),
            stats.closed.load(Ordering::Relaxed)
        );
    }
    for t in &tasks {
        t.abort();
    }
    let mut lat = std::mem::take(&mut *stats.latencies_us.lock().await);
    lat.sort_unstable();
    let out = json!({
        "subscribers": args.subscribers,
        "duration_s": args.duration_s,
        "deliveries": stats.received.load(Ordering::Relaxed) - start_received,
        "deliveries_per_s": (stats.received.load(Ordering::Relaxed) - start_received) as f64 / args.duration_s.max(1) as f64,
        "errors": stats.errors.load(Ordering::Relaxed),
        "closed": stats.closed.load(Ordering::Relaxed),
        "latency_ms": {
            "samples": lat.len(),
            "p50": percentile(&lat, 0.50) as f64 / 1000.0,
            "p99": percentile(&lat, 0.99) as f64 / 1000.0,
            "max": lat.last().copied().unwrap_or(0) as f64 / 1000.0,
        },
    });
    println!("{out}");
}
