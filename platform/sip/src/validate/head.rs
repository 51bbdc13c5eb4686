//! Splits a message into start line, unfolded header fields and body.
//!
//! Owns the line structure only (CRLF lines, folding, header-name syntax, the count and size
//! caps); what a header's value means is checked in `fields`. Never copies a value unless
//! folding forces it.

use std::borrow::Cow;

use super::Violation;
use super::cursor::{is_token, is_wsp, trim_wsp};

/// One header field with its name as sent and its value unfolded and trimmed.
#[derive(Debug)]
pub(crate) struct RawHeader<'a> {
    pub(crate) name: &'a [u8],
    pub(crate) value: Cow<'a, [u8]>,
}

/// A message split into its parts.
#[derive(Debug)]
pub(crate) struct Head<'a> {
    pub(crate) start_line: &'a [u8],
    pub(crate) headers: Vec<RawHeader<'a>>,
    /// Everything after the blank line (empty when there was none).
    pub(crate) body: &'a [u8],
    /// The first structural problem met; the caller decides whether a response can be formed.
    pub(crate) violation: Option<Violation>,
}

/// Finds the blank line that ends the header section; returns the index of its `\r\n\r\n`.
pub(crate) fn find_head_end(bytes: &[u8]) -> Option<usize> {
    memchr::memmem::find(bytes, b"\r\n\r\n")
}

fn has_line_break(line: &[u8]) -> bool {
    memchr::memchr2(b'\r', b'\n', line).is_some()
}

/// Splits `bytes` (leading CRLFs already skipped). A datagram without a blank line is all head.
pub(crate) fn split(bytes: &[u8], max_headers: usize, max_header_bytes: usize) -> Head<'_> {
    let (head, body) = match find_head_end(bytes) {
        Some(end) => (&bytes[..end], &bytes[end + 4..]),
        None => (bytes, &[][..]),
    };
    let mut lines = head.split_inner_crlf();
    let start_line = lines.next().unwrap_or_default();
    let mut out = Head {
        start_line,
        headers: Vec::new(),
        body,
        violation: None,
    };
    if has_line_break(start_line) {
        out.violation = Some(Violation::BareLineBreak);
    }
    for line in lines {
        if line.is_empty() {
            // Only the last line of a datagram that lacks its blank line can be empty.
            continue;
        }
        if has_line_break(line) {
            out.violation.get_or_insert(Violation::BareLineBreak);
            continue;
        }
        if line.first().copied().is_some_and(is_wsp) {
            match out.headers.last_mut() {
                Some(last) => {
                    let continued = trim_wsp(line);
                    if !continued.is_empty() {
                        let value = last.value.to_mut();
                        if !value.is_empty() {
                            value.push(b' ');
                        }
                        value.extend_from_slice(continued);
                    }
                }
                None => {
                    out.violation.get_or_insert(Violation::MalformedHeaderLine);
                }
            }
            continue;
        }
        let Some(colon) = memchr::memchr(b':', line) else {
            out.violation.get_or_insert(Violation::MalformedHeaderLine);
            continue;
        };
        let name = trim_wsp(&line[..colon]);
        if !is_token(name) {
            out.violation.get_or_insert(Violation::MalformedHeaderLine);
            continue;
        }
        if out.headers.len() >= max_headers {
            out.violation
                .get_or_insert(Violation::TooManyHeaders(max_headers));
            break;
        }
        out.headers.push(RawHeader {
            name,
            value: Cow::Borrowed(trim_wsp(&line[colon + 1..])),
        });
    }
    for header in &out.headers {
        if header.name.len() + header.value.len() > max_header_bytes {
            out.violation
                .get_or_insert(Violation::HeaderTooLong(max_header_bytes));
        }
    }
    out
}

/// Iterates the CRLF-separated lines of a head.
trait SplitCrlf {
    fn split_inner_crlf(&self) -> CrlfLines<'_>;
}

impl SplitCrlf for [u8] {
    fn split_inner_crlf(&self) -> CrlfLines<'_> {
        CrlfLines { rest: Some(self) }
    }
}

struct CrlfLines<'a> {
    rest: Option<&'a [u8]>,
}

impl<'a> Iterator for CrlfLines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = self.rest?;
        match memchr::memmem::find(rest, b"\r\n") {
            Some(i) => {
                self.rest = Some(&rest[i + 2..]);
                Some(&rest[..i])
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}
