//! Compound RTCP datagrams: walking them never panics and stops at the first bad packet; a
//! sender or receiver report we accept, written back with our writer, reads back the same.
#![no_main]

use kefu_media::rtp::{RtcpPacket, RtcpPackets, write_compound};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut seen = 0usize;
    for packet in RtcpPackets::new(data) {
        seen += 1;
        // Each packet is at least a 4-byte header: the walk is bounded by the datagram.
        assert!(seen <= data.len() / 4 + 1);
        let Ok(packet) = packet else { break };
        let (ssrc, sender, blocks) = match &packet {
            RtcpPacket::SenderReport { ssrc, info, blocks } => (*ssrc, Some(*info), blocks),
            RtcpPacket::ReceiverReport { ssrc, blocks } => (*ssrc, None, blocks),
            _ => continue,
        };
        if blocks.len() > 1 {
            continue;
        }
        let mut out = Vec::new();
        write_compound(ssrc, sender, blocks.first().copied(), "fuzz", &mut out);
        let first = RtcpPackets::new(&out).next().expect("one packet").expect("it parses");
        assert_eq!(first, packet);
    }
});
