//! Stream framing (RFC 3261 §18.3): where one message ends in a TCP byte stream.
//!
//! Owns only the boundaries — leading CRLF keep-alives, the blank line, Content-Length — and the
//! size cap while waiting; the message itself is judged by [`super::validate`]. Never looks past
//! [`super::Limits::max_message_bytes`] and never panics.

use super::Limits;
use super::cursor::{parse_digits, trim_wsp};
use super::head::find_head_end;

/// What the front of a stream buffer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamFrame {
    /// Not enough bytes yet; read more.
    Incomplete,
    /// A double-CRLF keep-alive ping of this many bytes (answer with one CRLF).
    Ping(usize),
    /// A single CRLF (a pong or stray line break) to skip.
    Skip(usize),
    /// One complete message of this many bytes.
    Message(usize),
    /// A complete head without Content-Length: the message can only end at end of stream.
    UntilEof,
    /// The length cannot be known (bad or duplicate Content-Length, or larger than the cap):
    /// judge the buffer as it is, answer, then close the connection.
    Unframeable,
}

/// Finds the first frame in `buf`.
pub fn frame_stream(buf: &[u8], limits: &Limits) -> StreamFrame {
    if buf.starts_with(b"\r\n\r\n") {
        return StreamFrame::Ping(4);
    }
    if buf.starts_with(b"\r\n") {
        return StreamFrame::Skip(2);
    }
    if buf == b"\r" {
        return StreamFrame::Incomplete;
    }
    let window = &buf[..buf.len().min(limits.max_message_bytes)];
    let Some(end) = find_head_end(window) else {
        return if buf.len() >= limits.max_message_bytes {
            StreamFrame::Unframeable
        } else {
            StreamFrame::Incomplete
        };
    };
    let head_len = end + 4;
    let mut length: Option<u64> = None;
    for line in window[..end].split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = trim_wsp(&line[..colon]);
        if name.eq_ignore_ascii_case(b"content-length") || name.eq_ignore_ascii_case(b"l") {
            match (length, parse_digits(trim_wsp(&line[colon + 1..]))) {
                (None, Some(n)) => length = Some(n),
                _ => return StreamFrame::Unframeable,
            }
        }
    }
    let Some(length) = length else {
        return StreamFrame::UntilEof;
    };
    let total = u64::try_from(head_len)
        .unwrap_or(u64::MAX)
        .saturating_add(length);
    if total > u64::try_from(limits.max_message_bytes).unwrap_or(u64::MAX) {
        return StreamFrame::Unframeable;
    }
    let total = usize::try_from(total).unwrap_or(usize::MAX);
    if buf.len() < total {
        StreamFrame::Incomplete
    } else {
        StreamFrame::Message(total)
    }
}
