//! The WebRTC leg against an in-process str0m peer playing the browser, on simulated time.

use super::*;
use crate::leg::BrowserPeer as Browser;
use crate::test_support::{signal, tone_power};

const LEG_ADDR: &str = "10.0.0.1:40000";
const BROWSER_ADDR: &str = Browser::ADDR;
const LEG_TONE: f32 = 1_000.0;
const BROWSER_TONE: f32 = 700.0;

fn addr(s: &str) -> SocketAddr {
    s.parse().expect("test address")
}

fn config(ufrag: &str) -> WebRtcLegConfig {
    WebRtcLegConfig {
        local: addr(LEG_ADDR),
        ice_ufrag: ufrag.into(),
        ice_pwd: "kefuTestPassword0123456789".into(),
        identity: WebRtcIdentity::generate().expect("identity"),
        jitter: JitterConfig::default(),
    }
}

/// Runs leg and browser side by side for `frames` ticks, carrying every datagram both ways.
struct Call {
    leg: WebRtcLeg,
    browser: Browser,
    now: Instant,
    at_leg: Vec<i16>,
    leg_events: Vec<LegEvent>,
    /// Set false to cut the browser → leg direction (a dead network).
    browser_reaches_leg: bool,
}

impl Call {
    fn connect() -> Call {
        let now = Instant::now();
        let (mut browser, offer) = Browser::offer(now, &[Codec::Opus, Codec::PCMU, Codec::PCMA]);
        let (leg, answer) =
            WebRtcLeg::accept_offer(config("kefuLeg1"), &offer, now).expect("answer");
        browser.accept(&answer);
        let mut call = Call {
            leg,
            browser,
            now,
            at_leg: Vec::new(),
            leg_events: Vec::new(),
            browser_reaches_leg: true,
        };
        for _ in 0..150 {
            call.step(&Frame::SILENCE, &Frame::SILENCE, None);
            if call.leg.connection() == LegConnection::Connected && call.browser.connected {
                return call;
            }
        }
        panic!("no connection within 3 s: {:?}", call.leg_events);
    }

    fn step(&mut self, to_browser: &Frame, to_leg: &Frame, browser_key: Option<u8>) {
        self.now += Duration::from_millis(20);
        let now = self.now;
        self.browser.send(now, to_leg, browser_key);
        let datagrams = self.browser.poll(now);
        if self.browser_reaches_leg {
            for d in datagrams {
                self.leg.handle_receive(
                    now,
                    Datagram {
                        component: Component::Rtp,
                        source: addr(BROWSER_ADDR),
                        payload: &d,
                    },
                );
            }
        }
        let mut frame = Frame::SILENCE;
        if self.leg.pull_frame(now, &mut frame) {
            self.at_leg.extend_from_slice(frame.samples());
        }
        self.leg.push_frame(now, to_browser);
        while let Some(t) = self.leg.poll_transmit() {
            assert_eq!(t.destination, addr(BROWSER_ADDR));
            self.browser.receive(now, addr(LEG_ADDR), &t.payload);
        }
        while let Some(e) = self.leg.poll_event() {
            self.leg_events.push(e);
        }
    }
}

#[test]
fn a_browser_peer_connects_and_talks_both_ways_in_g711_with_keys_each_way() {
    let mut call = Call::connect();
    assert_eq!(
        call.leg.send_law(),
        G711::Pcmu,
        "PCMU is the first G.711 the browser lists"
    );
    assert!(
        call.leg_events
            .contains(&LegEvent::Connection(LegConnection::Connected))
    );
    assert!(call.leg_events.contains(&LegEvent::Latched {
        remote: addr(BROWSER_ADDR)
    }));
    let to_browser = signal(&[(LEG_TONE, 8_000.0)], 0.0, 75, 1);
    let to_leg = signal(&[(BROWSER_TONE, 8_000.0)], 0.0, 75, 2);
    for n in 0..75 {
        let key = (n == 30).then_some(5);
        if n == 40 {
            call.leg
                .send_dtmf(
                    DtmfDigit::from_char('9').expect("digit"),
                    Duration::from_millis(120),
                )
                .expect("queued");
        }
        call.step(&to_browser[n], &to_leg[n], key);
    }
    for _ in 0..10 {
        call.step(&Frame::SILENCE, &Frame::SILENCE, None);
    }
    // Each side hears the other's tone, not its own.
    let heard = &call.browser.received;
    assert!(
        heard.len() >= 60 * FRAME_SAMPLES,
        "browser got {} samples",
        heard.len()
    );
    assert!(tone_power(heard, LEG_TONE) > 100.0 * tone_power(heard, BROWSER_TONE));
    let heard = &call.at_leg;
    assert!(
        heard.len() >= 60 * FRAME_SAMPLES,
        "leg got {} samples",
        heard.len()
    );
    assert!(tone_power(heard, BROWSER_TONE) > 100.0 * tone_power(heard, LEG_TONE));
    // One key each way, reported once.
    let keys: Vec<_> = call
        .leg_events
        .iter()
        .filter_map(|e| match e {
            LegEvent::Dtmf { digit, via } => Some((digit.as_char(), *via)),
            _ => None,
        })
        .collect();
    assert_eq!(keys, [('5', DtmfVia::TelephoneEvent)]);
    assert_eq!(call.browser.events, [9]);
    let stats = call.leg.stats();
    assert!(
        stats.packets_in >= 60 && stats.packets_out >= 60,
        "{stats:?}"
    );
}

