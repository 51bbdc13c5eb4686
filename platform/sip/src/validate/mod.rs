//! Bounded, strict validation of raw SIP messages before they reach the stack (sans-IO).
//!
//! Owns the verdict on every message the edge receives: [`validate`] is a pure function over
//! the bytes of one message and the transport it came on, returning a [`Verdict`] — accept
//! (with the message parsed into rsip's model, ready for rsipstack), reject (with the complete
//! response to send), drop (nothing can or should be answered) or keep-alive. Stream framing
//! lives in [`frame_stream`]. This module must never do IO, read a clock, panic on any input,
//! or spend more than a small multiple of the message size in time and memory.
//!
//! Accepted messages are rewritten into a canonical form before rsip parses them (folding
//! removed, compact header names expanded, Via/From/To/Contact/Route/CSeq re-rendered from
//! their strictly parsed parts, Content-Length recomputed), so the stack never sees the
//! syntactic corner cases of RFC 4475 that the strict grammar here already judged.

mod check;
mod cursor;
mod fields;
mod framing;
mod gather;
mod head;
mod render;
mod reply;
#[cfg(test)]
mod tests;

pub use check::validate;
pub use framing::{StreamFrame, frame_stream};
pub use render::{RFC2543_BRANCH_PREFIX, RFC2543_TAG_PREFIX};
pub use reply::{ReplyHeaders, reason_phrase};

use rsipstack::sip::SipMessage;

/// The transport a message arrived on, which decides the Content-Length rules (RFC 3261 §18.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// Datagrams: Content-Length optional; bytes beyond it are discarded; fewer bytes → 400.
    Udp,
    /// Streams: one message framed by [`frame_stream`]; Content-Length is mandatory.
    Tcp,
}

/// Size caps applied before anything else is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest whole message (start line, headers and body) in bytes.
    pub max_message_bytes: usize,
    /// Most header fields (after unfolding) in one message.
    pub max_headers: usize,
    /// Longest single header field (name + value, unfolded) in bytes.
    pub max_header_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_message_bytes: 8192,
            max_headers: 64,
            max_header_bytes: 2048,
        }
    }
}

/// What the edge implements: methods, extensions and body types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Methods the edge accepts (case-sensitive, as RFC 3261 defines them); others get 405
    /// when SIP defines them, 501 when it does not.
    pub allow: &'static [&'static str],
    /// Option tags the edge supports; a `Require` naming another one gets 420.
    pub supported: &'static [&'static str],
    /// Body types accepted on INVITE (lowercase `type/subtype`); others get 415.
    pub accept: &'static [&'static str],
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            allow: &[
                "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "UPDATE",
            ],
            // Session timers (RFC 4028): the call actor answers and sends refreshes.
            supported: &["timer"],
            accept: &["application/sdp"],
        }
    }
}

/// Caps and policy together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ValidationConfig {
    /// Size caps.
    pub limits: Limits,
    /// Methods, extensions, body types.
    pub policy: Policy,
}

/// The outcome for one message.
#[derive(Debug)]
pub enum Verdict {
    /// Well-formed and within policy: hand it to the stack.
    Accept(Box<Accepted>),
    /// Answer with [`Rejection::response`] and forget the message.
    Reject(Rejection),
    /// Nothing is sent back.
    Drop(DropReason),
    /// A double-CRLF keep-alive ping (RFC 5626 §4.4.1): answer with one CRLF. A single CRLF
    /// (the pong) is dropped.
    Keepalive,
}

/// An accepted message.
#[derive(Debug)]
pub struct Accepted {
    /// The message in rsip's model, parsed from its canonical form.
    pub message: SipMessage,
    /// What a response built by the edge itself (e.g. 503 when rate limited) copies.
    pub reply: ReplyHeaders,
}

/// A rejected request and the response that says why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Why.
    pub cause: Cause,
    /// The complete response (status line, copied headers, extras, empty body).
    pub response: Vec<u8>,
}

impl Rejection {
    /// The response status code.
    pub fn status(&self) -> u16 {
        self.cause.status()
    }
}

