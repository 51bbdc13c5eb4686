//! Two rooms wired back to back in memory with simulated time: a "phone" room and the
//! "server" room, exchanging datagrams through a network that delays, reorders and drops.
//! Exercises RFC 4733 send → receive, barge-in, loss/jitter statistics and concealment
//! without sockets or sleeps.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use kefu_media::leg::{Component, Datagram, DtmfVia, Transmit};
use kefu_media::prompt::FinishReason;
use kefu_media::{
    DtmfDigit, G711, Gain, MediaRoom, MemberId, MusicLoop, Prompt, PromptId, PromptPlayer,
    RoomEvent, RoomOutput, RtpLeg, RtpLegConfig, Source,
};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Delivers datagrams after a per-packet delay; drops the ones `drop` selects.
struct Network {
    in_flight: BTreeMap<(Instant, u64), (SocketAddr, Transmit)>,
    sent: u64,
    delay: fn(u64) -> Duration,
    drop: fn(u64) -> bool,
}

impl Network {
    fn send(&mut self, now: Instant, from: SocketAddr, t: Transmit) {
        self.sent += 1;
        if t.component == Component::Rtp && (self.drop)(self.sent) {
            return;
        }
        self.in_flight
            .insert((now + (self.delay)(self.sent), self.sent), (from, t));
    }

    fn due(&mut self, now: Instant) -> Vec<(SocketAddr, Transmit)> {
        let later = self.in_flight.split_off(&(now, u64::MAX));
        std::mem::replace(&mut self.in_flight, later)
            .into_values()
            .collect()
    }
}

struct Side {
    room: MediaRoom,
    leg: MemberId,
    addr: SocketAddr,
    events: Vec<RoomEvent>,
}

impl Side {
    fn new(addr: &str, peer: &str, t0: Instant) -> Self {
        let (addr, peer): (SocketAddr, SocketAddr) = (addr.parse().unwrap(), peer.parse().unwrap());
        let mut room = MediaRoom::new();
        let leg = room
            .add_participant(Box::new(
                RtpLeg::new(RtpLegConfig::new(G711::Pcma, Some(peer), 7), t0).unwrap(),
            ))
            .unwrap();
        Side {
            room,
            leg,
            addr,
            events: Vec::new(),
        }
    }

    fn drain(&mut self, now: Instant, net: &mut Network) {
        while let Some(o) = self.room.poll_output() {
            match o {
                RoomOutput::Transmit { transmit, .. } => net.send(now, self.addr, transmit),
                RoomOutput::Event(e) => self.events.push(e),
                RoomOutput::Tap(_) => {}
            }
        }
    }
}

/// Runs both rooms for `ticks` ticks; packets from each side go through its own network.
fn run(
    phone: &mut Side,
    server: &mut Side,
    to_server: &mut Network,
    to_phone: &mut Network,
    now: &mut Instant,
    ticks: u32,
) {
    for _ in 0..ticks {
        for (from, t) in to_server.due(*now) {
            let d = Datagram {
                component: t.component,
                source: from,
                payload: &t.payload,
            };
            server.room.handle_receive(*now, server.leg, d).unwrap();
        }
        for (from, t) in to_phone.due(*now) {
            let d = Datagram {
                component: t.component,
                source: from,
                payload: &t.payload,
            };
            phone.room.handle_receive(*now, phone.leg, d).unwrap();
        }
        phone.room.tick(*now);
        server.room.tick(*now);
        phone.drain(*now, to_server);
        server.drain(*now, to_phone);
        *now += Duration::from_millis(20);
    }
}

fn clean() -> Network {
    Network {
        in_flight: BTreeMap::new(),
        sent: 0,
        delay: |_| Duration::from_millis(30),
        drop: |_| false,
    }
}

#[test]
fn a_caller_key_sent_as_rfc_4733_barges_into_the_menu_prompt() {
    let t0 = Instant::now();
    let mut now = t0;
    let mut phone = Side::new("192.0.2.1:4000", "198.51.100.1:30000", t0);
    let mut server = Side::new("198.51.100.1:30000", "192.0.2.1:4000", t0);
    let menu = server
        .room
        .add_source(Source::Prompts(PromptPlayer::new()))
        .unwrap();
    server
        .room
        .set_hears(server.leg, menu, Gain::UNITY)
        .unwrap();
    server
        .room
        .play(
            menu,
            PromptId(1),
            Prompt::from_samples(vec![3_000; 80_000]),
            true,
        )
        .unwrap();
    let (mut to_server, mut to_phone) = (clean(), clean());
    run(
        &mut phone,
        &mut server,
        &mut to_server,
        &mut to_phone,
        &mut now,
        50,
    );

    phone
        .room
        .send_dtmf(
            phone.leg,
            DtmfDigit::from_char('2').unwrap(),
            Duration::from_millis(100),
        )
        .unwrap();
    run(
        &mut phone,
        &mut server,
        &mut to_server,
        &mut to_phone,
        &mut now,
        20,
    );
    let keys: Vec<_> = server
        .events
        .iter()
        .filter(|e| matches!(e, RoomEvent::Dtmf { .. }))
        .collect();
    assert_eq!(
        keys,
        vec![&RoomEvent::Dtmf {
            participant: server.leg,
            digit: DtmfDigit::from_char('2').unwrap(),
            via: DtmfVia::TelephoneEvent
        }]
    );
    assert!(server.events.contains(&RoomEvent::PromptFinished {
        source: menu,
        prompt: PromptId(1),
        reason: FinishReason::Interrupted
    }));
    // The phone heard the menu, then silence after the barge-in.
    let stats = phone.room.leg_stats(phone.leg).unwrap();
    assert_eq!((stats.lost, stats.late, stats.duplicates), (0, 0, 0));
}

#[test]
fn loss_and_reordering_are_counted_and_concealed() {
    let t0 = Instant::now();
    let mut now = t0;
    let mut phone = Side::new("192.0.2.1:4000", "198.51.100.1:30000", t0);
    let mut server = Side::new("198.51.100.1:30000", "192.0.2.1:4000", t0);
    let music = phone
        .room
        .add_source(Source::Music(MusicLoop::generated()))
        .unwrap();
    phone.room.set_hears(phone.leg, music, Gain::UNITY).unwrap();
    // Every 10th packet lost; every 7th delayed by 50 ms (arrives after two later ones).
    let mut to_server = Network {
        in_flight: BTreeMap::new(),
        sent: 0,
        delay: |n| Duration::from_millis(if n % 7 == 0 { 80 } else { 30 }),
        drop: |n| n % 10 == 0,
    };
    let mut to_phone = clean();
    run(
        &mut phone,
        &mut server,
        &mut to_server,
        &mut to_phone,
        &mut now,
        500,
    );
    let stats = server.room.leg_stats(server.leg).unwrap();
    assert!(
        (45..=55).contains(&stats.lost),
        "about 50 of 500 lost: {stats:?}"
    );
    assert!(
        stats.concealed >= stats.lost,
        "every lost packet was concealed: {stats:?}"
    );
    assert_eq!(
        stats.late, 0,
        "a 60 ms buffer absorbs 50 ms of extra delay: {stats:?}"
    );
    assert!(stats.jitter > Duration::from_millis(1), "{stats:?}");
    // RTCP flowed both ways: the phone knows what the server lost.
    let phone_view = phone.room.leg_stats(phone.leg).unwrap();
    assert!(
        phone_view.rtcp_in >= 1 && phone_view.remote_fraction_lost > 0,
        "{phone_view:?}"
    );
}
