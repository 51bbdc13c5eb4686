//! Minimal RTCP (RFC 3550 §6.4): sender and receiver reports are read and written; SDES, BYE
//! and APP packets are walked over and recognised, nothing more.

use thiserror::Error;

/// What was wrong with bytes that claimed to be RTCP.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RtcpError {
    /// Fewer than the 4 bytes of a common header, or not a whole number of 32-bit words.
    #[error("RTCP packet of {0} bytes is truncated")]
    Truncated(usize),
    /// The version field is not 2.
    #[error("RTCP version {0} is not 2")]
    Version(u8),
    /// A length field points past the end of the compound packet.
    #[error("RTCP length field points past the end of the datagram")]
    LengthOverrun,
    /// A report claims more report blocks than its length holds.
    #[error("RTCP report claims {0} blocks that do not fit its length")]
    BlockOverrun(u8),
}

/// The sender-info part of a sender report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SenderInfo {
    /// NTP timestamp of the report (seconds since 1900 in the upper 32 bits).
    pub ntp: u64,
    /// RTP timestamp corresponding to `ntp`.
    pub rtp_timestamp: u32,
    /// Packets sent since the stream started.
    pub packet_count: u32,
    /// Payload octets sent since the stream started.
    pub octet_count: u32,
}

/// One reception report block (24 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportBlock {
    /// The source this block reports on.
    pub ssrc: u32,
    /// Fraction lost since the last report, in 1/256.
    pub fraction_lost: u8,
    /// Cumulative packets lost (24-bit signed).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received.
    pub highest_sequence: u32,
    /// Interarrival jitter in timestamp units.
    pub jitter: u32,
    /// Middle 32 bits of the last SR's NTP timestamp.
    pub last_sr: u32,
    /// Delay since that SR, in 1/65536 s.
    pub delay_since_last_sr: u32,
}

/// One packet of an RTCP compound datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RtcpPacket {
    /// Sender report (PT 200).
    SenderReport {
        /// The sender's SSRC.
        ssrc: u32,
        /// Its send counters and clocks.
        info: SenderInfo,
        /// Its reception reports.
        blocks: Vec<ReportBlock>,
    },
    /// Receiver report (PT 201).
    ReceiverReport {
        /// The reporter's SSRC.
        ssrc: u32,
        /// Its reception reports.
        blocks: Vec<ReportBlock>,
    },
    /// Goodbye (PT 203): the listed sources are leaving.
    Goodbye,
    /// Any other type (SDES, APP, feedback), recognised and skipped.
    Other(u8),
}

/// Iterator over the packets of a compound RTCP datagram; stops at the first error.
pub struct RtcpPackets<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl<'a> RtcpPackets<'a> {
    /// Walks a compound RTCP datagram.
    pub fn new(datagram: &'a [u8]) -> Self {
        RtcpPackets {
            rest: datagram,
            failed: false,
        }
    }
}

