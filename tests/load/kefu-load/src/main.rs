//! kefu-load: plays the carrier side of SIP trunk calls (hand-rolled UAC over UDP, G.711 RTP both
//! ways) against a SIP server, cheaply enough to hold 1,000+ concurrent calls on one core.
//! Prints one JSON object with the figures at the end; a progress line each second on stderr.

mod call;
mod media;
mod rtp;
mod sdp;
mod sip;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use clap::Parser;
use serde_json::json;
use tokio::net::UdpSocket;
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time::{Instant, MissedTickBehavior};

use call::{CallStats, Live, Settings, Worker};

/// Longest time option (7 days): keeps every deadline far from `Instant` overflow.
const MAX_MS: u64 = 7 * 86_400 * 1000;

#[derive(Parser, Debug, Clone)]
#[command(
    version,
    about = "SIP trunk call load generator (UAC + two-way G.711 RTP)"
)]
struct Args {
    /// SIP server to call (UDP).
    #[arg(long, default_value = "127.0.0.1:5060")]
    target: SocketAddr,
    /// Number dialled (user part of the Request-URI).
    #[arg(long, default_value = "+15555550100")]
    number: String,
    /// Total calls to place.
    #[arg(long, default_value_t = 10)]
    calls: u64,
    /// Most calls in progress at once (setup + established).
    #[arg(long, default_value_t = 100)]
    concurrent: u64,
    /// New calls per second.
    #[arg(long, default_value_t = 10.0)]
    rate: f64,
    /// Time from the 200 OK to our BYE, milliseconds.
    #[arg(long, default_value_t = 3000, value_parser = clap::value_parser!(u64).range(0..=MAX_MS))]
    hold_ms: u64,
    /// Stop starting calls after this many seconds (calls in progress still finish).
    #[arg(long)]
    duration_s: Option<f64>,
    /// Local address for SIP and RTP sockets (and in Via, Contact, SDP).
    #[arg(long, default_value = "127.0.0.1")]
    source_ip: IpAddr,
    /// Local SIP port (0: any). Worker k uses port + k.
    #[arg(long, default_value_t = 0)]
    sip_port: u16,
    /// DTMF digits to send as RFC 4733 telephone-events in every call (0-9 * # A-D).
    #[arg(long)]
    dtmf: Option<String>,
    /// Delay from the 200 OK to the first digit, milliseconds.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(0..=MAX_MS))]
    dtmf_after_ms: u64,
    /// Give up (CANCEL) on a call that rang but wasn't answered within this, milliseconds.
    #[arg(long, default_value_t = 60_000, value_parser = clap::value_parser!(u64).range(0..=MAX_MS))]
    ring_timeout_ms: u64,
    /// How often RTP sockets are drained, milliseconds: arrival times (and jitter) are measured
    /// to this granularity.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=20))]
    rx_poll_ms: u64,
    /// Worker threads, each with its own SIP socket and single media task (calls are split).
    #[arg(long, default_value_t = 1)]
    threads: u64,
}

/// Process CPU time (user, system) in seconds, from /proc/self/stat fields 14 and 15
/// (clock ticks, USER_HZ = 100 on Linux).
fn cpu_times() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Field 2 (comm) may contain spaces: count from after its closing parenthesis (field 3 on).
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime / 100.0, stime / 100.0))
}

/// Peak resident memory (VmHWM) in KiB, from /proc/self/status.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Soft limit on open files, from /proc/self/limits.
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[u32], p: f64) -> Option<u32> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

fn ms(us: Option<u32>) -> serde_json::Value {
    us.map_or(serde_json::Value::Null, |v| {
        json!((f64::from(v) / 1000.0 * 100.0).round() / 100.0)
    })
}

/// A worker's share of the run.
struct Share {
    calls: u64,
    concurrent: u64,
    rate: f64,
    /// Delay of this worker's first call, to interleave workers.
    offset: Duration,
    first_call: u64,
}

