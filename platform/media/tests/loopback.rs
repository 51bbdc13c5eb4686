//! The driver over real loopback UDP: two sockets play phones bridged through a room on a
//! media worker, and a third tries to inject audio into a latched leg.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use kefu_media::driver::{
    DriverError, MediaWorker, PortPool, PortRange, WorkerConfig, WorkerOutput,
};
use kefu_media::rtp::{RtpHeader, RtpPacket};
use kefu_media::{G711, RoomEvent, RtpLegConfig};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::net::UdpSocket;

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// Amplitude of the `hz` component of 8 kHz samples.
fn level_at(samples: &[i16], hz: f32) -> f32 {
    let (mut s, mut c) = (0f32, 0f32);
    for (i, &x) in samples.iter().enumerate() {
        let w = 2.0 * std::f32::consts::PI * hz * i as f32 / 8_000.0;
        s += f32::from(x) * w.sin();
        c += f32::from(x) * w.cos();
    }
    2.0 * (s * s + c * c).sqrt() / samples.len().max(1) as f32
}

fn tone_packet(law: G711, hz: f32, seq: u16, ssrc: u32) -> Vec<u8> {
    let samples: Vec<i16> = (0..160)
        .map(|i| {
            let n = f32::from(seq) * 160.0 + i as f32;
            (8_000.0 * (2.0 * std::f32::consts::PI * hz * n / 8_000.0).sin()) as i16
        })
        .collect();
    let mut payload = [0u8; 160];
    law.encode(&samples, &mut payload);
    let mut out = Vec::new();
    RtpHeader {
        marker: seq == 0,
        payload_type: law.payload_type(),
        sequence: seq,
        timestamp: u32::from(seq) * 160,
        ssrc,
    }
    .write(&payload, &mut out);
    out
}

/// Sends 20 ms packets of a tone for `packets` ticks while collecting what comes back.
async fn phone(
    socket: UdpSocket,
    to: SocketAddr,
    law: G711,
    hz: f32,
    packets: u16,
    ssrc: u32,
) -> Vec<i16> {
    let mut ticker = tokio::time::interval(Duration::from_millis(20));
    let mut received = Vec::new();
    let mut buf = [0u8; 1_500];
    for seq in 0..packets {
        ticker.tick().await;
        socket
            .send_to(&tone_packet(law, hz, seq, ssrc), to)
            .await
            .unwrap();
        while let Ok((n, _)) = socket.try_recv_from(&mut buf) {
            if let Ok(p) = RtpPacket::parse(&buf[..n]) {
                let mut pcm = vec![0i16; p.payload.len()];
                let law = if p.header.payload_type == 0 {
                    G711::Pcmu
                } else {
                    G711::Pcma
                };
                law.decode(p.payload, &mut pcm);
                received.extend(pcm);
            }
        }
    }
    received
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_phones_hear_each_other_and_a_spoofer_is_ignored() {
    let pool = PortPool::new(LOCALHOST, PortRange::new(41_000, 41_099).unwrap());
    let (worker, mut outputs) = MediaWorker::spawn(WorkerConfig::default(), pool.clone());
    let phone_a = UdpSocket::bind((LOCALHOST, 0)).await.unwrap();
    let phone_b = UdpSocket::bind((LOCALHOST, 0)).await.unwrap();
    let spoofer = UdpSocket::bind((LOCALHOST, 0)).await.unwrap();
    let (addr_a, addr_b) = (phone_a.local_addr().unwrap(), phone_b.local_addr().unwrap());

    let room = worker.create_room().await.unwrap();
    let (leg_a, local_a) = worker
        .add_rtp_leg(room, RtpLegConfig::new(G711::Pcmu, Some(addr_a), 0))
        .await
        .unwrap();
    let (leg_b, local_b) = worker
        .add_rtp_leg(room, RtpLegConfig::new(G711::Pcma, Some(addr_b), 0))
        .await
        .unwrap();
    assert_eq!(local_a.port() % 2, 0);
    assert_eq!(pool.in_use(), 2);
    worker
        .with_room(room, move |r| r.bridge(leg_a, leg_b))
        .await
        .unwrap()
        .unwrap();

    // The spoofer (same host, so even ExpectedHost cannot tell it apart by IP) starts after
    // both legs have latched, with louder audio at its own frequency and its own SSRC.
    let spoof = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut ticker = tokio::time::interval(Duration::from_millis(10));
        for seq in 0..100u16 {
            ticker.tick().await;
            spoofer
                .send_to(&tone_packet(G711::Pcmu, 3_000.0, seq, 0xBAD), local_a)
                .await
                .unwrap();
        }
    });
    let a = tokio::spawn(phone(phone_a, local_a, G711::Pcmu, 600.0, 100, 0xA));
    let b = tokio::spawn(phone(phone_b, local_b, G711::Pcma, 1_400.0, 100, 0xB));
    let (heard_by_a, heard_by_b) = (a.await.unwrap(), b.await.unwrap());
    spoof.await.unwrap();

    assert!(
        heard_by_a.len() >= 40 * 160,
        "A received {} samples",
        heard_by_a.len()
    );
    assert!(
        heard_by_b.len() >= 40 * 160,
        "B received {} samples",
        heard_by_b.len()
    );
    // Skip the jitter-buffer prefetch at the start.
    let (tail_a, tail_b) = (&heard_by_a[20 * 160..], &heard_by_b[20 * 160..]);
    assert!(
        level_at(tail_a, 1_400.0) > 3_000.0,
        "A hears B: {}",
        level_at(tail_a, 1_400.0)
    );
    assert!(
        level_at(tail_b, 600.0) > 3_000.0,
        "B hears A: {}",
        level_at(tail_b, 600.0)
    );
    assert!(level_at(tail_a, 600.0) < 300.0, "A does not hear itself");
    assert!(
        level_at(tail_b, 3_000.0) < 300.0,
        "the spoofed audio never reaches B: {}",
        level_at(tail_b, 3_000.0)
    );

    let stats = worker
        .with_room(room, move |r| r.leg_stats(leg_a))
        .await
        .unwrap()
        .unwrap();
    assert!(
        stats.foreign_ignored >= 90,
        "spoofed packets ignored: {stats:?}"
    );
    assert_eq!(stats.ssrc_changes, 0);
    assert!(
        stats.packets_in >= 70 && stats.packets_out >= 50,
        "{stats:?}"
    );

    let mut latched = Vec::new();
    while let Ok(WorkerOutput::Event { event, .. }) = outputs.try_recv() {
        if let RoomEvent::Latched {
            participant,
            remote,
        } = event
        {
            latched.push((participant, remote));
        }
    }
    latched.sort();
    assert_eq!(latched, vec![(leg_a, addr_a), (leg_b, addr_b)]);

    worker.close_room(room).await.unwrap();
    assert_eq!(pool.in_use(), 0, "closing the room released its ports");
    assert!(matches!(
        worker.close_room(room).await,
        Err(DriverError::UnknownRoom(_))
    ));
}

