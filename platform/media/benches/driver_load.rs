//! Whole-driver load: one media worker thread driving N RTP legs over loopback UDP against a
//! generator thread that plays N phones (one G.711 packet per phone every 20 ms, reading what
//! comes back). Prints each thread's CPU, packet loss both ways and resident memory per call.
//!
//! `cargo bench -p kefu-media --bench driver_load` (env: `KEFU_MEDIA_LOAD_CALLS`, default
//! 1000; `KEFU_MEDIA_LOAD_SECS`, default 10).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // bench harness

use kefu_media::driver::{MediaWorker, PortPool, PortRange, RoomId, WorkerConfig};
use kefu_media::rtp::RtpHeader;
use kefu_media::{G711, Gain, MemberId, MusicLoop, RtpLegConfig, Source};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
/// Linux's USER_HZ on every mainstream build; /proc times are in these ticks.
const TICKS_PER_SECOND: f64 = 100.0;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn thread_id() -> u32 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
    stat.split_whitespace().next().unwrap().parse().unwrap()
}

/// utime + stime of one thread, in seconds.
fn thread_cpu(tid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).unwrap();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / TICKS_PER_SECOND
}

fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

struct PhoneSocket {
    socket: UdpSocket,
    to: SocketAddr,
    received: u64,
}

#[derive(Clone, Copy, Debug)]
enum Scenario {
    /// Each call is one leg hearing hold music (a caller waiting in queue).
    QueueMusic,
    /// Each room bridges two legs (a caller talking to an agent): calls = legs / 2.
    Bridge,
}

fn main() {
    let calls = env("KEFU_MEDIA_LOAD_CALLS", 1_000) as usize;
    let secs = env("KEFU_MEDIA_LOAD_SECS", 10);
    for scenario in [Scenario::QueueMusic, Scenario::Bridge] {
        run(scenario, calls, secs);
    }
}