async fn run_worker(
    args: Arc<Args>,
    settings: Arc<Settings>,
    live: Arc<Live>,
    share: Share,
    idx: u64,
    progress: bool,
) -> std::io::Result<(CallStats, media::Totals)> {
    let port = if args.sip_port == 0 {
        0
    } else {
        args.sip_port.saturating_add(idx as u16)
    };
    let sock = UdpSocket::bind(SocketAddr::new(args.source_ip, port)).await?;
    let local = sock.local_addr()?;
    let (media_tx, media_rx) = mpsc::unbounded_channel();
    let media_task = tokio::spawn(media::run(
        media_rx,
        Duration::from_millis(args.rx_poll_ms.max(1)),
    ));
    let w = Arc::new(Worker {
        settings,
        live: live.clone(),
        sock,
        local,
        calls: Default::default(),
        media: media_tx.clone(),
        stats: Default::default(),
    });
    let receiver = tokio::spawn(call::receiver(w.clone()));
    let start = Instant::now();
    let progress_task = progress.then(|| tokio::spawn(progress_lines(live.clone(), start)));
    let deadline = args
        .duration_s
        .map(|s| start + Duration::from_secs_f64(s.max(0.0)));
    let sem = Arc::new(Semaphore::new(share.concurrent.max(1) as usize));
    let period = Duration::from_secs_f64(1.0 / share.rate.max(0.001)).max(Duration::from_micros(1));
    let mut tick = tokio::time::interval_at(start + share.offset, period);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut set = JoinSet::new();
    let far = start + Duration::from_secs(86_400 * 365);
    for n in 0..share.calls {
        let stop = deadline.unwrap_or(far);
        let permit = tokio::select! {
            _ = tick.tick() => {
                tokio::select! {
                    p = sem.clone().acquire_owned() => p,
                    () = tokio::time::sleep_until(stop) => break,
                }
            }
            () = tokio::time::sleep_until(stop) => break,
        };
        let Ok(permit) = permit else { break };
        let w = w.clone();
        let id = share.first_call + n;
        set.spawn(async move {
            call::call(w, id).await;
            drop(permit);
        });
        while set.try_join_next().is_some() {}
    }
    while set.join_next().await.is_some() {}
    let (tx, rx) = oneshot::channel();
    let _ = media_tx.send(media::Cmd::Stop(tx));
    let totals = rx.await.unwrap_or_default();
    let _ = media_task.await;
    receiver.abort();
    if let Some(p) = progress_task {
        p.abort();
    }
    let stats = std::mem::take(
        &mut *w
            .stats
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    Ok((stats, totals))
}

async fn progress_lines(live: Arc<Live>, start: Instant) {
    let mut t = tokio::time::interval_at(start + Duration::from_secs(1), Duration::from_secs(1));
    loop {
        t.tick().await;
        eprintln!(
            "t={:>4}s attempted={} active={} established={} answered={} failed={}",
            start.elapsed().as_secs(),
            live.attempted.load(Ordering::Relaxed),
            live.active.load(Ordering::Relaxed),
            live.established.load(Ordering::Relaxed),
            live.answered.load(Ordering::Relaxed),
            live.failed.load(Ordering::Relaxed),
        );
    }
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let mut dtmf = Vec::new();
    for c in args.dtmf.as_deref().unwrap_or("").chars() {
        match rtp::dtmf_event(c) {
            Some(e) => dtmf.push(e),
            None => {
                eprintln!("--dtmf: `{c}` is not a DTMF key (0-9 * # A-D)");
                return std::process::ExitCode::from(2);
            }
        }
    }
    if !(args.rate.is_finite() && args.rate > 0.0 && args.rate <= 100_000.0) {
        eprintln!("--rate must be a number of calls per second in (0, 100000]");
        return std::process::ExitCode::from(2);
    }
    if args
        .duration_s
        .is_some_and(|d| !(d.is_finite() && (0.0..=MAX_MS as f64 / 1000.0).contains(&d)))
    {
        eprintln!("--duration-s must be between 0 and 7 days");
        return std::process::ExitCode::from(2);
    }
    let threads = args.threads.clamp(1, 64);
    if let Some(limit) = open_files_limit()
        && args.concurrent + 64 > limit
    {
        eprintln!(
            "warning: {} concurrent calls need about {} file descriptors but the limit is {limit} (raise it with `ulimit -n`)",
            args.concurrent,
            args.concurrent + 64
        );
    }
    let run_id = media::mix(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
            ^ u64::from(std::process::id()),
    ) & 0xFFFF_FFFF;
    let settings = Arc::new(Settings {
        target: args.target,
        number: args.number.clone(),
        source_ip: args.source_ip,
        hold: Duration::from_millis(args.hold_ms),
        ring_timeout: Duration::from_millis(args.ring_timeout_ms),
        dtmf,
        dtmf_after: Duration::from_millis(args.dtmf_after_ms),
        run_id,
    });
    let args = Arc::new(args);
    let live = Arc::new(Live::default());
    let wall = std::time::Instant::now();
    let cpu0 = cpu_times().unwrap_or((0.0, 0.0));

    let per_period = 1.0 / args.rate;
    let mut handles = Vec::new();
    let mut first_call = 0;
    for k in 0..threads {
        let calls = args.calls / threads + u64::from(k < args.calls % threads);
        let concurrent = args.concurrent / threads + u64::from(k < args.concurrent % threads);
        let share = Share {
            calls,
            concurrent,
            rate: args.rate / threads as f64,
            offset: Duration::from_secs_f64(per_period * k as f64),
            first_call,
        };
        first_call += calls;
        let (a, s, l) = (args.clone(), settings.clone(), live.clone());
        let work = move || -> std::io::Result<(CallStats, media::Totals)> {
            runtime()?.block_on(run_worker(a, s, l, share, k, k == 0))
        };
        handles.push(
            std::thread::Builder::new()
                .name(format!("kefu-load-{k}"))
                .spawn(work),
        );
    }
    let mut stats = CallStats::default();
    let mut media = media::Totals::default();
    for h in handles {
        match h
            .map_err(|e| e.to_string())
            .and_then(|h| h.join().map_err(|_| "worker panicked".to_string()))
        {
            Ok(Ok((s, m))) => {
                stats.merge(s);
                media.add(&m);
            }
            Ok(Err(e)) => {
                eprintln!("worker failed: {e}");
                return std::process::ExitCode::FAILURE;
            }
            Err(e) => {
                eprintln!("worker failed: {e}");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    let wall_s = wall.elapsed().as_secs_f64();
    let cpu1 = cpu_times().unwrap_or((0.0, 0.0));
    let (user, sys) = (cpu1.0 - cpu0.0, cpu1.1 - cpu0.1);

    stats.setup_us.sort_unstable();
    let lat = &stats.setup_us;
    let failed: u64 = stats.failed.values().sum();
    let rx = &media.rx;
    let loss_pct = if rx.expected > 0 {
        rx.lost() as f64 * 100.0 / rx.expected as f64
    } else {
        0.0
    };
    let jitter_mean = if rx.jitter_samples > 0 {
        rx.jitter_sum / rx.jitter_samples as f64 / 8.0
    } else {
        0.0
    };
    let round = |v: f64, d: i32| (v * 10f64.powi(d)).round() / 10f64.powi(d);
    let out = json!({
        "target": args.target.to_string(),
        "number": args.number,
        "settings": {
            "calls": args.calls, "concurrent": args.concurrent, "rate": args.rate,
            "hold_ms": args.hold_ms, "duration_s": args.duration_s, "threads": threads,
            "dtmf": args.dtmf, "rx_poll_ms": args.rx_poll_ms,
        },
        "calls": {
            "attempted": live.attempted.load(Ordering::Relaxed),
            "answered": stats.answered,
            "failed": failed,
            "failed_by_status": stats.failed,
            "ended_by_server": stats.ended_by_server,
            "bye_ok": stats.bye_ok,
            "bye_failed": stats.bye_failed,
            "peak_concurrent": live.peak_active.load(Ordering::Relaxed),
            "peak_established": live.peak_established.load(Ordering::Relaxed),
        },
        "setup_latency_ms": {
            "p50": ms(percentile(lat, 50.0)),
            "p90": ms(percentile(lat, 90.0)),
            "p99": ms(percentile(lat, 99.0)),
            "max": ms(lat.last().copied()),
        },
        "sip": {
            "invite_retransmits": stats.invite_retransmits,
            "bye_retransmits": stats.bye_retransmits,
            "invalid_messages": stats.sip_invalid,
            "unmatched_responses": stats.sip_unmatched,
            "server_requests": stats.server_requests,
            "early_media_calls": stats.early_media,
            "send_errors": stats.sip_send_errors,
        },
        "media": {
            "packets_sent": media.sent,
            "dtmf_packets_sent": media.dtmf_sent,
            "send_errors": media.send_errors,
            "packets_received": rx.packets,
            "expected": rx.expected,
            "lost": rx.lost(),
            "loss_pct": round(loss_pct, 3),
            "duplicates": rx.duplicates,
            "reordered": rx.reordered,
            "gap_events": rx.gap_events,
            "invalid": rx.invalid,
            "recv_errors": media.recv_errors,
            "jitter_ms_mean": round(jitter_mean, 3),
            "jitter_ms_max": round(rx.jitter_max / 8.0, 3),
            "late_send_ticks": media.late_ticks,
        },
        "generator": {
            "cpu_user_s": round(user, 2),
            "cpu_sys_s": round(sys, 2),
            "cpu_s": round(user + sys, 2),
            "wall_s": round(wall_s, 2),
            "cpu_cores_used": round(if wall_s > 0.0 { (user + sys) / wall_s } else { 0.0 }, 3),
            "peak_rss_mib": peak_rss_kib().map(|k| round(k as f64 / 1024.0, 1)),
        },
    });
    println!("{out}");
    if failed > 0 {
        std::process::ExitCode::from(1)
    } else {
        std::process::ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_nearest_rank() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 90.0), Some(90));
        assert_eq!(percentile(&v, 99.0), Some(99));
        assert_eq!(percentile(&v, 100.0), Some(100));
        assert_eq!(percentile(&[7], 50.0), Some(7));
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[1, 2], 0.0), Some(1));
    }

    #[test]
    fn cpu_times_read_proc() {
        let (u, s) = cpu_times().unwrap();
        assert!(u >= 0.0 && s >= 0.0);
    }
}
