//! The order of checks that turns bytes into a [`Verdict`]: structure, version, mandatory
//! fields and their grammar, framing, then policy (method, scheme, hops, extensions, body).
//!
//! Owns that order and the canonical re-rendering handed to rsip; never does IO.

use std::borrow::Cow;

use rsipstack::sip::SipMessage;

use super::cursor::{is_token, is_wsp, trim_wsp};
use super::fields::{self, NameAddr};
use super::head::{self, Head, RawHeader};
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Via,
    From,
    To,
    CallId,
    CSeq,
    MaxForwards,
    ContentLength,
    ContentType,
    Contact,
    Route,
    RecordRoute,
    Require,
    Accept,
    Other(Option<&'static str>),
}

impl Field {
    fn of(name: &[u8]) -> Field {
        let is = |s: &str| name.eq_ignore_ascii_case(s.as_bytes());
        if is("via") || is("v") {
            Field::Via
        } else if is("from") || is("f") {
            Field::From
        } else if is("to") || is("t") {
            Field::To
        } else if is("call-id") || is("i") {
            Field::CallId
        } else if is("cseq") {
            Field::CSeq
        } else if is("max-forwards") {
            Field::MaxForwards
        } else if is("content-length") || is("l") {
            Field::ContentLength
        } else if is("content-type") || is("c") {
            Field::ContentType
        } else if is("contact") || is("m") {
            Field::Contact
        } else if is("route") {
            Field::Route
        } else if is("record-route") {
            Field::RecordRoute
        } else if is("require") {
            Field::Require
        } else if is("accept") {
            Field::Accept
        } else if is("e") {
            Field::Other(Some("Content-Encoding"))
        } else if is("s") {
            Field::Other(Some("Subject"))
        } else if is("k") {
            Field::Other(Some("Supported"))
        } else {
            Field::Other(None)
        }
    }

    fn name(self) -> &'static str {
        match self {
            Field::Via => "Via",
            Field::From => "From",
            Field::To => "To",
            Field::CallId => "Call-ID",
            Field::CSeq => "CSeq",
            Field::MaxForwards => "Max-Forwards",
            Field::ContentLength => "Content-Length",
            Field::ContentType => "Content-Type",
            Field::Contact => "Contact",
            Field::Route => "Route",
            Field::RecordRoute => "Record-Route",
            Field::Require => "Require",
            Field::Accept => "Accept",
            Field::Other(name) => name.unwrap_or(""),
        }
    }

    fn single(self) -> bool {
        matches!(
            self,
            Field::From
                | Field::To
                | Field::CallId
                | Field::CSeq
                | Field::MaxForwards
                | Field::ContentLength
                | Field::ContentType
        )
    }
}

