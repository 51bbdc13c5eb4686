//! Grammar of the header fields the edge relies on (RFC 3261 §25): Via, From/To/Contact/Route
//! name-addrs, CSeq, Call-ID, Max-Forwards, Content-Length, Content-Type and option-tag lists.
//!
//! Each parser accepts exactly what the ABNF allows (with linear white space where the ABNF
//! has it) and renders a canonical form for the stack. Parsers never panic and never allocate
//! more than a small multiple of their input.

use super::cursor::{Cursor, class, is_token, is_token_char, parse_digits};

/// A `;name[=value]` parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Param<'a> {
    pub(crate) name: &'a [u8],
    pub(crate) value: Option<&'a [u8]>,
}

/// One Via entry.
#[derive(Debug)]
pub(crate) struct ViaEntry<'a> {
    pub(crate) protocol: &'a [u8],
    pub(crate) version: &'a [u8],
    pub(crate) transport: &'a [u8],
    pub(crate) host: &'a [u8],
    pub(crate) port: Option<u16>,
    pub(crate) params: Vec<Param<'a>>,
}

/// A name-addr or addr-spec with its header parameters.
#[derive(Debug)]
pub(crate) struct NameAddr<'a> {
    pub(crate) display: Option<Vec<u8>>,
    pub(crate) uri: &'a [u8],
    pub(crate) params: Vec<Param<'a>>,
}

impl NameAddr<'_> {
    pub(crate) fn param(&self, name: &str) -> Option<Option<&[u8]>> {
        self.params
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name.as_bytes()))
            .map(|p| p.value)
    }
}

fn is_host_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_'
}

fn param_value<'a>(c: &mut Cursor<'a>) -> Option<&'a [u8]> {
    if c.peek() == Some(b'"') {
        return c.quoted_string();
    }
    let v = c.take_while(|b| is_token_char(b) || b == b':' || b == b'[' || b == b']');
    (!v.is_empty()).then_some(v)
}

/// `*( SEMI generic-param )`; an empty parameter (`;;`) is an error.
fn params<'a>(c: &mut Cursor<'a>) -> Option<Vec<Param<'a>>> {
    let mut out = Vec::new();
    loop {
        let save = c.pos();
        c.skip_ws();
        if !c.eat(b';') {
            c.reset(save);
            return Some(out);
        }
        c.skip_ws();
        let name = c.take_while(is_token_char);
        if name.is_empty() || out.len() >= 32 {
            return None;
        }
        let save = c.pos();
        c.skip_ws();
        let value = if c.eat(b'=') {
            c.skip_ws();
            Some(param_value(c)?)
        } else {
            c.reset(save);
            None
        };
        out.push(Param { name, value });
    }
}

/// `Via` value: one or more comma-separated via-parms.
pub(crate) fn via_list(value: &[u8]) -> Option<Vec<ViaEntry<'_>>> {
    let mut c = Cursor::new(value);
    let mut out = Vec::new();
    loop {
        c.skip_ws();
        let protocol = c.take_while(is_token_char);
        c.skip_ws();
        if protocol.is_empty() || !c.eat(b'/') {
            return None;
        }
        c.skip_ws();
        let version = c.take_while(is_token_char);
        c.skip_ws();
        if version.is_empty() || !c.eat(b'/') {
            return None;
        }
        c.skip_ws();
        let transport = c.take_while(is_token_char);
        if transport.is_empty() || !c.skip_ws() {
            return None;
        }
        let host = if c.peek() == Some(b'[') {
            let start = c.pos();
            c.take_while(|b| b != b']');
            if !c.eat(b']') {
                return None;
            }
            value.get(start..c.pos())?
        } else {
            c.take_while(is_host_char)
        };
        if host.is_empty() {
            return None;
        }
        let save = c.pos();
        c.skip_ws();
        let port = if c.eat(b':') {
            c.skip_ws();
            Some(u16::try_from(parse_digits(c.take_while(|b| b.is_ascii_digit()))?).ok()?)
        } else {
            c.reset(save);
            None
        };
        let params = params(&mut c)?;
        out.push(ViaEntry {
            protocol,
            version,
            transport,
            host,
            port,
            params,
        });
        c.skip_ws();
        if c.at_end() {
            return Some(out);
        }
        if !c.eat(b',') || out.len() >= 64 {
            return None;
        }
    }
}

