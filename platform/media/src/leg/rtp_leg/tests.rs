use super::*;
use crate::g711::{linear_to_alaw, linear_to_ulaw};
use crate::rtp::{ReportBlock, RtcpPacket, RtcpPackets, SenderInfo, write_compound};
use crate::test_support::signal;

const PHONE: &str = "192.0.2.10:4000";
const SSRC: u32 = 0xAABB_CCDD;

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn rtp(seq: u16, ts: u32, ssrc: u32, pt: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    RtpHeader {
        marker: false,
        payload_type: pt,
        sequence: seq,
        timestamp: ts,
        ssrc,
    }
    .write(payload, &mut out);
    out
}

fn audio(seq: u16, value: i16) -> Vec<u8> {
    rtp(
        seq,
        u32::from(seq) * 160,
        SSRC,
        8,
        &[linear_to_alaw(value); 160],
    )
}

struct Rig {
    leg: RtpLeg,
    t0: Instant,
    now: Instant,
}

impl Rig {
    fn new(config: RtpLegConfig) -> Self {
        let t0 = Instant::now();
        Rig {
            leg: RtpLeg::new(config, t0).unwrap(),
            t0,
            now: t0,
        }
    }

    fn default() -> Self {
        Self::new(RtpLegConfig::new(G711::Pcma, Some(addr(PHONE)), 0x1111))
    }

    fn receive(&mut self, from: &str, bytes: &[u8]) {
        self.leg.handle_receive(
            self.now,
            Datagram {
                component: Component::Rtp,
                source: addr(from),
                payload: bytes,
            },
        );
    }

    /// One 20 ms tick: pull, push silence; returns the pulled frame's first sample.
    fn tick(&mut self) -> i16 {
        let mut f = Frame::SILENCE;
        self.leg.pull_frame(self.now, &mut f);
        self.leg.push_frame(self.now, &Frame::SILENCE);
        self.now += Duration::from_millis(20);
        f.0[0]
    }

    fn events(&mut self) -> Vec<LegEvent> {
        std::iter::from_fn(|| self.leg.poll_event()).collect()
    }

    fn transmits(&mut self) -> Vec<Transmit> {
        std::iter::from_fn(|| self.leg.poll_transmit()).collect()
    }
}

#[test]
fn latches_to_the_expected_host_and_ignores_everyone_else_afterwards() {
    let mut r = Rig::default();
    r.receive("198.51.100.7:4000", &audio(1, 5_000));
    assert_eq!(r.leg.latched(), None, "a stranger cannot latch");
    r.receive("192.0.2.10:4002", &audio(1, 1_000)); // same host, NAT-rewritten port
    assert_eq!(
        r.events(),
        vec![LegEvent::Latched {
            remote: addr("192.0.2.10:4002")
        }]
    );
    for seq in 2..=6 {
        r.receive("192.0.2.10:4002", &audio(seq, 1_000));
        r.receive("192.0.2.10:4000", &audio(seq + 100, 9_000)); // even the signalled port, now
        r.receive("198.51.100.7:4000", &audio(seq, 9_000));
    }
    let heard: Vec<i16> = (0..6).map(|_| r.tick()).collect();
    assert!(
        heard.iter().all(|&s| s == 0 || s == 1_008),
        "only the latched audio plays: {heard:?}"
    );
    assert!(heard.contains(&1_008));
    let stats = r.leg.stats();
    assert_eq!(stats.foreign_ignored, 11);
    assert_eq!(stats.packets_in, 6);
    // Media goes back to where it came from (symmetric RTP).
    assert!(
        r.transmits()
            .iter()
            .all(|t| t.destination == addr("192.0.2.10:4002"))
    );
}

#[test]
fn strict_and_first_packet_policies() {
    let mut config = RtpLegConfig::new(G711::Pcma, Some(addr(PHONE)), 1);
    config.latch = LatchPolicy::ExpectedAddress;
    let mut r = Rig::new(config);
    r.receive("192.0.2.10:4002", &audio(1, 0));
    assert_eq!(r.leg.latched(), None);
    r.receive(PHONE, &audio(1, 0));
    assert_eq!(r.leg.latched(), Some(addr(PHONE)));

    let mut r = Rig::new(RtpLegConfig::new(G711::Pcma, None, 1));
    r.tick();
    assert_eq!(r.leg.stats().unsent, 1, "nowhere to send before latching");
    r.receive("203.0.113.5:7000", &audio(1, 0));
    assert_eq!(r.leg.latched(), Some(addr("203.0.113.5:7000")));
    r.leg.set_remote(Some(addr(PHONE)));
    assert_eq!(r.leg.latched(), None, "a re-INVITE unlatches");
}

