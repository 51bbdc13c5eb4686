//! The RTP fixed header, CSRC list, header extension and padding (RFC 3550 §5.1, §5.3.1).

use thiserror::Error;

/// Largest datagram the engine accepts or produces; anything longer is refused unread.
pub const MAX_PACKET_BYTES: usize = 1_500;

/// What was wrong with bytes that claimed to be RTP.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RtpError {
    /// Fewer than the 12 bytes of the fixed header.
    #[error("RTP packet of {0} bytes is shorter than the 12-byte fixed header")]
    TooShort(usize),
    /// Longer than [`MAX_PACKET_BYTES`].
    #[error("RTP packet of {0} bytes exceeds the {MAX_PACKET_BYTES}-byte limit")]
    TooLong(usize),
    /// The version field is not 2.
    #[error("RTP version {0} is not 2")]
    Version(u8),
    /// The CSRC list runs past the end of the packet.
    #[error("CSRC count {0} runs past the end of the packet")]
    CsrcOverrun(u8),
    /// The header extension runs past the end of the packet.
    #[error("header extension runs past the end of the packet")]
    ExtensionOverrun,
    /// The padding count is zero or larger than what follows the header.
    #[error("padding count {0} is invalid for the packet length")]
    Padding(u8),
}

/// An RTP header extension (RFC 3550 §5.3.1): profile-defined id and its 32-bit words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpExtension<'a> {
    /// The profile-defined 16-bit identifier.
    pub profile: u16,
    /// The extension data (a multiple of 4 bytes).
    pub data: &'a [u8],
}

/// The fields of an RTP header the engine writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpHeader {
    /// Marker bit (start of a talkspurt, start of a DTMF event).
    pub marker: bool,
    /// Payload type (7 bits).
    pub payload_type: u8,
    /// Sequence number.
    pub sequence: u16,
    /// Media timestamp.
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
}

/// A parsed RTP packet borrowing the datagram it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    /// The fixed-header fields.
    pub header: RtpHeader,
    /// Raw CSRC list (4 bytes per contributing source).
    pub csrcs: &'a [u8],
    /// The header extension, when the X bit is set.
    pub extension: Option<RtpExtension<'a>>,
    /// The payload with any padding removed.
    pub payload: &'a [u8],
    /// How many padding bytes followed the payload.
    pub padding: u8,
}

impl<'a> RtpPacket<'a> {
    /// Parses one RTP packet, validating every length field against the datagram.
    pub fn parse(buf: &'a [u8]) -> Result<Self, RtpError> {
        if buf.len() < 12 {
            return Err(RtpError::TooShort(buf.len()));
        }
        if buf.len() > MAX_PACKET_BYTES {
            return Err(RtpError::TooLong(buf.len()));
        }
        let version = buf[0] >> 6;
        if version != 2 {
            return Err(RtpError::Version(version));
        }
        let has_padding = buf[0] & 0x20 != 0;
        let has_extension = buf[0] & 0x10 != 0;
        let csrc_count = buf[0] & 0x0F;
        let header = RtpHeader {
            marker: buf[1] & 0x80 != 0,
            payload_type: buf[1] & 0x7F,
            sequence: u16::from_be_bytes([buf[2], buf[3]]),
            timestamp: u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]),
            ssrc: u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]),
        };
        let mut end = buf.len();
        let mut padding = 0;
        if has_padding {
            padding = buf[end - 1];
            end = end
                .checked_sub(usize::from(padding))
                .filter(|&e| padding > 0 && e >= 12)
                .ok_or(RtpError::Padding(padding))?;
        }
        let csrc_end = 12 + 4 * usize::from(csrc_count);
        if csrc_end > end {
            return Err(RtpError::CsrcOverrun(csrc_count));
        }
        let csrcs = &buf[12..csrc_end];
        let mut offset = csrc_end;
        let mut extension = None;
        if has_extension {
            let head = buf
                .get(offset..offset + 4)
                .filter(|_| offset + 4 <= end)
                .ok_or(RtpError::ExtensionOverrun)?;
            let profile = u16::from_be_bytes([head[0], head[1]]);
            let words = usize::from(u16::from_be_bytes([head[2], head[3]]));
            let data_end = offset + 4 + 4 * words;
            if data_end > end {
                return Err(RtpError::ExtensionOverrun);
            }
            extension = Some(RtpExtension {
                profile,
                data: &buf[offset + 4..data_end],
            });
            offset = data_end;
        }
        if has_padding && offset > end {
            return Err(RtpError::Padding(padding));
        }
        Ok(RtpPacket {
            header,
            csrcs,
            extension,
            payload: &buf[offset..end],
            padding,
        })
    }
}

impl RtpHeader {
    /// Appends this header (no CSRCs, no extension) and `payload` to `out`.
    pub fn write(&self, payload: &[u8], out: &mut Vec<u8>) {
        out.reserve(12 + payload.len());
        out.push(0x80);
        out.push((u8::from(self.marker) << 7) | (self.payload_type & 0x7F));
        out.extend_from_slice(&self.sequence.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        out.extend_from_slice(payload);
    }
}