/// The URI scheme (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )` before `:`), if well-formed.
pub(crate) fn uri_scheme(uri: &[u8]) -> Option<&[u8]> {
    let colon = uri.iter().position(|&b| b == b':')?;
    let scheme = &uri[..colon];
    let first = *scheme.first()?;
    let ok = first.is_ascii_alphabetic()
        && scheme
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.');
    (ok && colon + 1 < uri.len()).then_some(scheme)
}

const URI_CHARS: [bool; 256] = class(b"-._~:/?#[]@!$&'()*+,;=%");
const WORD_CHARS: [bool; 256] = class(b"-.!%*_+`'~()<>:\\\"/[]?{}");

/// Characters a URI may carry unescaped (RFC 3986 reserved + unreserved + `%`).
fn is_uri_char(b: u8) -> bool {
    URI_CHARS[usize::from(b)]
}

/// A URI as it may appear inside `<>` or as a Request-URI.
pub(crate) fn check_uri(uri: &[u8]) -> bool {
    uri_scheme(uri).is_some() && uri.iter().all(|&b| is_uri_char(b))
}

fn display_tokens(c: &mut Cursor<'_>) -> Vec<u8> {
    let mut display = Vec::new();
    loop {
        let token = c.take_while(is_token_char);
        if token.is_empty() {
            return display;
        }
        if !display.is_empty() {
            display.push(b' ');
        }
        display.extend_from_slice(token);
        c.skip_ws();
    }
}

/// One name-addr / addr-spec with parameters; `in_list` stops an addr-spec at a comma.
fn name_addr<'a>(c: &mut Cursor<'a>, in_list: bool) -> Option<NameAddr<'a>> {
    c.skip_ws();
    let start = c.pos();
    let display = if c.peek() == Some(b'"') {
        let quoted = c.quoted_string()?.to_vec();
        c.skip_ws();
        if c.peek() != Some(b'<') {
            return None;
        }
        Some(quoted)
    } else {
        let tokens = display_tokens(c);
        if c.peek() == Some(b'<') {
            (!tokens.is_empty()).then_some(tokens)
        } else {
            c.reset(start);
            None
        }
    };
    let uri = if c.eat(b'<') {
        let uri = c.take_while(|b| b != b'>');
        if !c.eat(b'>') || !check_uri(uri) {
            return None;
        }
        uri
    } else {
        // addr-spec form: a URI with `;`, `?` or `,` must be in angle brackets, so the URI
        // ends at the first `;` (header parameters follow) and may not hold `?` or `,`.
        let uri = c.take_while(|b| b != b';' && b != b',' && b != b' ' && b != b'\t');
        if !check_uri(uri) || uri.contains(&b'?') {
            return None;
        }
        uri
    };
    let params = params(c)?;
    c.skip_ws();
    if !(c.at_end() || (in_list && c.peek() == Some(b','))) {
        return None;
    }
    Some(NameAddr {
        display,
        uri,
        params,
    })
}

/// `From` / `To`: exactly one name-addr or addr-spec.
pub(crate) fn single_name_addr(value: &[u8]) -> Option<NameAddr<'_>> {
    let mut c = Cursor::new(value);
    name_addr(&mut c, false)
}

/// `Contact` / `Route` / `Record-Route`: a comma-separated list (Contact may be `*`).
pub(crate) fn name_addr_list(value: &[u8]) -> Option<Vec<NameAddr<'_>>> {
    let mut c = Cursor::new(value);
    let mut out = Vec::new();
    loop {
        out.push(name_addr(&mut c, true)?);
        if c.at_end() {
            return Some(out);
        }
        if !c.eat(b',') || out.len() >= 32 {
            return None;
        }
    }
}

/// `CSeq`: `1*DIGIT LWS Method`, the number below 2**31.
pub(crate) fn cseq(value: &[u8]) -> Option<(u32, &[u8])> {
    let mut c = Cursor::new(value);
    let number = parse_digits(c.take_while(|b| b.is_ascii_digit()))?;
    if number >= 1 << 31 || !c.skip_ws() {
        return None;
    }
    let method = c.take_while(is_token_char);
    c.skip_ws();
    (is_token(method) && c.at_end()).then_some((u32::try_from(number).ok()?, method))
}