#[tokio::test]
async fn ports_are_even_bounded_released_and_skip_busy_ones() {
    assert!(PortRange::new(41_201, 41_210).is_err(), "odd first port");
    assert!(PortRange::new(41_200, 41_200).is_err(), "no pair");
    assert!(PortRange::new(80, 100).is_err(), "privileged");
    let range = PortRange::new(41_200, 41_205).unwrap();
    assert_eq!(range.pairs(), 3);
    // Another process holds 41_202: the pool must skip it.
    let squatter = std::net::UdpSocket::bind((LOCALHOST, 41_202)).unwrap();
    let pool = PortPool::new(LOCALHOST, range);
    let first = pool.allocate().unwrap();
    let second = pool.allocate().unwrap();
    assert_eq!((first.port(), second.port()), (41_200, 41_204));
    assert_eq!(first.rtcp.local_addr().unwrap().port(), 41_201);
    let err = pool.allocate().unwrap_err();
    assert!(
        matches!(
            err,
            DriverError::PortsExhausted {
                first: 41_200,
                last: 41_205
            }
        ),
        "{err}"
    );
    drop(first);
    assert_eq!(pool.allocate().unwrap().port(), 41_200, "released on drop");
    drop(squatter);
}

#[tokio::test]
async fn one_worker_drives_many_rooms_and_reports_unknown_ones() {
    let pool = PortPool::new(LOCALHOST, PortRange::new(41_300, 41_399).unwrap());
    let (worker, _outputs) = MediaWorker::spawn(WorkerConfig::default(), pool.clone());
    let sink = UdpSocket::bind((LOCALHOST, 0)).await.unwrap();
    let mut rooms = Vec::new();
    for _ in 0..20 {
        let room = worker.create_room().await.unwrap();
        let config = RtpLegConfig::new(G711::Pcma, Some(sink.local_addr().unwrap()), 0);
        let (leg, _) = worker.add_rtp_leg(room, config).await.unwrap();
        let music = worker
            .add_source(
                room,
                kefu_media::Source::Music(kefu_media::MusicLoop::generated()),
            )
            .await
            .unwrap();
        worker
            .with_room(room, move |r| {
                r.set_hears(leg, music, kefu_media::Gain::UNITY)
            })
            .await
            .unwrap()
            .unwrap();
        rooms.push(room);
    }
    assert_eq!(pool.in_use(), 20);
    // 200 ms of hold music to 20 legs: about 10 packets each arrive at the sink.
    let mut buf = [0u8; 1_500];
    let mut packets = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_millis(400);
    while let Ok(Ok(_)) = tokio::time::timeout_at(deadline, sink.recv_from(&mut buf)).await {
        packets += 1;
    }
    assert!(packets >= 20 * 10, "received {packets} packets");
    let missing = kefu_media::driver::RoomId(999);
    assert!(matches!(worker.create_room().await.map(|_| ()), Ok(())));
    assert!(matches!(
        worker
            .add_source(
                missing,
                kefu_media::Source::Music(kefu_media::MusicLoop::generated())
            )
            .await,
        Err(DriverError::UnknownRoom(_))
    ));
    for room in rooms {
        worker.close_room(room).await.unwrap();
    }
    assert_eq!(pool.in_use(), 0);
}
