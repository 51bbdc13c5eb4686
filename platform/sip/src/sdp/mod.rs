//! SDP for the trunk leg (RFC 4566 / RFC 3264): a bounded, validated parse of what a call
//! needs from an offer, the answer (PCMU or PCMA in the offer's order, telephone-event when
//! offered, the hold direction), and an offer for outbound legs.
//!
//! Owns only the session description text. It knows nothing of RTP sockets or media rooms:
//! the caller passes its local address and port in and gets the remote one out. Never panics
//! on input; every count and length is capped ([`SdpLimits`]).

mod negotiate;
mod parse;
#[cfg(test)]
mod tests;

use std::net::IpAddr;

pub use negotiate::{Answer, Codec, LocalMedia, answer, offer, offer_with};
pub use parse::parse;

/// Caps on an SDP body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdpLimits {
    /// Largest body in bytes.
    pub max_bytes: usize,
    /// Most lines.
    pub max_lines: usize,
    /// Most `m=` sections.
    pub max_media: usize,
    /// Most formats on one `m=` line.
    pub max_formats: usize,
}

impl Default for SdpLimits {
    fn default() -> Self {
        Self {
            max_bytes: 8192,
            max_lines: 256,
            max_media: 8,
            max_formats: 32,
        }
    }
}

/// Media direction attribute (RFC 3264 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// `a=sendrecv` (the default).
    #[default]
    SendRecv,
    /// `a=sendonly`.
    SendOnly,
    /// `a=recvonly`.
    RecvOnly,
    /// `a=inactive`.
    Inactive,
}

impl Direction {
    /// The direction an answer takes for an offer with this one (hold: sendonly → recvonly).
    pub fn answer(self) -> Direction {
        match self {
            Direction::SendRecv => Direction::SendRecv,
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            Direction::Inactive => Direction::Inactive,
        }
    }

    /// The attribute name.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }
}

/// `a=rtpmap:<pt> <encoding>/<clock>[/<channels>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpMap {
    /// Payload type.
    pub payload_type: u8,
    /// Encoding name as sent (compare case-insensitively).
    pub encoding: String,
    /// Clock rate in Hz.
    pub clock_rate: u32,
    /// Channels, when given.
    pub channels: Option<u8>,
}

/// One `m=` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaDescription {
    /// Media type (`audio`, `video`, …).
    pub kind: String,
    /// Transport port (0: the stream is refused or disabled).
    pub port: u16,
    /// Transport protocol (`RTP/AVP`, …).
    pub protocol: String,
    /// Formats as listed, in order.
    pub formats: Vec<String>,
    /// `a=rtpmap` lines.
    pub rtpmaps: Vec<RtpMap>,
    /// `a=fmtp` lines as (payload type, parameters).
    pub fmtps: Vec<(u8, String)>,
    /// Direction attribute of this section, if any.
    pub direction: Option<Direction>,
    /// `a=ptime` in milliseconds.
    pub ptime: Option<u16>,
    /// `c=` of this section.
    pub connection: Option<IpAddr>,
}

/// The parts of a session description a call uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    /// Session-level `c=`.
    pub connection: Option<IpAddr>,
    /// Session-level direction attribute (default sendrecv).
    pub direction: Direction,
    /// The `m=` sections in order.
    pub media: Vec<MediaDescription>,
}

/// Why an SDP body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    /// Over one of [`SdpLimits`].
    #[error("SDP exceeds the limit on {0}")]
    TooLarge(&'static str),
    /// Not UTF-8 text.
    #[error("SDP is not UTF-8 text")]
    NotText,
    /// A line that is not `<letter>=<value>`, or a value that breaks its grammar.
    #[error("malformed SDP line {line}: {what}")]
    Malformed {
        /// 1-based line number.
        line: usize,
        /// What was wrong.
        what: &'static str,
    },
    /// The first line is not `v=0`.
    #[error("SDP must start with v=0")]
    BadVersion,
    /// No audio stream with PCMU or PCMA over RTP/AVP: answer 488.
    #[error("no common codec (PCMU or PCMA over RTP/AVP)")]
    NoCommonCodec,
}