/// Why a request is refused; each maps to one status code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Cause {
    /// 400: the message breaks the grammar or the framing rules.
    #[error("malformed request: {0}")]
    Malformed(Violation),
    /// 505: a SIP version other than 2.0.
    #[error("SIP version not supported")]
    UnsupportedVersion,
    /// 501: a method SIP does not define (Allow lists ours).
    #[error("method not implemented")]
    UnknownMethod,
    /// 405: a SIP method the edge does not accept (Allow lists ours).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 416: a Request-URI scheme other than sip, sips or tel.
    #[error("unsupported URI scheme")]
    UnsupportedUriScheme,
    /// 483: Max-Forwards reached 0 on a request other than OPTIONS.
    #[error("too many hops")]
    TooManyHops,
    /// 420: `Require` names extensions the edge does not support (listed in Unsupported).
    #[error("unsupported extensions: {0:?}")]
    BadExtension(Vec<String>),
    /// 415: an INVITE body of a type the edge cannot read (Accept lists ours).
    #[error("unsupported body type {0}")]
    UnsupportedMediaType(String),
    /// 406: an INVITE whose Accept excludes every body type the edge can answer with.
    #[error("no acceptable answer body type")]
    NotAcceptable,
}

impl Cause {
    /// The status code this cause is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Cause::Malformed(_) => 400,
            Cause::UnsupportedVersion => 505,
            Cause::UnknownMethod => 501,
            Cause::MethodNotAllowed => 405,
            Cause::UnsupportedUriScheme => 416,
            Cause::TooManyHops => 483,
            Cause::BadExtension(_) => 420,
            Cause::UnsupportedMediaType(_) => 415,
            Cause::NotAcceptable => 406,
        }
    }
}

/// A grammar or framing error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    /// More header fields than [`Limits::max_headers`].
    #[error("more than {0} header fields")]
    TooManyHeaders(usize),
    /// A header field longer than [`Limits::max_header_bytes`].
    #[error("a header field is longer than {0} bytes")]
    HeaderTooLong(usize),
    /// A header line without a colon or with an invalid name.
    #[error("malformed header line")]
    MalformedHeaderLine,
    /// A lone CR or LF inside a line.
    #[error("line break inside a line")]
    BareLineBreak,
    /// The request line is not `Method SP Request-URI SP SIP-Version`.
    #[error("malformed request line")]
    MalformedRequestLine,
    /// The status line is not `SIP/2.0 SP 3DIGIT SP Reason-Phrase`.
    #[error("malformed status line")]
    MalformedStatusLine,
    /// The Request-URI is not a valid URI for its scheme.
    #[error("malformed Request-URI")]
    MalformedRequestUri,
    /// A mandatory header field is absent.
    #[error("missing {0} header")]
    MissingHeader(&'static str),
    /// A header field that may appear once appears again.
    #[error("more than one {0} header")]
    DuplicateHeader(&'static str),
    /// A header field's value breaks its grammar.
    #[error("malformed {0} header")]
    MalformedHeader(&'static str),
    /// Content-Length announces more bytes than arrived.
    #[error("Content-Length is {declared} but only {received} body bytes arrived")]
    BodyTooShort {
        /// Announced length.
        declared: u64,
        /// Bytes present.
        received: usize,
    },
    /// A stream message without Content-Length.
    #[error("Content-Length is required on stream transports")]
    MissingContentLength,
    /// A body without Content-Type.
    #[error("a body without Content-Type")]
    BodyWithoutContentType,
    /// CSeq names another method than the request line.
    #[error("CSeq method does not match the request method")]
    CSeqMethodMismatch,
    /// rsip's parser refused the canonical form (a gap between its grammar and ours).
    #[error("the SIP stack cannot parse the message: {0}")]
    StackParse(String),
}

/// Why nothing is sent back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DropReason {
    /// Larger than [`Limits::max_message_bytes`].
    #[error("message too large")]
    Oversized,
    /// Only white space.
    #[error("empty message")]
    Empty,
    /// A request without Via cannot be answered.
    #[error("request without Via")]
    NoVia,
    /// ACK is never answered (RFC 3261 §17.2.3); the request would have been refused.
    #[error("refused ACK: {0}")]
    RefusedAck(Cause),
    /// An invalid response is discarded (RFC 3261 §18.1.2).
    #[error("invalid response: {0}")]
    InvalidResponse(Violation),
}