#[test]
fn offers_without_g711_or_oversized_or_garbled_are_refused_with_the_reason() {
    let now = Instant::now();
    let (_, opus_only) = Browser::offer(now, &[Codec::Opus]);
    assert_eq!(
        WebRtcLeg::accept_offer(config("kefuLeg2"), &opus_only, now).err(),
        Some(WebRtcError::NoG711)
    );
    let huge = "v=0\r\n".repeat(MAX_OFFER_BYTES / 5 + 1);
    assert!(matches!(
        WebRtcLeg::accept_offer(config("kefuLeg3"), &huge, now),
        Err(WebRtcError::OfferTooLarge(n)) if n > MAX_OFFER_BYTES
    ));
    let garbled = WebRtcLeg::accept_offer(config("kefuLeg4"), "not sdp at all", now);
    let Err(WebRtcError::Unparsable(reason)) = garbled else {
        panic!("garbage accepted: {:?}", garbled.err());
    };
    assert!(!reason.is_empty());
    // PCMA only: the leg sends A-law.
    let (_, pcma) = Browser::offer(now, &[Codec::PCMA]);
    let (leg, answer) = WebRtcLeg::accept_offer(config("kefuLeg5"), &pcma, now).expect("answered");
    assert_eq!(leg.send_law(), G711::Pcma);
    assert!(answer.contains("a=ice-lite"), "{answer}");
    assert!(answer.contains("a=ice-ufrag:kefuLeg5"), "{answer}");
    assert!(
        answer.contains(&format!("{} typ host", LEG_ADDR.replace(':', " "))),
        "{answer}"
    );
}

#[test]
fn garbage_and_strangers_are_counted_and_the_call_goes_on() {
    let mut call = Call::connect();
    let before = call.leg.stats();
    let stranger = addr("10.9.9.9:1234");
    for junk in [
        &[][..],
        &[0xFF; 3][..],
        &[0x80; 200][..],
        &[0x16, 0xFE, 0xFD, 0, 0][..],
    ] {
        for source in [addr(BROWSER_ADDR), stranger] {
            call.leg.handle_receive(
                call.now,
                Datagram {
                    component: Component::Rtp,
                    source,
                    payload: junk,
                },
            );
        }
    }
    let after = call.leg.stats();
    assert!(
        after.invalid + after.foreign_ignored > before.invalid + before.foreign_ignored,
        "{after:?}"
    );
    assert_eq!(call.leg.connection(), LegConnection::Connected);
    let to_leg = signal(&[(BROWSER_TONE, 8_000.0)], 0.0, 40, 3);
    call.at_leg.clear();
    for frame in &to_leg {
        call.step(&Frame::SILENCE, frame, None);
    }
    assert!(tone_power(&call.at_leg, BROWSER_TONE) > 0.0);
    assert!(call.at_leg.len() >= 30 * FRAME_SAMPLES);
}

#[test]
fn a_browser_that_goes_silent_is_reported_disconnected() {
    let mut call = Call::connect();
    call.browser_reaches_leg = false;
    for _ in 0..(60_000 / 20) {
        call.step(&Frame::SILENCE, &Frame::SILENCE, None);
        if call.leg.connection() != LegConnection::Connected {
            break;
        }
    }
    assert_eq!(call.leg.connection(), LegConnection::Disconnected);
    assert!(
        call.leg_events
            .contains(&LegEvent::Connection(LegConnection::Disconnected))
    );
}

#[test]
fn a_fault_inside_str0m_closes_that_leg_only() {
    let mut call = Call::connect();
    let failed = call.leg.guarded(|_| panic!("injected str0m fault"));
    assert!(!failed);
    assert_eq!(call.leg.connection(), LegConnection::Failed);
    assert_eq!(
        call.leg.poll_event(),
        Some(LegEvent::Connection(LegConnection::Failed))
    );
    // Nothing more goes into or out of the broken instance, and nothing panics.
    let sent = call.leg.stats().packets_out;
    call.step(&Frame::SILENCE, &Frame::SILENCE, None);
    assert_eq!(call.leg.stats().packets_out, sent);
    assert_eq!(call.leg.poll_transmit(), None);
}
