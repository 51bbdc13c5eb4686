//! Cost per SRTP packet of the browser leg, through its real entry points: a frame pushed
//! (G.711 encode, RTP packetise, SRTP protect, datagram out) and a datagram received (SRTP
//! unprotect, depacketise, G.711 decode, jitter buffer), on a leg connected in memory to a
//! str0m peer playing the browser (ICE, DTLS and SRTP done for real, no sockets).
#![allow(clippy::unwrap_used, missing_docs)] // bench harness: a failed unwrap is a failed run

use criterion::{Criterion, criterion_group, criterion_main};
use kefu_media::Frame;
use kefu_media::jitter::JitterConfig;
use kefu_media::leg::{
    BrowserPeer, Component, Datagram, Leg, LegConnection, WebRtcIdentity, WebRtcLeg,
    WebRtcLegConfig,
};
use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use str0m::format::Codec;

const LEG: &str = "10.0.0.1:40000";

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn tone() -> Frame {
    let mut frame = Frame::SILENCE;
    for (i, s) in frame.0.iter_mut().enumerate() {
        *s = ((i as f32 * 0.7).sin() * 8_000.0) as i16;
    }
    frame
}

struct Pair {
    leg: WebRtcLeg,
    peer: BrowserPeer,
    now: Instant,
}

impl Pair {
    fn connect() -> Pair {
        let now = Instant::now();
        let (mut peer, offer) = BrowserPeer::offer(now, &[Codec::PCMU]);
        let config = WebRtcLegConfig {
            local: addr(LEG),
            ice_ufrag: "kefuBench".into(),
            ice_pwd: "kefuBenchPassword0123456789".into(),
            identity: WebRtcIdentity::generate().unwrap(),
            jitter: JitterConfig::default(),
        };
        let (leg, answer) = WebRtcLeg::accept_offer(config, &offer, now).unwrap();
        peer.accept(&answer);
        let mut pair = Pair { leg, peer, now };
        for _ in 0..200 {
            pair.step(false);
            if pair.leg.connection() == LegConnection::Connected && pair.peer.connected {
                return pair;
            }
        }
        panic!("no connection");
    }

    /// 20 ms of both directions, optionally with the peer talking.
    fn step(&mut self, peer_talks: bool) {
        self.now += Duration::from_millis(20);
        if peer_talks {
            self.peer.send(self.now, &tone(), None);
        }
        for d in self.peer.poll(self.now) {
            self.receive(&d);
        }
        let mut out = Frame::SILENCE;
        self.leg.pull_frame(self.now, &mut out);
        self.leg.push_frame(self.now, &Frame::SILENCE);
        self.flush_to_peer();
    }

    fn receive(&mut self, payload: &[u8]) {
        self.leg.handle_receive(
            self.now,
            Datagram {
                component: Component::Rtp,
                source: addr(BrowserPeer::ADDR),
                payload,
            },
        );
    }

    fn flush_to_peer(&mut self) {
        while let Some(t) = self.leg.poll_transmit() {
            self.peer.receive(self.now, addr(LEG), &t.payload);
        }
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("webrtc_leg");
    let frame = tone();
    // Only the leg's own work is timed; the peer's answers (ICE consent, RTCP) are carried
    // untimed so the connection stays up, and the counters prove every frame went out.
    let mut pair = Pair::connect();
    group.bench_function("push_frame_srtp_out", |b| {
        b.iter_custom(|iters| {
            let sent = pair.leg.stats().packets_out;
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                pair.now += Duration::from_millis(20);
                let start = Instant::now();
                pair.leg.push_frame(pair.now, black_box(&frame));
                let mut out = Vec::with_capacity(2);
                while let Some(t) = pair.leg.poll_transmit() {
                    out.push(t);
                }
                timed += start.elapsed();
                for t in out {
                    pair.peer.receive(pair.now, addr(LEG), &t.payload);
                }
                for d in pair.peer.poll(pair.now) {
                    pair.receive(&d);
                }
            }
            assert_eq!(
                pair.leg.stats().packets_out - sent,
                iters,
                "every frame is sent"
            );
            timed
        })
    });
    let mut pair = Pair::connect();
    group.bench_function("receive_srtp_in", |b| {
        b.iter_custom(|iters| {
            let received = pair.leg.stats().packets_in;
            let mut timed = Duration::ZERO;
            let mut rounds = 0;
            while pair.leg.stats().packets_in - received < iters {
                rounds += 1;
                assert!(
                    rounds <= 2 * iters + 100,
                    "the browser's media does not arrive"
                );
                pair.now += Duration::from_millis(20);
                pair.peer.send(pair.now, &frame, None);
                // Every datagram the browser sends is received, timed (media and STUN).
                for d in pair.peer.poll(pair.now) {
                    let start = Instant::now();
                    pair.receive(black_box(&d));
                    let mut out = Frame::SILENCE;
                    pair.leg.pull_frame(pair.now, &mut out);
                    timed += start.elapsed();
                    black_box(out);
                }
                pair.leg.push_frame(pair.now, &Frame::SILENCE);
                pair.flush_to_peer();
            }
            timed
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
