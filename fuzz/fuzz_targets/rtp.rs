//! RTP packets from the trunk leg: the parser validates every length field against the
//! datagram; whatever it accepts must lie within the datagram, and a plain packet (no CSRCs,
//! extension or padding) must serialise back to the same bytes.
#![no_main]

use kefu_media::rtp::{RtpPacket, looks_like_rtcp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = looks_like_rtcp(data);
    let Ok(packet) = RtpPacket::parse(data) else {
        return;
    };
    let ext = packet.extension.map_or(0, |e| 4 + e.data.len());
    assert!(12 + packet.csrcs.len() + ext + packet.payload.len() + usize::from(packet.padding) <= data.len());
    let plain = packet.csrcs.is_empty() && packet.extension.is_none() && packet.padding == 0;
    let mut out = Vec::new();
    packet.header.write(packet.payload, &mut out);
    let again = RtpPacket::parse(&out).expect("a packet we write parses");
    assert_eq!(again.header, packet.header);
    assert_eq!(again.payload, packet.payload);
    if plain {
        assert_eq!(out, data, "a plain packet round-trips byte for byte");
    }
});