#[test]
fn garbage_and_unexpected_payload_types_are_counted_not_played() {
    let mut r = Rig::default();
    r.receive(PHONE, &[0x80, 1, 2]);
    r.receive(PHONE, &rtp(1, 0, SSRC, 0, &[0xFF; 160])); // PCMU was not negotiated
    r.receive(PHONE, &rtp(1, 0, SSRC, 8, &[0xD5; 481])); // 60 ms + 1 sample
    assert_eq!(
        r.leg.latched(),
        Some(addr(PHONE)),
        "the oversized packet had a valid header"
    );
    let stats = r.leg.stats();
    assert_eq!(stats.invalid, 3);
    assert_eq!(stats.packets_in, 1);
}

#[test]
fn plays_decoded_audio_in_order_and_counts_loss_late_and_duplicates() {
    let mut r = Rig::default();
    for seq in [1, 3, 2, 2, 4, 6] {
        r.receive(PHONE, &audio(seq, seq as i16 * 1_000));
    }
    let heard: Vec<i16> = (0..4).map(|_| r.tick()).collect();
    assert_eq!(heard, vec![1_008, 2_016, 3_008, 4_032]);
    r.tick(); // 5 concealed
    r.receive(PHONE, &audio(5, 5_000)); // too late now
    let stats = r.leg.stats();
    assert_eq!(
        (stats.duplicates, stats.late, stats.lost, stats.concealed),
        (1, 1, 0, 1)
    );
    r.receive(PHONE, &audio(9, 0));
    assert_eq!(r.leg.stats().lost, 2, "7 and 8 never came");
}

#[test]
fn an_ssrc_change_resets_receive_state_and_is_counted() {
    let mut r = Rig::default();
    for seq in 100..103 {
        r.receive(PHONE, &audio(seq, 1_000));
    }
    r.tick();
    r.receive(
        PHONE,
        &rtp(7, 0, 0x0BAD_F00D, 8, &[linear_to_alaw(3_000); 160]),
    );
    assert!(
        r.events()
            .contains(&LegEvent::SsrcChanged { ssrc: 0x0BAD_F00D })
    );
    for seq in 8..10 {
        r.receive(
            PHONE,
            &rtp(
                seq,
                u32::from(seq) * 160,
                0x0BAD_F00D,
                8,
                &[linear_to_alaw(3_000); 160],
            ),
        );
    }
    // Sequence 7 would be "late" against the old stream; after the reset it plays.
    assert_eq!(r.tick(), 3_008);
    let stats = r.leg.stats();
    assert_eq!((stats.ssrc_changes, stats.late), (1, 0));
}

#[test]
fn telephone_events_become_one_dtmf_event_each() {
    let mut r = Rig::default();
    let ev = |seq, ts, end, dur| {
        rtp(
            seq,
            ts,
            SSRC,
            101,
            &TelephoneEvent {
                event: 1,
                end,
                volume: 10,
                duration: dur,
            }
            .to_bytes(),
        )
    };
    for (seq, end, dur) in [
        (1, false, 160),
        (2, false, 320),
        (3, true, 480),
        (4, true, 480),
        (5, true, 480),
    ] {
        r.receive(PHONE, &ev(seq, 8_000, end, dur));
    }
    r.receive(PHONE, &ev(6, 9_600, true, 480));
    let digits: Vec<_> = r
        .events()
        .into_iter()
        .filter_map(|e| match e {
            LegEvent::Dtmf { digit, via } => Some((digit.as_char(), via)),
            _ => None,
        })
        .collect();
    assert_eq!(
        digits,
        vec![
            ('1', DtmfVia::TelephoneEvent),
            ('1', DtmfVia::TelephoneEvent)
        ]
    );
}

#[test]
fn inband_keys_are_detected_when_telephone_event_is_absent() {
    let mut config = RtpLegConfig::new(G711::Pcmu, Some(addr(PHONE)), 1);
    config.telephone_event = None;
    let mut r = Rig::new(config);
    let (row, col) = DtmfDigit::from_char('#').unwrap().frequencies();
    let tone = signal(&[(row, 5_000.0), (col, 5_000.0)], 200.0, 6, 9);
    for (i, frame) in tone.iter().enumerate() {
        let payload: Vec<u8> = frame.0.iter().map(|&s| linear_to_ulaw(s)).collect();
        r.receive(PHONE, &rtp(i as u16, i as u32 * 160, SSRC, 0, &payload));
    }
    for _ in 0..8 {
        r.tick();
    }
    let keys: Vec<_> = r
        .events()
        .into_iter()
        .filter(|e| matches!(e, LegEvent::Dtmf { .. }))
        .collect();
    assert_eq!(
        keys,
        vec![LegEvent::Dtmf {
            digit: DtmfDigit::from_char('#').unwrap(),
            via: DtmfVia::InBand
        }]
    );
}

