use super::*;
use proptest::prelude::*;
use std::time::{Duration, Instant};

fn header(seq: u16) -> RtpHeader {
    RtpHeader {
        marker: true,
        payload_type: 8,
        sequence: seq,
        timestamp: 0xDEAD_BEEF,
        ssrc: 0x1234_5678,
    }
}

#[test]
fn writes_and_parses_a_plain_packet() {
    let mut buf = Vec::new();
    header(65_535).write(&[1, 2, 3], &mut buf);
    assert_eq!(buf.len(), 15);
    let p = RtpPacket::parse(&buf).unwrap();
    assert_eq!(p.header, header(65_535));
    assert_eq!(p.payload, &[1, 2, 3]);
    assert!(p.csrcs.is_empty() && p.extension.is_none() && p.padding == 0);
}

#[test]
fn parses_csrcs_extension_and_padding() {
    let mut buf = vec![0x80 | 0x20 | 0x10 | 2, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3];
    buf.extend_from_slice(&[0, 0, 0, 9, 0, 0, 0, 10]); // two CSRCs
    buf.extend_from_slice(&[0xBE, 0xDE, 0, 1, 1, 2, 3, 4]); // extension, one word
    buf.extend_from_slice(&[7, 7]); // payload
    buf.extend_from_slice(&[0, 0, 3]); // three bytes of padding
    let p = RtpPacket::parse(&buf).unwrap();
    assert_eq!(p.csrcs.len(), 8);
    assert_eq!(
        p.extension,
        Some(RtpExtension {
            profile: 0xBEDE,
            data: &[1, 2, 3, 4]
        })
    );
    assert_eq!(p.payload, &[7, 7]);
    assert_eq!(p.padding, 3);
}

