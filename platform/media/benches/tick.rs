//! Cost of one 20 ms room tick, through the real entry points (datagrams in, tick, datagrams
//! out): a two-leg bridge, a ten-party conference and a caller hearing a prompt. Also the
//! memory a leg and a room hold, measured as resident-set growth over 1,000 rooms, and the
//! loopback UDP send + receive a driver adds per leg and tick.
#![allow(clippy::unwrap_used, missing_docs)] // bench harness: a failed unwrap is a failed run

use criterion::{Criterion, criterion_group, criterion_main};
use kefu_media::leg::{Component, Datagram};
use kefu_media::rtp::RtpHeader;
use kefu_media::{
    G711, Gain, MediaRoom, MemberId, Prompt, PromptId, PromptPlayer, RoomOutput, RtpLeg,
    RtpLegConfig, Source,
};
use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// A phone that sends one 20 ms G.711 packet per tick.
struct Phone {
    addr: SocketAddr,
    law: G711,
    packet: Vec<u8>,
    seq: u16,
}

impl Phone {
    fn new(n: u16, law: G711) -> Self {
        let samples: Vec<i16> = (0..160)
            .map(|i| ((i as f32 * 0.3 + f32::from(n)).sin() * 6_000.0) as i16)
            .collect();
        let mut payload = [0u8; 160];
        law.encode(&samples, &mut payload);
        let mut packet = Vec::new();
        RtpHeader {
            marker: false,
            payload_type: law.payload_type(),
            sequence: 0,
            timestamp: 0,
            ssrc: u32::from(n),
        }
        .write(&payload, &mut packet);
        Phone {
            addr: SocketAddr::from(([192, 0, 2, 1], 10_000 + n)),
            law,
            packet,
            seq: 0,
        }
    }

    fn next(&mut self) -> &[u8] {
        self.seq = self.seq.wrapping_add(1);
        self.packet[2..4].copy_from_slice(&self.seq.to_be_bytes());
        self.packet[4..8].copy_from_slice(&(u32::from(self.seq) * 160).to_be_bytes());
        &self.packet
    }
}

struct Rig {
    room: MediaRoom,
    legs: Vec<(MemberId, Phone)>,
    now: Instant,
}

impl Rig {
    fn new(parties: u16, with_prompt: bool) -> Self {
        let now = Instant::now();
        let mut room = MediaRoom::new();
        let mut legs = Vec::new();
        for n in 0..parties {
            let law = if n % 2 == 0 { G711::Pcmu } else { G711::Pcma };
            let phone = Phone::new(n, law);
            let config = RtpLegConfig::new(phone.law, Some(phone.addr), 0x1000 + u32::from(n));
            let id = room
                .add_participant(Box::new(RtpLeg::new(config, now).unwrap()))
                .unwrap();
            legs.push((id, phone));
        }
        let ids: Vec<MemberId> = legs.iter().map(|(id, _)| *id).collect();
        room.conference(&ids).unwrap();
        if with_prompt {
            let player = room
                .add_source(Source::Prompts(PromptPlayer::new()))
                .unwrap();
            let prompt = Prompt::from_samples(
                (0..80_000)
                    .map(|i| ((i as f32 * 0.05).sin() * 5_000.0) as i16)
                    .collect(),
            );
            for i in 0..60 {
                room.play(player, PromptId(i), prompt.clone(), true)
                    .unwrap();
            }
            room.set_hears(ids[0], player, Gain::UNITY).unwrap();
        }
        Rig { room, legs, now }
    }

    /// One tick: a packet in from every phone, the tick, every output drained.
    fn tick(&mut self) -> usize {
        for (id, phone) in &mut self.legs {
            let datagram = Datagram {
                component: Component::Rtp,
                source: phone.addr,
                payload: phone.next(),
            };
            self.room.handle_receive(self.now, *id, datagram).unwrap();
        }
        self.room.tick(self.now);
        self.now += Duration::from_millis(20);
        let mut sent = 0;
        while let Some(output) = self.room.poll_output() {
            if let RoomOutput::Transmit { transmit, .. } = output {
                sent += black_box(transmit.payload).len();
            }
        }
        sent
    }
}

fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn memory_report() {
    // Every set stays alive until the end, so each measurement grows into fresh memory rather
    // than reusing what an earlier set freed.
    let mut keep = Vec::new();
    for (label, parties) in [
        ("1-leg room", 1u16),
        ("2-leg room", 2),
        ("10-leg conference", 10),
    ] {
        let rooms = if parties == 10 { 200 } else { 1_000 };
        let before = resident_kib();
        let mut rigs: Vec<Rig> = (0..rooms).map(|_| Rig::new(parties, false)).collect();
        for rig in &mut rigs {
            for _ in 0..10 {
                rig.tick();
            }
        }
        let per_room = resident_kib().saturating_sub(before) as f64 / rooms as f64;
        eprintln!(
            "memory: {label}: {per_room:.1} KiB resident each after 10 ticks ({rooms} rooms; RtpLeg is {} bytes inline)",
            std::mem::size_of::<RtpLeg>()
        );
        keep.push(rigs);
    }
    black_box(&keep);
}

fn ticks(c: &mut Criterion) {
    memory_report();
    let mut group = c.benchmark_group("room_tick");
    group
        .measurement_time(Duration::from_secs(4))
        .sample_size(30);
    let mut bridge = Rig::new(2, false);
    group.bench_function("bridge_2_legs", |b| b.iter(|| bridge.tick()));
    let mut conference = Rig::new(10, false);
    group.bench_function("conference_10_legs", |b| b.iter(|| conference.tick()));
    let mut prompt = Rig::new(1, true);
    group.bench_function("caller_hearing_prompt", |b| b.iter(|| prompt.tick()));
    group.finish();
}

fn udp(c: &mut Criterion) {
    // What the driver adds per leg and tick: one datagram out and one in, on loopback.
    let a = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let b = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let to = b.local_addr().unwrap();
    let packet = [0u8; 172];
    let mut buf = [0u8; 1_500];
    c.bench_function("udp_loopback_send_and_receive_172_bytes", |bench| {
        bench.iter(|| {
            a.send_to(&packet, to).unwrap();
            b.recv_from(&mut buf).unwrap().0
        })
    });
}

criterion_group!(benches, ticks, udp);
criterion_main!(benches);
