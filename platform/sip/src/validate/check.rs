//! The order of checks that turns bytes into a [`Verdict`]: structure, version, mandatory
//! fields and their grammar, framing, then policy (method, scheme, hops, extensions, body).
//!
//! Owns that order and the responses to refusals; never does IO.

use rsipstack::sip::SipMessage;

use super::cursor::{is_token, is_wsp};
use super::fields;
use super::gather::{Facts, gather};
use super::head::{self, Head};
use super::render::{render, rfc2543_branch, rfc2543_from_tag};
use super::reply::{ReplyHeaders, quoted};
use super::{
    Accepted, Cause, DropReason, Rejection, TransportKind, ValidationConfig, Verdict, Violation,
};

/// Methods RFC 3261 and its extensions define; any other is answered 501.
const KNOWN_METHODS: &[&str] = &[
    "INVITE",
    "ACK",
    "BYE",
    "CANCEL",
    "OPTIONS",
    "REGISTER",
    "PRACK",
    "SUBSCRIBE",
    "NOTIFY",
    "PUBLISH",
    "INFO",
    "REFER",
    "MESSAGE",
    "UPDATE",
];

/// Validates one message. `bytes` is a whole datagram, or one message framed by
/// [`super::frame_stream`] for [`TransportKind::Tcp`].
pub fn validate(bytes: &[u8], transport: TransportKind, config: &ValidationConfig) -> Verdict {
    let limits = &config.limits;
    if bytes.len() > limits.max_message_bytes {
        return Verdict::Drop(DropReason::Oversized);
    }
    let mut rest = bytes;
    while let Some(tail) = rest.strip_prefix(b"\r\n") {
        rest = tail;
    }
    if rest.is_empty() {
        // A double CRLF is a ping (RFC 5626 §4.4.1); a single one is a pong, never answered,
        // or two edges would bounce CRLFs forever.
        return if bytes.len() >= 4 {
            Verdict::Keepalive
        } else {
            Verdict::Drop(DropReason::Empty)
        };
    }
    if rest.iter().all(|b| b.is_ascii_whitespace()) {
        return Verdict::Drop(DropReason::Empty);
    }
    let head = head::split(rest, limits.max_headers, limits.max_header_bytes);
    let is_response =
        head.start_line.len() >= 4 && head.start_line[..4].eq_ignore_ascii_case(b"SIP/");
    let (facts, field_error) = gather(&head);
    if is_response {
        return response(&head, facts, field_error, transport);
    }
    if facts.reply.vias.is_empty() {
        return Verdict::Drop(DropReason::NoVia);
    }
    let line = trim_trailing_wsp(head.start_line);
    let parts: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
    let method = parts.first().copied().unwrap_or_default();
    let refuse = |cause: Cause| refuse(method, &facts.reply, cause, config);
    if let Some(v) = head.violation.clone() {
        return refuse(Cause::Malformed(v));
    }
    let [method, uri, version] = parts[..] else {
        return refuse(Cause::Malformed(Violation::MalformedRequestLine));
    };
    if !is_token(method) || uri.is_empty() {
        return refuse(Cause::Malformed(Violation::MalformedRequestLine));
    }
    match sip_version(version) {
        Some(true) => {}
        Some(false) => return refuse(Cause::UnsupportedVersion),
        None => return refuse(Cause::Malformed(Violation::MalformedRequestLine)),
    }
    if let Some(v) = field_error {
        return refuse(Cause::Malformed(v));
    }
    for (field, name) in [
        (facts.reply.from.is_some(), "From"),
        (facts.reply.to.is_some(), "To"),
        (facts.reply.call_id.is_some(), "Call-ID"),
        (facts.cseq.is_some(), "CSeq"),
        // RFC 2543 clients (no magic cookie) did not have to send Max-Forwards.
        (
            facts.max_forwards.is_some() || !facts.top_branch_is_3261,
            "Max-Forwards",
        ),
    ] {
        if !field {
            return refuse(Cause::Malformed(Violation::MissingHeader(name)));
        }
    }
    if facts.cseq.is_some_and(|(_, m)| m != method) {
        return refuse(Cause::Malformed(Violation::CSeqMethodMismatch));
    }
    let body = match body(&head, &facts, transport) {
        Ok(body) => body,
        Err(v) => return refuse(Cause::Malformed(v)),
    };
    if !body.is_empty() && facts.content_type.is_none() {
        return refuse(Cause::Malformed(Violation::BodyWithoutContentType));
    }
    let Some(scheme) = fields::uri_scheme(uri).filter(|_| fields::check_uri(uri)) else {
        return refuse(Cause::Malformed(Violation::MalformedRequestUri));
    };
    let sip_scheme = scheme.eq_ignore_ascii_case(b"sip") || scheme.eq_ignore_ascii_case(b"sips");
    if sip_scheme && !fields::sip_request_uri(uri) {
        return refuse(Cause::Malformed(Violation::MalformedRequestUri));
    }
    if let Some(cause) = policy(
        method,
        sip_scheme || scheme.eq_ignore_ascii_case(b"tel"),
        &facts,
        body,
        config,
    ) {
        return refuse(cause);
    }
    let patch = match facts.top_via {
        Some((index, false)) => rfc2543_branch(&facts, index, uri),
        _ => None,
    };
    let from_patch = match facts.from_tagless {
        Some(index) => rfc2543_from_tag(&facts, index),
        None => None,
    };
    match SipMessage::try_from(render(line, &head, &facts, body, [patch, from_patch]).as_slice()) {
        Ok(message) => Verdict::Accept(Box::new(Accepted {
            message,
            reply: facts.reply,
        })),
        Err(e) => refuse(Cause::Malformed(Violation::StackParse(e.to_string()))),
    }
}