#[test]
fn refuses_malformed_packets_with_a_reason() {
    assert_eq!(RtpPacket::parse(&[0x80; 11]), Err(RtpError::TooShort(11)));
    assert_eq!(RtpPacket::parse(&[0x40; 12]), Err(RtpError::Version(1)));
    assert_eq!(
        RtpPacket::parse(&vec![0x80; 1_501]),
        Err(RtpError::TooLong(1_501))
    );
    let mut csrc = vec![0x83, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    csrc.extend_from_slice(&[0; 8]);
    assert_eq!(RtpPacket::parse(&csrc), Err(RtpError::CsrcOverrun(3)));
    let mut ext = vec![0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    ext.extend_from_slice(&[0, 0, 0, 5, 1, 2]);
    assert_eq!(RtpPacket::parse(&ext), Err(RtpError::ExtensionOverrun));
    let mut pad = vec![0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    pad.push(0);
    assert_eq!(RtpPacket::parse(&pad), Err(RtpError::Padding(0)));
    *pad.last_mut().unwrap() = 9;
    assert_eq!(RtpPacket::parse(&pad), Err(RtpError::Padding(9)));
}

#[test]
fn demultiplexes_rtcp_from_rtp() {
    let mut rtcp = Vec::new();
    write_compound(1, None, None, "kefu", &mut rtcp);
    assert!(looks_like_rtcp(&rtcp));
    let mut rtp = Vec::new();
    header(1).write(&[0; 160], &mut rtp);
    assert!(!looks_like_rtcp(&rtp));
    assert!(!looks_like_rtcp(&[0x80]));
}

#[test]
fn sender_report_round_trips_with_sdes() {
    let info = SenderInfo {
        ntp: 0x1122_3344_5566_7788,
        rtp_timestamp: 160,
        packet_count: 50,
        octet_count: 8_000,
    };
    let block = ReportBlock {
        ssrc: 9,
        fraction_lost: 64,
        cumulative_lost: -3,
        highest_sequence: 70_000,
        jitter: 12,
        last_sr: 0x3344_5566,
        delay_since_last_sr: 65_536,
    };
    let mut buf = Vec::new();
    write_compound(7, Some(info), Some(block), "kefu", &mut buf);
    assert_eq!(buf.len() % 4, 0);
    let packets: Vec<_> = RtcpPackets::new(&buf).collect::<Result<_, _>>().unwrap();
    assert_eq!(
        packets,
        vec![
            RtcpPacket::SenderReport {
                ssrc: 7,
                info,
                blocks: vec![block]
            },
            RtcpPacket::Other(202),
        ]
    );
    let mut rr = Vec::new();
    write_compound(7, None, Some(block), "", &mut rr);
    let first = RtcpPackets::new(&rr).next().unwrap().unwrap();
    assert_eq!(
        first,
        RtcpPacket::ReceiverReport {
            ssrc: 7,
            blocks: vec![block]
        }
    );
}

#[test]
fn rtcp_length_and_block_overruns_are_errors() {
    assert_eq!(
        RtcpPackets::new(&[0x80, 201, 0, 9, 0, 0, 0, 1]).next(),
        Some(Err(RtcpError::LengthOverrun))
    );
    assert_eq!(
        RtcpPackets::new(&[0x81, 201, 0, 1, 0, 0, 0, 1]).next(),
        Some(Err(RtcpError::BlockOverrun(1)))
    );
    assert_eq!(
        RtcpPackets::new(&[0x40, 201, 0, 0]).next(),
        Some(Err(RtcpError::Version(1)))
    );
    assert_eq!(
        RtcpPackets::new(&[0x80, 200, 0, 1, 0, 0, 0, 1]).next(),
        Some(Err(RtcpError::Truncated(8)))
    );
}

#[test]
fn sequence_extends_across_wrap_and_counts_loss_and_duplicates() {
    let t0 = Instant::now();
    let mut s = SequenceTracker::new(8_000, t0);
    let Arrival::New(first) = s.record(65_534) else {
        panic!()
    };
    assert_eq!(s.record(65_535), Arrival::New(first + 1));
    assert_eq!(s.record(1), Arrival::New(first + 3)); // 0 lost across the wrap
    assert_eq!(s.record(1), Arrival::Duplicate);
    assert_eq!(s.record(0), Arrival::New(first + 2)); // late but new
    assert_eq!(s.record(0), Arrival::Duplicate);
    assert_eq!(s.record(5), Arrival::New(first + 7)); // 2, 3, 4 lost
    let stats = s.stats();
    assert_eq!((stats.expected, stats.received, stats.lost()), (8, 5, 3));
    assert_eq!(s.highest_for_report(), 65_536 + 5);
    assert_eq!(s.take_fraction_lost(), (3 * 256 / 8) as u8);
    assert_eq!(s.take_fraction_lost(), 0);
}

#[test]
fn jitter_follows_the_rfc_3550_estimator() {
    let t0 = Instant::now();
    let mut s = SequenceTracker::new(8_000, t0);
    // Perfectly paced packets: no jitter.
    for i in 0..10u32 {
        s.record_timing(i * 160, t0 + Duration::from_millis(20 * u64::from(i)));
    }
    assert_eq!(s.stats().jitter, 0);
    // One packet 10 ms late (80 units), the next on time: |D| = 80 then 80.
    s.record_timing(10 * 160, t0 + Duration::from_millis(210));
    s.record_timing(11 * 160, t0 + Duration::from_millis(220));
    let expected = {
        let j1 = 80.0 / 16.0;
        j1 + (80.0 - j1) / 16.0
    };
    assert_eq!(s.stats().jitter, expected as u32);
    assert!(s.jitter() > Duration::from_micros(1_000));
}

proptest! {
    #[test]
    fn rtp_parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..1_600)) {
        if let Ok(p) = RtpPacket::parse(&bytes) {
            prop_assert!(p.payload.len() + 12 <= bytes.len());
        }
    }

    #[test]
    fn rtp_parse_never_panics_on_version_2(mut bytes in proptest::collection::vec(any::<u8>(), 12..200)) {
        bytes[0] = 0x80 | (bytes[0] & 0x3F);
        let _ = RtpPacket::parse(&bytes);
    }

    #[test]
    fn rtcp_walk_never_panics(mut bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if !bytes.is_empty() { bytes[0] = 0x80 | (bytes[0] & 0x3F); }
        for packet in RtcpPackets::new(&bytes).take(100) { let _ = packet; }
    }

    #[test]
    fn written_packets_parse_back(marker: bool, pt in 0u8..128, seq: u16, ts: u32, ssrc: u32,
                                  payload in proptest::collection::vec(any::<u8>(), 0..400)) {
        let h = RtpHeader { marker, payload_type: pt, sequence: seq, timestamp: ts, ssrc };
        let mut buf = Vec::new();
        h.write(&payload, &mut buf);
        let p = RtpPacket::parse(&buf).unwrap();
        prop_assert_eq!(p.header, h);
        prop_assert_eq!(p.payload, &payload[..]);
    }

    #[test]
    fn sequence_tracker_counts_each_number_once(seqs in proptest::collection::vec(0u16..60, 1..300)) {
        // Inside the 64-packet window duplicate detection is exact.
        let mut s = SequenceTracker::new(8_000, Instant::now());
        let mut unique = std::collections::BTreeSet::new();
        for q in &seqs {
            let fresh = unique.insert(*q);
            prop_assert_eq!(s.record(*q) != Arrival::Duplicate, fresh);
        }
        let stats = s.stats();
        let span = u64::from(unique.last().unwrap() - unique.first().unwrap()) + 1;
        prop_assert_eq!(stats.received, unique.len() as u64);
        prop_assert_eq!(stats.expected, span);
    }
}