/// Facts gathered from the header fields in one pass.
#[derive(Default)]
struct Facts<'a> {
    reply: ReplyHeaders,
    cseq: Option<(u32, &'a [u8])>,
    max_forwards: Option<u64>,
    content_length: Option<u64>,
    content_type: Option<String>,
    require: Vec<&'a [u8]>,
    accept: Option<Vec<String>>,
    top_branch_is_3261: bool,
    /// Index of the first Via header and whether its first entry has a branch.
    top_via: Option<(usize, bool)>,
    /// Index of a From header without a tag.
    from_tagless: Option<usize>,
    /// Canonical value per header (None: drop the header, e.g. Content-Length).
    canonical: Vec<Option<Cow<'a, [u8]>>>,
}

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
        return if bytes.is_empty() {
            Verdict::Drop(DropReason::Empty)
        } else {
            Verdict::Keepalive
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

/// RFC 2543 requests may also lack the From tag rsipstack keys transactions on: the stack gets
/// a derived one. [`crate::edge`] removes both from what it sends back (see
/// [`RFC2543_TAG_PREFIX`]).
fn rfc2543_from_tag(facts: &Facts<'_>, index: usize) -> Option<(usize, Vec<u8>)> {
    let mut from = facts.canonical.get(index)?.as_ref()?.to_vec();
    let tag = fnv(&[facts.reply.from.as_deref(), facts.reply.call_id.as_deref()]);
    from.extend_from_slice(format!(";tag={RFC2543_TAG_PREFIX}{tag:016x}").as_bytes());
    Some((index, from))
}

/// Prefix of the From tag given to tag-less RFC 2543 requests.
pub const RFC2543_TAG_PREFIX: &str = "kf2543.";
/// Prefix of the Via branch given to branch-less RFC 2543 requests.
pub const RFC2543_BRANCH_PREFIX: &str = "z9hG4bK2543.";

fn fnv(parts: &[Option<&[u8]>]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts.iter().flatten() {
        for &b in *part {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash ^= 0xff;
    }
    hash
}

/// RFC 2543 requests carry no Via branch, and rsipstack matches transactions by branch only.
/// The stack is given a branch derived from what RFC 3261 §17.2.3 compares for such requests
/// (Request-URI, From, Call-ID, CSeq number, top Via — the To tag is left out so the ACK of a
/// non-2xx response maps to its INVITE): retransmissions, ACK and CANCEL all get the same one.
fn rfc2543_branch(facts: &Facts<'_>, index: usize, uri: &[u8]) -> Option<(usize, Vec<u8>)> {
    let number = facts.cseq.map(|(n, _)| n.to_string()).unwrap_or_default();
    let reply = &facts.reply;
    let hash = fnv(&[
        Some(uri),
        reply.from.as_deref(),
        reply.call_id.as_deref(),
        Some(number.as_bytes()),
        reply.vias.first().map(Vec::as_slice),
    ]);
    let mut via = facts.canonical.get(index)?.as_ref()?.to_vec();
    let end = via
        .windows(2)
        .position(|w| w == b"\r\n")
        .unwrap_or(via.len());
    let branch = format!(";branch={RFC2543_BRANCH_PREFIX}{hash:016x}");
    via.splice(end..end, branch.bytes());
    Some((index, via))
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

/// One pass over the header fields: copies what a response needs, checks each known field's
/// grammar and multiplicity, and prepares its canonical form. Returns the first error.
fn gather<'a>(head: &'a Head<'a>) -> (Facts<'a>, Option<Violation>) {
    let mut facts = Facts::default();
    let mut error: Option<Violation> = None;
    let mut seen: Vec<Field> = Vec::new();
    for RawHeader { name, value } in &head.headers {
        let field = Field::of(name);
        let value: &'a [u8] = value.as_ref();
        let malformed = Violation::MalformedHeader(field.name());
        if field.single() {
            if seen.contains(&field) {
                error.get_or_insert(Violation::DuplicateHeader(field.name()));
            }
            seen.push(field);
        }
        let canonical: Option<Cow<'a, [u8]>> = match field {
            Field::Via => {
                facts.reply.vias.push(value.to_vec());
                match fields::via_list(value) {
                    Some(list) => {
                        if facts.reply.vias.len() == 1 {
                            let branch = list.first().and_then(|v| {
                                v.params
                                    .iter()
                                    .find(|p| p.name.eq_ignore_ascii_case(b"branch"))
                            });
                            facts.top_branch_is_3261 = branch
                                .and_then(|p| p.value)
                                .is_some_and(|b| b.starts_with(b"z9hG4bK"));
                            facts.top_via = Some((facts.canonical.len(), branch.is_some()));
                        }
                        let mut out = Vec::with_capacity(value.len());
                        for (i, via) in list.iter().enumerate() {
                            if i > 0 {
                                out.extend_from_slice(b"\r\nVia: ");
                            }
                            fields::render_via(&mut out, via);
                        }
                        Some(Cow::Owned(out))
                    }
                    None => {
                        error.get_or_insert(malformed);
                        None
                    }
                }
            }
            Field::From | Field::To => {
                if field == Field::From {
                    facts.reply.from.get_or_insert_with(|| value.to_vec());
                } else if facts.reply.to.is_none() {
                    facts.reply.to = Some(value.to_vec());
                }
                match fields::single_name_addr(value) {
                    Some(na) => {
                        if field == Field::To {
                            facts.reply.to_has_tag |= na.param("tag").is_some();
                        } else if na.param("tag").is_none() {
                            facts.from_tagless = Some(facts.canonical.len());
                        }
                        Some(Cow::Owned(render_one(&na)))
                    }
                    None => {
                        error.get_or_insert(malformed);
                        None
                    }
                }
            }
            Field::CallId => {
                facts.reply.call_id.get_or_insert_with(|| value.to_vec());
                if !fields::call_id(value) {
                    error.get_or_insert(malformed);
                }
                Some(Cow::Borrowed(value))
            }
            Field::CSeq => {
                facts.reply.cseq.get_or_insert_with(|| value.to_vec());
                match fields::cseq(value) {
                    Some((n, m)) => {
                        facts.cseq.get_or_insert((n, m));
                        let mut out = format!("{n} ").into_bytes();
                        out.extend_from_slice(m);
                        Some(Cow::Owned(out))
                    }
                    None => {
                        error.get_or_insert(malformed);
                        None
                    }
                }
            }
            Field::MaxForwards => match fields::bounded_number(value, 255) {
                Some(n) => {
                    facts.max_forwards.get_or_insert(n);
                    Some(Cow::Owned(n.to_string().into_bytes()))
                }
                None => {
                    error.get_or_insert(malformed);
                    None
                }
            },
            Field::ContentLength => {
                match fields::bounded_number(value, u64::from(u32::MAX)) {
                    Some(n) => {
                        facts.content_length.get_or_insert(n);
                    }
                    None => {
                        error.get_or_insert(malformed);
                    }
                }
                None
            }
            Field::ContentType => {
                match fields::media_type(value) {
                    Some(kind) => {
                        facts.content_type.get_or_insert(kind);
                    }
                    None => {
                        error.get_or_insert(malformed);
                    }
                }
                Some(Cow::Borrowed(value))
            }
            Field::Contact | Field::Route | Field::RecordRoute => {
                if field == Field::Contact && value == b"*" {
                    Some(Cow::Borrowed(value))
                } else {
                    match fields::name_addr_list(value) {
                        Some(list) => {
                            let mut out = Vec::with_capacity(value.len());
                            for (i, na) in list.iter().enumerate() {
                                if i > 0 {
                                    out.extend_from_slice(b", ");
                                }
                                fields::render_name_addr(&mut out, na);
                            }
                            Some(Cow::Owned(out))
                        }
                        None => {
                            error.get_or_insert(malformed);
                            None
                        }
                    }
                }
            }
            Field::Require => {
                match fields::token_list(value) {
                    Some(tags) => facts.require.extend(tags),
                    None => {
                        error.get_or_insert(malformed);
                    }
                }
                Some(Cow::Borrowed(value))
            }
            Field::Accept => {
                match fields::accept_list(value) {
                    Some(ranges) => facts.accept.get_or_insert_with(Vec::new).extend(ranges),
                    None => {
                        error.get_or_insert(malformed);
                    }
                }
                Some(Cow::Borrowed(value))
            }
            Field::Other(_) => Some(Cow::Borrowed(value)),
        };
        facts.canonical.push(canonical);
    }
    (facts, error)
}

fn render_one(na: &NameAddr<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(na.uri.len() + 32);
    fields::render_name_addr(&mut out, na);
    out
}

/// The canonical message rsip parses.
fn render(
    start_line: &[u8],
    head: &Head<'_>,
    facts: &Facts<'_>,
    body: &[u8],
    patches: [Option<(usize, Vec<u8>)>; 2],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(start_line.len() + head.headers.len() * 48 + body.len() + 64);
    out.extend_from_slice(start_line);
    out.extend_from_slice(b"\r\n");
    for (index, (header, canonical)) in head.headers.iter().zip(&facts.canonical).enumerate() {
        let patched = patches.iter().flatten().find(|(at, _)| *at == index);
        let value = match (patched, canonical) {
            (Some((_, value)), _) => value.as_slice(),
            (None, Some(value)) => value.as_ref(),
            (None, None) => continue,
        };
        let field = Field::of(header.name);
        match field {
            Field::Other(None) => out.extend_from_slice(trim_wsp(header.name)),
            _ => out.extend_from_slice(field.name().as_bytes()),
        }
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out
}