#[test]
fn sends_paced_g711_with_increasing_sequence_and_timestamp() {
    let mut r = Rig::default();
    let mut frame = Frame::SILENCE;
    frame.0.fill(1_000);
    for _ in 0..3 {
        r.leg.push_frame(r.now, &frame);
        r.now += Duration::from_millis(20);
    }
    let sent = r.transmits();
    assert_eq!(sent.len(), 3);
    let packets: Vec<_> = sent
        .iter()
        .map(|t| RtpPacket::parse(&t.payload).unwrap())
        .collect();
    assert!(packets[0].header.marker && !packets[1].header.marker);
    assert_eq!(
        packets[1].header.sequence,
        packets[0].header.sequence.wrapping_add(1)
    );
    assert_eq!(
        packets[2].header.timestamp,
        packets[0].header.timestamp.wrapping_add(320)
    );
    assert!(
        packets
            .iter()
            .all(|p| p.header.payload_type == 8 && p.header.ssrc == 0x1111)
    );
    assert_eq!(packets[0].payload, &[linear_to_alaw(1_000); 160][..]);
    assert!(
        sent.iter()
            .all(|t| t.destination == addr(PHONE) && t.component == Component::Rtp)
    );
    assert_eq!(r.leg.stats().packets_out, 3);
}

#[test]
fn sends_rfc_4733_keys_instead_of_audio_then_resumes() {
    let mut r = Rig::default();
    r.leg
        .send_dtmf(
            DtmfDigit::from_char('9').unwrap(),
            Duration::from_millis(60),
        )
        .unwrap();
    for _ in 0..8 {
        r.tick();
    }
    let packets: Vec<_> = r.transmits();
    let parsed: Vec<_> = packets
        .iter()
        .map(|t| RtpPacket::parse(&t.payload).unwrap())
        .collect();
    let events: Vec<_> = parsed
        .iter()
        .filter(|p| p.header.payload_type == 101)
        .collect();
    assert_eq!(events.len(), 3 + 3);
    assert!(
        events
            .iter()
            .all(|p| p.header.timestamp == events[0].header.timestamp)
    );
    assert!(events[0].header.marker);
    let last = TelephoneEvent::parse(events[5].payload).unwrap();
    assert_eq!((last.event, last.end, last.duration), (9, true, 480));
    let resumed = parsed.iter().find(|p| p.header.payload_type == 8).unwrap();
    assert_eq!(
        resumed.header.timestamp,
        events[0].header.timestamp.wrapping_add(6 * 160)
    );
    let seqs: Vec<u16> = parsed.iter().map(|p| p.header.sequence).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0].wrapping_add(1)));
}

#[test]
fn without_telephone_event_keys_are_sent_as_tones_that_a_detector_hears() {
    let mut config = RtpLegConfig::new(G711::Pcma, Some(addr(PHONE)), 1);
    config.telephone_event = None;
    let mut plain = Rig::new(config);
    for key in ['4', '#'] {
        plain
            .leg
            .send_dtmf(
                DtmfDigit::from_char(key).unwrap(),
                Duration::from_millis(100),
            )
            .unwrap();
    }
    for _ in 0..20 {
        plain.tick();
    }
    let mut detector = DtmfDetector::new();
    let mut heard = String::new();
    for t in plain.transmits() {
        let p = RtpPacket::parse(&t.payload).unwrap();
        assert_eq!(p.header.payload_type, 8, "only audio packets");
        let mut f = Frame::SILENCE;
        G711::Pcma.decode(p.payload, &mut f.0);
        heard.extend(detector.detect(&f).map(|d| d.as_char()));
    }
    assert_eq!(heard, "4#");
}