/// The policy checks, in RFC 3261 §8.2 order, on an otherwise well-formed request.
fn policy(
    method: &[u8],
    scheme_ok: bool,
    facts: &Facts<'_>,
    body: &[u8],
    config: &ValidationConfig,
) -> Option<Cause> {
    let policy = &config.policy;
    let is = |m: &&str| m.as_bytes() == method;
    if !policy.allow.iter().any(is) {
        return Some(if KNOWN_METHODS.iter().any(is) {
            Cause::MethodNotAllowed
        } else {
            Cause::UnknownMethod
        });
    }
    if !scheme_ok {
        return Some(Cause::UnsupportedUriScheme);
    }
    if facts.max_forwards == Some(0) && method != b"OPTIONS" {
        return Some(Cause::TooManyHops);
    }
    if method != b"ACK" && method != b"CANCEL" {
        let unsupported: Vec<String> = facts
            .require
            .iter()
            .filter(|tag| {
                !policy
                    .supported
                    .iter()
                    .any(|s| s.as_bytes().eq_ignore_ascii_case(tag))
            })
            .map(|tag| String::from_utf8_lossy(tag).into_owned())
            .collect();
        if !unsupported.is_empty() {
            return Some(Cause::BadExtension(unsupported));
        }
    }
    if method == b"INVITE" {
        if let Some(kind) = facts.content_type.as_ref().filter(|_| !body.is_empty())
            && !policy.accept.contains(&kind.as_str())
        {
            return Some(Cause::UnsupportedMediaType(kind.clone()));
        }
        if let Some(ranges) = &facts.accept {
            let acceptable = |range: &String| {
                range == "*/*"
                    || policy.accept.iter().any(|a| {
                        a == range
                            || (range.ends_with("/*") && a.starts_with(&range[..range.len() - 1]))
                    })
            };
            if !ranges.is_empty() && !ranges.iter().any(acceptable) {
                return Some(Cause::NotAcceptable);
            }
        }
    }
    None
}