/// `Call-ID`: `word [ "@" word ]`.
pub(crate) fn call_id(value: &[u8]) -> bool {
    let is_word = |b: u8| WORD_CHARS[usize::from(b)];
    let mut parts = value.splitn(2, |&b| b == b'@');
    let first = parts.next().unwrap_or_default();
    let ok_first = !first.is_empty() && first.iter().all(|&b| is_word(b));
    ok_first
        && parts
            .next()
            .is_none_or(|w| !w.is_empty() && w.iter().all(|&b| is_word(b)))
}

/// A `1*DIGIT` header value with an upper bound.
pub(crate) fn bounded_number(value: &[u8], max: u64) -> Option<u64> {
    parse_digits(value).filter(|&n| n <= max)
}

/// `Content-Type`: `type "/" subtype *( SEMI m-parameter )`; returns `type/subtype` lowercase.
pub(crate) fn media_type(value: &[u8]) -> Option<String> {
    let mut c = Cursor::new(value);
    let kind = c.take_while(is_token_char);
    c.skip_ws();
    if kind.is_empty() || !c.eat(b'/') {
        return None;
    }
    c.skip_ws();
    let sub = c.take_while(is_token_char);
    if sub.is_empty() {
        return None;
    }
    params(&mut c)?;
    c.skip_ws();
    if !c.at_end() {
        return None;
    }
    let mut out = String::from_utf8_lossy(kind).to_ascii_lowercase();
    out.push('/');
    out.push_str(&String::from_utf8_lossy(sub).to_ascii_lowercase());
    Some(out)
}

/// A comma-separated list of tokens (`Require`, `Supported`); empty elements are errors.
pub(crate) fn token_list(value: &[u8]) -> Option<Vec<&[u8]>> {
    if value.is_empty() {
        return Some(Vec::new());
    }
    value
        .split(|&b| b == b',')
        .map(|t| {
            let t = super::cursor::trim_wsp(t);
            is_token(t).then_some(t)
        })
        .collect()
}

/// `Accept`: comma-separated media ranges; returns them lowercase as `type/subtype`.
pub(crate) fn accept_list(value: &[u8]) -> Option<Vec<String>> {
    if value.is_empty() {
        return Some(Vec::new());
    }
    value
        .split(|&b| b == b',')
        .map(|range| media_type(super::cursor::trim_wsp(range)))
        .collect()
}

/// Writes `;name=value` parameters.
pub(crate) fn render_params(out: &mut Vec<u8>, params: &[Param<'_>]) {
    for p in params {
        out.push(b';');
        out.extend_from_slice(p.name);
        if let Some(v) = p.value {
            out.push(b'=');
            out.extend_from_slice(v);
        }
    }
}

/// Canonical `SIP/2.0/UDP host:port;params`.
pub(crate) fn render_via(out: &mut Vec<u8>, via: &ViaEntry<'_>) {
    out.extend_from_slice(via.protocol);
    out.push(b'/');
    out.extend_from_slice(via.version);
    out.push(b'/');
    out.extend_from_slice(via.transport);
    out.push(b' ');
    out.extend_from_slice(via.host);
    if let Some(port) = via.port {
        out.extend_from_slice(format!(":{port}").as_bytes());
    }
    render_params(out, &via.params);
}

/// Canonical `display <uri>;params`.
pub(crate) fn render_name_addr(out: &mut Vec<u8>, na: &NameAddr<'_>) {
    if let Some(display) = &na.display {
        out.extend_from_slice(display);
        out.push(b' ');
    }
    out.push(b'<');
    out.extend_from_slice(na.uri);
    out.push(b'>');
    render_params(out, &na.params);
}

/// A `sip:`/`sips:` Request-URI: a host after the optional userinfo, and no `?headers`
/// (RFC 3261 §19.1.5; `?` is legal in the user part, `@` appears at most once).
pub(crate) fn sip_request_uri(uri: &[u8]) -> bool {
    let Some(colon) = uri.iter().position(|&b| b == b':') else {
        return false;
    };
    let rest = &uri[colon + 1..];
    let host_part = match rest.iter().position(|&b| b == b'@') {
        Some(at) => &rest[at + 1..],
        None => rest,
    };
    let host_end = host_part
        .iter()
        .position(|&b| b == b';' || b == b'?')
        .unwrap_or(host_part.len());
    host_end > 0 && !host_part.contains(&b'?') && !host_part.contains(&b'@')
}