fn run(scenario: Scenario, calls: usize, secs: u64) {
    let legs = match scenario {
        Scenario::QueueMusic => calls,
        Scenario::Bridge => calls * 2,
    };
    let rss_before = resident_kib();
    let (handle_tx, handle_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let worker_thread = std::thread::Builder::new()
        .name("media-worker".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .max_io_events_per_tick(16_384)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let pool = PortPool::new(LOCALHOST, PortRange::new(30_000, 39_999).unwrap());
                let (worker, mut outputs) = MediaWorker::spawn(WorkerConfig::default(), pool);
                tokio::spawn(async move { while outputs.recv().await.is_some() {} });
                handle_tx.send((worker, thread_id())).unwrap();
                let _ = stop_rx.await;
            });
        })
        .unwrap();
    let (worker, worker_tid) = handle_rx.recv().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .max_io_events_per_tick(16_384)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let mut phones = Vec::with_capacity(legs);
        let mut members: Vec<(RoomId, MemberId)> = Vec::with_capacity(legs);
        let music = MusicLoop::generated();
        for call in 0..calls {
            let room = worker.create_room().await.unwrap();
            let per_room = if matches!(scenario, Scenario::Bridge) { 2 } else { 1 };
            let mut ids = Vec::new();
            for _ in 0..per_room {
                let socket = UdpSocket::bind((LOCALHOST, 0)).await.unwrap();
                let config = RtpLegConfig::new(G711::Pcmu, Some(socket.local_addr().unwrap()), 0);
                let (member, local) = worker.add_rtp_leg(room, config).await.unwrap();
                phones.push(PhoneSocket { socket, to: local, received: 0 });
                members.push((room, member));
                ids.push(member);
            }
            if per_room == 2 {
                let (a, b) = (ids[0], ids[1]);
                worker.with_room(room, move |r| r.bridge(a, b)).await.unwrap().unwrap();
            } else {
                let m = worker.add_source(room, Source::Music(music.clone())).await.unwrap();
                let a = ids[0];
                worker.with_room(room, move |r| r.set_hears(a, m, Gain::UNITY)).await.unwrap().unwrap();
            }
            let _ = call;
        }
        let generator_tid = thread_id();
        let payload = [0x7Fu8; 160];
        let mut packet = Vec::with_capacity(172);
        let mut buf = [0u8; 1_500];
        let mut ticker = tokio::time::interval(Duration::from_millis(20));
        let total_ticks = (secs + 2) * 50;
        let mut sent_after_warmup = 0u64;
        let mut marks = None;
        for tick in 0..total_ticks {
            ticker.tick().await;
            if tick == 100 {
                // Two seconds of warm-up (latching, prefetch), then measure.
                for p in &mut phones {
                    p.received = 0;
                }
                let sub_ticks = worker.stats().await.unwrap().sub_ticks;
                marks = Some((Instant::now(), thread_cpu(worker_tid), thread_cpu(generator_tid), resident_kib(), sub_ticks));
            }
            for (i, p) in phones.iter_mut().enumerate() {
                packet.clear();
                let seq = tick as u16;
                RtpHeader { marker: false, payload_type: 0, sequence: seq, timestamp: u32::from(seq) * 160, ssrc: i as u32 + 1 }
                    .write(&payload, &mut packet);
                if p.socket.try_send_to(&packet, p.to).is_ok() && tick >= 100 {
                    sent_after_warmup += 1;
                }
                while p.socket.try_recv_from(&mut buf).is_ok() {
                    p.received += 1;
                }
            }
        }
        let (t0, worker_cpu0, generator_cpu0, rss_warm, sub_ticks0) = marks.unwrap();
        let elapsed = t0.elapsed().as_secs_f64();
        let worker_cpu = (thread_cpu(worker_tid) - worker_cpu0) / elapsed;
        let generator_cpu = (thread_cpu(generator_tid) - generator_cpu0) / elapsed;
        let received_by_phones: u64 = phones.iter().map(|p| p.received).sum();
        let expected_by_phones = (legs as f64 * 50.0 * elapsed) as u64;
        let mut received_by_legs = 0;
        let mut late = 0;
        let mut sent_by_legs = 0;
        for &(room, member) in &members {
            let stats = worker.with_room(room, move |r| r.leg_stats(member)).await.unwrap().unwrap();
            received_by_legs += stats.packets_in;
            late += stats.late;
            sent_by_legs += stats.packets_out;
        }
        let sent_total = total_ticks * legs as u64;
        let worker_stats = worker.stats().await.unwrap();
        // Each room ticks once every four sub-ticks.
        let leg_ticks = (worker_stats.sub_ticks - sub_ticks0) as f64 / 4.0 * legs as f64;
        println!(
            "{scenario:?}: {calls} calls, {legs} legs, {elapsed:.1} s measured\n  \
             worker thread CPU {:.1} % of one core ({:.2} µs per leg and tick); generator thread CPU {:.1} %\n  \
             worker: {} sub-ticks skipped (starved for > 200 ms), {} send errors; legs sent {sent_by_legs} of {sent_total} packets\n  \
             worker -> phones: {received_by_phones} of ~{expected_by_phones} packets ({:.3} % short)\n  \
             phones -> worker: {received_by_legs} of {sent_total} packets accepted ({:.3} % lost, {late} late); {sent_after_warmup} sent while measuring\n  \
             resident memory: {:.1} KiB per call (process growth incl. the generator's sockets)",
            worker_cpu * 100.0,
            worker_cpu * elapsed * 1e6 / leg_ticks.max(1.0),
            generator_cpu * 100.0,
            worker_stats.skipped_sub_ticks,
            worker_stats.send_errors,
            100.0 * (1.0 - received_by_phones as f64 / expected_by_phones.max(1) as f64),
            100.0 * (1.0 - received_by_legs as f64 / sent_total as f64),
            rss_warm.saturating_sub(rss_before) as f64 / calls as f64,
        );
    });
    let _ = stop_tx.send(());
    worker_thread.join().unwrap();
}