fn refuse(method: &[u8], reply: &ReplyHeaders, cause: Cause, config: &ValidationConfig) -> Verdict {
    if method == b"ACK" {
        return Verdict::Drop(DropReason::RefusedAck(cause));
    }
    let policy = &config.policy;
    let mut extra: Vec<(&str, String)> = Vec::new();
    match &cause {
        Cause::UnknownMethod | Cause::MethodNotAllowed => {
            extra.push(("Allow", policy.allow.join(", ")))
        }
        Cause::BadExtension(tags) => extra.push(("Unsupported", tags.join(", "))),
        Cause::UnsupportedMediaType(_) | Cause::NotAcceptable => {
            extra.push(("Accept", policy.accept.join(", ")))
        }
        Cause::Malformed(v) => {
            extra.push(("Warning", format!("399 kefu {}", quoted(&v.to_string()))))
        }
        _ => {}
    }
    let response = reply.build(cause.status(), &extra);
    Verdict::Reject(Rejection { cause, response })
}

fn response(
    head: &Head<'_>,
    facts: Facts<'_>,
    field_error: Option<Violation>,
    transport: TransportKind,
) -> Verdict {
    let invalid = |v: Violation| Verdict::Drop(DropReason::InvalidResponse(v));
    if let Some(v) = head.violation.clone().or(field_error) {
        return invalid(v);
    }
    let line = trim_trailing_wsp(head.start_line);
    let ok_line = line.len() >= 11
        && line[..8].eq_ignore_ascii_case(b"SIP/2.0 ")
        && line[8..11].iter().all(u8::is_ascii_digit)
        && (100..=699).contains(
            &((line[8] - b'0') as u16 * 100
                + (line[9] - b'0') as u16 * 10
                + (line[10] - b'0') as u16),
        )
        && (line.len() == 11 || line[11] == b' ');
    if !ok_line {
        return invalid(Violation::MalformedStatusLine);
    }
    for (present, name) in [
        (!facts.reply.vias.is_empty(), "Via"),
        (facts.reply.from.is_some(), "From"),
        (facts.reply.to.is_some(), "To"),
        (facts.reply.call_id.is_some(), "Call-ID"),
        (facts.cseq.is_some(), "CSeq"),
    ] {
        if !present {
            return invalid(Violation::MissingHeader(name));
        }
    }
    let body = match body(head, &facts, transport) {
        Ok(body) => body,
        Err(v) => return invalid(v),
    };
    match SipMessage::try_from(render(line, head, &facts, body, [None, None]).as_slice()) {
        Ok(message) => Verdict::Accept(Box::new(Accepted {
            message,
            reply: facts.reply,
        })),
        Err(e) => invalid(Violation::StackParse(e.to_string())),
    }
}

/// `Some(true)` for SIP/2.0, `Some(false)` for another well-formed version, `None` otherwise.
fn sip_version(v: &[u8]) -> Option<bool> {
    if v.len() < 4 || !v[..4].eq_ignore_ascii_case(b"SIP/") {
        return None;
    }
    let mut nums = v[4..].splitn(2, |&b| b == b'.');
    let major = nums
        .next()
        .filter(|n| !n.is_empty() && n.iter().all(u8::is_ascii_digit))?;
    let minor = nums
        .next()
        .filter(|n| !n.is_empty() && n.iter().all(u8::is_ascii_digit))?;
    Some(major == b"2" && minor == b"0")
}

fn trim_trailing_wsp(mut s: &[u8]) -> &[u8] {
    // RFC 4475 §3.1.2.10 allows tolerating trailing white space on the start line.
    while let [rest @ .., last] = s {
        if is_wsp(*last) {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// The body per RFC 3261 §18.3 for the transport.
fn body<'a>(
    head: &Head<'a>,
    facts: &Facts<'_>,
    transport: TransportKind,
) -> Result<&'a [u8], Violation> {
    match (facts.content_length, transport) {
        (None, TransportKind::Udp) => Ok(head.body),
        (None, TransportKind::Tcp) => Err(Violation::MissingContentLength),
        (Some(declared), _) => {
            let len = usize::try_from(declared).unwrap_or(usize::MAX);
            match head.body.get(..len) {
                Some(body) if transport == TransportKind::Udp || body.len() == head.body.len() => {
                    Ok(body)
                }
                _ => Err(Violation::BodyTooShort {
                    declared,
                    received: head.body.len(),
                }),
            }
        }
    }
}