impl Iterator for RtcpPackets<'_> {
    type Item = Result<RtcpPacket, RtcpError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.rest.is_empty() {
            return None;
        }
        let result = parse_one(self.rest);
        match result {
            Ok((packet, used)) => {
                self.rest = &self.rest[used..];
                Some(Ok(packet))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

fn parse_one(buf: &[u8]) -> Result<(RtcpPacket, usize), RtcpError> {
    if buf.len() < 4 {
        return Err(RtcpError::Truncated(buf.len()));
    }
    let version = buf[0] >> 6;
    if version != 2 {
        return Err(RtcpError::Version(version));
    }
    let count = buf[0] & 0x1F;
    let packet_type = buf[1];
    let len = (usize::from(u16::from_be_bytes([buf[2], buf[3]])) + 1) * 4;
    let body = buf.get(4..len).ok_or(RtcpError::LengthOverrun)?;
    let packet = match packet_type {
        200 => {
            if body.len() < 24 {
                return Err(RtcpError::Truncated(len));
            }
            let info = SenderInfo {
                ntp: u64::from_be_bytes(word8(&body[4..12])),
                rtp_timestamp: be32(&body[12..16]),
                packet_count: be32(&body[16..20]),
                octet_count: be32(&body[20..24]),
            };
            RtcpPacket::SenderReport {
                ssrc: be32(&body[0..4]),
                info,
                blocks: blocks(&body[24..], count)?,
            }
        }
        201 => {
            if body.len() < 4 {
                return Err(RtcpError::Truncated(len));
            }
            RtcpPacket::ReceiverReport {
                ssrc: be32(&body[0..4]),
                blocks: blocks(&body[4..], count)?,
            }
        }
        203 => RtcpPacket::Goodbye,
        other => RtcpPacket::Other(other),
    };
    Ok((packet, len))
}

fn blocks(buf: &[u8], count: u8) -> Result<Vec<ReportBlock>, RtcpError> {
    let n = usize::from(count);
    if buf.len() < n * 24 {
        return Err(RtcpError::BlockOverrun(count));
    }
    Ok(buf
        .chunks_exact(24)
        .take(n)
        .map(|b| {
            let lost = be32(&b[4..8]) & 0x00FF_FFFF;
            // Sign-extend the 24-bit cumulative loss.
            let cumulative_lost = ((lost << 8) as i32) >> 8;
            ReportBlock {
                ssrc: be32(&b[0..4]),
                fraction_lost: b[4],
                cumulative_lost,
                highest_sequence: be32(&b[8..12]),
                jitter: be32(&b[12..16]),
                last_sr: be32(&b[16..20]),
                delay_since_last_sr: be32(&b[20..24]),
            }
        })
        .collect())
}

fn be32(b: &[u8]) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[..4]);
    u32::from_be_bytes(w)
}

fn word8(b: &[u8]) -> [u8; 8] {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[..8]);
    w
}

/// Appends a compound RTCP datagram to `out`: an SR when `sender` is given (else an RR), at
/// most one report block, then the SDES CNAME that RFC 3550 requires in every compound packet.
pub fn write_compound(
    ssrc: u32,
    sender: Option<SenderInfo>,
    block: Option<ReportBlock>,
    cname: &str,
    out: &mut Vec<u8>,
) {
    let count = u8::from(block.is_some());
    let words = 1 + if sender.is_some() { 5 } else { 0 } + 6 * usize::from(count);
    out.push(0x80 | count);
    out.push(if sender.is_some() { 200 } else { 201 });
    out.extend_from_slice(&(words as u16).to_be_bytes());
    out.extend_from_slice(&ssrc.to_be_bytes());
    if let Some(info) = sender {
        out.extend_from_slice(&info.ntp.to_be_bytes());
        out.extend_from_slice(&info.rtp_timestamp.to_be_bytes());
        out.extend_from_slice(&info.packet_count.to_be_bytes());
        out.extend_from_slice(&info.octet_count.to_be_bytes());
    }
    if let Some(b) = block {
        out.extend_from_slice(&b.ssrc.to_be_bytes());
        let lost = (b.cumulative_lost.clamp(-0x80_0000, 0x7F_FFFF) as u32) & 0x00FF_FFFF;
        out.extend_from_slice(&((u32::from(b.fraction_lost) << 24) | lost).to_be_bytes());
        out.extend_from_slice(&b.highest_sequence.to_be_bytes());
        out.extend_from_slice(&b.jitter.to_be_bytes());
        out.extend_from_slice(&b.last_sr.to_be_bytes());
        out.extend_from_slice(&b.delay_since_last_sr.to_be_bytes());
    }
    // SDES: one chunk with CNAME, null-terminated and padded to a word boundary.
    let name = &cname.as_bytes()[..cname.len().min(255)];
    let chunk = 4 + 2 + name.len() + 1;
    let padded = chunk.div_ceil(4) * 4;
    out.push(0x81);
    out.push(202);
    out.extend_from_slice(&((padded / 4) as u16).to_be_bytes());
    out.extend_from_slice(&ssrc.to_be_bytes());
    out.push(1);
    out.push(name.len() as u8);
    out.extend_from_slice(name);
    out.resize(out.len() + padded - chunk + 1, 0);
}
