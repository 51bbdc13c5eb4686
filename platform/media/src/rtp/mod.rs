//! RTP and RTCP on the wire (RFC 3550): bounded parsing, serialisation and receive-side
//! sequence/loss/jitter accounting.
//!
//! Owns byte layouts and the RFC 3550 arithmetic. It must never panic on any input, never
//! allocate while parsing, and never know about sockets, codecs or rooms.

mod packet;
mod rtcp;
mod sequence;

pub use packet::{MAX_PACKET_BYTES, RtpError, RtpExtension, RtpHeader, RtpPacket};
pub use rtcp::{ReportBlock, RtcpError, RtcpPacket, RtcpPackets, SenderInfo, write_compound};
pub use sequence::{Arrival, ReceptionStats, SequenceTracker};

/// Whether a datagram multiplexed on one port (RFC 5761) is RTCP rather than RTP: RTCP packet
/// types 192–223 occupy the byte where RTP puts marker + payload type.
pub fn looks_like_rtcp(datagram: &[u8]) -> bool {
    datagram.len() >= 2 && datagram[0] >> 6 == 2 && (192..=223).contains(&datagram[1])
}

#[cfg(test)]
mod tests;