#[test]
fn rtcp_reports_go_out_every_interval_and_reports_in_are_read() {
    let mut r = Rig::default();
    for seq in [1u16, 2, 4, 5] {
        r.receive(PHONE, &audio(seq, 0));
    }
    // The far end's SR, then an RR about our stream with 25% loss.
    let mut sr = Vec::new();
    let ntp = 0x1234_5678_9ABC_DEF0u64;
    write_compound(
        SSRC,
        Some(SenderInfo {
            ntp,
            rtp_timestamp: 0,
            packet_count: 4,
            octet_count: 640,
        }),
        None,
        "phone",
        &mut sr,
    );
    r.leg.handle_receive(
        r.now,
        Datagram {
            component: Component::Rtcp,
            source: addr("192.0.2.10:4001"),
            payload: &sr,
        },
    );
    let mut rr = Vec::new();
    let about_us = ReportBlock {
        ssrc: 0x1111,
        fraction_lost: 64,
        cumulative_lost: 3,
        ..Default::default()
    };
    write_compound(SSRC, None, Some(about_us), "phone", &mut rr);
    r.leg.handle_receive(
        r.now,
        Datagram {
            component: Component::Rtcp,
            source: addr("192.0.2.10:4001"),
            payload: &rr,
        },
    );
    r.leg.handle_receive(
        r.now,
        Datagram {
            component: Component::Rtcp,
            source: addr("198.51.100.7:4001"),
            payload: &rr,
        },
    );
    let stats = r.leg.stats();
    assert_eq!(
        (
            stats.rtcp_in,
            stats.remote_fraction_lost,
            stats.remote_cumulative_lost
        ),
        (2, 64, 3)
    );
    assert_eq!(stats.foreign_ignored, 1);
    let received_sr_at = r.now;
    for _ in 0..251 {
        r.tick();
    }
    let reports: Vec<_> = r
        .transmits()
        .into_iter()
        .filter(|t| t.component == Component::Rtcp)
        .collect();
    assert_eq!(reports.len(), 1, "one report in 5 s");
    assert_eq!(reports[0].destination, addr("192.0.2.10:4001"));
    let first = RtcpPackets::new(&reports[0].payload)
        .next()
        .unwrap()
        .unwrap();
    let RtcpPacket::SenderReport { ssrc, info, blocks } = first else {
        panic!("expected an SR: {first:?}")
    };
    assert_eq!(ssrc, 0x1111);
    assert_eq!(info.packet_count, 250);
    let block = blocks[0];
    assert_eq!(
        (block.ssrc, block.cumulative_lost, block.fraction_lost),
        (SSRC, 1, 51)
    );
    assert_eq!(block.last_sr, (ntp >> 16) as u32);
    let dlsr = f64::from(block.delay_since_last_sr) / 65_536.0;
    assert!(
        (dlsr - (r.now - received_sr_at).as_secs_f64()).abs() < 0.05,
        "{dlsr}"
    );
    assert_eq!(r.leg.stats().rtcp_out, 1);
}

#[test]
fn jitter_is_measured_on_arrival_times() {
    let mut r = Rig::default();
    for seq in 0..50u16 {
        // Alternate 0 and 8 ms of extra delay.
        let delay = if seq % 2 == 0 { 0 } else { 8 };
        let at = r.t0 + Duration::from_millis(20 * u64::from(seq) + delay);
        r.leg.handle_receive(
            at,
            Datagram {
                component: Component::Rtp,
                source: addr(PHONE),
                payload: &audio(seq, 0),
            },
        );
    }
    let jitter = r.leg.stats().jitter;
    // |D| is 64 units (8 ms) every packet: the estimator converges towards 8 ms.
    assert!(
        jitter > Duration::from_millis(6) && jitter <= Duration::from_millis(8),
        "{jitter:?}"
    );
}

proptest::proptest! {
    #[test]
    fn any_datagrams_in_any_order_never_panic_and_stay_counted(
        datagrams in proptest::collection::vec((proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300), 0u8..4, proptest::prelude::any::<bool>()), 1..80),
    ) {
        let mut r = Rig::default();
        let sources = [PHONE, "192.0.2.10:4001", "198.51.100.7:4000", "192.0.2.10:9999"];
        for (mut bytes, source, rtcp) in datagrams {
            if bytes.len() >= 12 && bytes[0] % 3 == 0 {
                bytes[0] = 0x80 | (bytes[0] & 0x3F); // mostly-valid version
                bytes[1] = if bytes[1] % 2 == 0 { 8 } else { 101 } | (bytes[1] & 0x80);
            }
            let component = if rtcp { Component::Rtcp } else { Component::Rtp };
            r.leg.handle_receive(r.now, Datagram { component, source: addr(sources[usize::from(source)]), payload: &bytes });
            r.tick();
        }
        let stats = r.leg.stats();
        proptest::prop_assert!(stats.packets_in + stats.invalid + stats.foreign_ignored + stats.rtcp_in <= 80 * 2);
        if let Some(latched) = r.leg.latched() {
            proptest::prop_assert_eq!(latched.ip(), addr(PHONE).ip(), "only the expected host can latch");
        }
    }
}

#[test]
fn unusable_payload_types_are_refused() {
    let mut config = RtpLegConfig::new(G711::Pcma, Some(addr(PHONE)), 1);
    config.telephone_event = Some(200);
    assert!(matches!(
        RtpLeg::new(config.clone(), Instant::now()),
        Err(LegError::InvalidConfig(_))
    ));
    config.telephone_event = Some(8);
    assert!(matches!(
        RtpLeg::new(config, Instant::now()),
        Err(LegError::InvalidConfig(_))
    ));
}
