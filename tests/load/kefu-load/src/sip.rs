//! Just enough SIP (RFC 3261) over UDP for a UAC that places calls: build INVITE / ACK / BYE /
//! CANCEL and responses to the server's requests, and parse what comes back. Parsing never panics
//! on malformed input: anything it can't make sense of is `None`, and the caller counts it.

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};

/// Largest SIP datagram we accept or build (bytes); bigger input is rejected.
pub const MAX_MESSAGE: usize = 65_535;
/// At most this many header lines are kept from one message.
const MAX_HEADERS: usize = 128;

/// The first line of a SIP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartLine {
    /// `METHOD uri SIP/2.0`
    Request { method: String, uri: String },
    /// `SIP/2.0 code reason`
    Response { code: u16, reason: String },
}

/// A parsed SIP message: the start line, headers in order (names in their full, canonical
/// lower-case form) and the body.
#[derive(Debug, Clone)]
pub struct Message {
    pub start: StartLine,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// Expand compact header names (RFC 3261 §7.3.3) and lower-case.
fn canonical_name(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    match lower.as_str() {
        "i" => "call-id".into(),
        "v" => "via".into(),
        "f" => "from".into(),
        "t" => "to".into(),
        "m" => "contact".into(),
        "l" => "content-length".into(),
        "c" => "content-type".into(),
        "k" => "supported".into(),
        _ => lower,
    }
}

impl Message {
    /// Parse one datagram. `None` if it is not a SIP message we can use.
    pub fn parse(data: &[u8]) -> Option<Message> {
        if data.len() > MAX_MESSAGE {
            return None;
        }
        let text = std::str::from_utf8(data).ok()?;
        let text = text.trim_start_matches(['\r', '\n']);
        let (head, body) = match text.find("\r\n\r\n") {
            Some(i) => (&text[..i], &text[i + 4..]),
            None => match text.find("\n\n") {
                Some(i) => (&text[..i], &text[i + 2..]),
                None => (text, ""),
            },
        };
        let mut lines = head.lines();
        let first = lines.next()?.trim_end();
        let start = if let Some(rest) = first.strip_prefix("SIP/2.0 ") {
            let rest = rest.trim_start();
            let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
            let code: u16 = code.parse().ok()?;
            if !(100..=699).contains(&code) {
                return None;
            }
            StartLine::Response {
                code,
                reason: reason.to_string(),
            }
        } else {
            let mut parts = first.split_whitespace();
            let method = parts.next()?;
            let uri = parts.next()?;
            if parts.next()? != "SIP/2.0" || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
                return None;
            }
            StartLine::Request {
                method: method.to_ascii_uppercase(),
                uri: uri.to_string(),
            }
        };
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in lines {
            if line.starts_with([' ', '\t']) {
                // Folded continuation of the previous header.
                if let Some(last) = headers.last_mut() {
                    last.1.push(' ');
                    last.1.push_str(line.trim());
                }
                continue;
            }
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            if headers.len() >= MAX_HEADERS {
                break;
            }
            headers.push((canonical_name(name), value.trim().to_string()));
        }
        let mut msg = Message {
            start,
            headers,
            body: String::new(),
        };
        let body = match msg
            .header("content-length")
            .and_then(|v| v.parse::<usize>().ok())
        {
            Some(n) if n <= body.len() && body.is_char_boundary(n) => &body[..n],
            _ => body,
        };
        msg.body = body.to_string();
        Some(msg)
    }

    /// First value of a header (name in canonical lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header, comma-separated lists split into their elements.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| split_list(v))
            .collect()
    }

    pub fn call_id(&self) -> Option<&str> {
        self.header("call-id").filter(|v| !v.is_empty())
    }

    /// `(sequence number, method)` from CSeq.
    pub fn cseq(&self) -> Option<(u32, String)> {
        let v = self.header("cseq")?;
        let mut it = v.split_whitespace();
        let n = it.next()?.parse().ok()?;
        let m = it.next()?.to_ascii_uppercase();
        Some((n, m))
    }

    pub fn code(&self) -> Option<u16> {
        match self.start {
            StartLine::Response { code, .. } => Some(code),
            StartLine::Request { .. } => None,
        }
    }

    pub fn method(&self) -> Option<&str> {
        match &self.start {
            StartLine::Request { method, .. } => Some(method),
            StartLine::Response { .. } => None,
        }
    }

    /// The tag parameter of the To header.
    pub fn to_tag(&self) -> Option<&str> {
        tag_param(self.header("to")?)
    }
}

/// Split a comma-separated header value, ignoring commas inside `<...>` and quotes.
pub fn split_list(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut in_angle, mut in_quote, mut start) = (false, false, 0);
    for (i, c) in value.char_indices() {
        match c {
            '"' => in_quote = !in_quote,
            '<' if !in_quote => in_angle = true,
            '>' if !in_quote => in_angle = false,
            ',' if !in_quote && !in_angle => {
                let part = value[start..i].trim();
                if !part.is_empty() {
                    out.push(part);
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    let part = value[start..].trim();
    if !part.is_empty() {
        out.push(part);
    }
    out
}

/// The header parameters of a name-addr or addr-spec value (after `>`, or after the URI).
fn header_params(value: &str) -> &str {
    match value.rfind('>') {
        Some(i) => &value[i + 1..],
        None => value.find(';').map_or("", |i| &value[i..]),
    }
}

/// The `tag` parameter of a From/To value.
pub fn tag_param(value: &str) -> Option<&str> {
    header_params(value)
        .split(';')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("tag"))
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// The URI inside a name-addr (`"x" <sip:a@b>;p`) or an addr-spec (`sip:a@b;p`).
pub fn uri_of(value: &str) -> Option<&str> {
    let value = value.trim();
    let uri = match (value.find('<'), value.rfind('>')) {
        (Some(a), Some(b)) if a < b => &value[a + 1..b],
        (None, None) => value.split(';').next().unwrap_or(value),
        _ => return None,
    };
    let uri = uri.trim();
    let lower = uri.get(..4).map(str::to_ascii_lowercase);
    (lower.as_deref() == Some("sip:")
        || uri
            .get(..5)
            .is_some_and(|s| s.eq_ignore_ascii_case("sips:")))
    .then_some(uri)
}

/// Host and port of a SIP URI when the host is an IP literal (port 5060 by default).
pub fn uri_socket_addr(uri: &str) -> Option<SocketAddr> {
    let rest = uri.split_once(':')?.1;
    let hostport = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let hostport = hostport.split([';', '?']).next()?;
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (h, after) = v6.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None if after.is_empty() => 5060,
            None => return None,
        };
        (h, port)
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (h, p.parse().ok()?),
            None => (hostport, 5060),
        }
    };
    let ip: IpAddr = host.parse().ok()?;
    if ip.is_unspecified() || port == 0 {
        return None;
    }
    Some(SocketAddr::new(ip, port))
}

/// What one call's UAC needs to build its requests.
#[derive(Debug, Clone)]
pub struct Dialog {
    /// Our address as it appears in Via and Contact.
    pub local: SocketAddr,
    pub call_id: String,
    pub from_uri: String,
    pub from_tag: String,
    /// The Request-URI of the INVITE (and To URI).
    pub request_uri: String,
    /// The remote tag, once a response carried one.
    pub to_tag: Option<String>,
    /// Remote target (Contact of the 2xx) for in-dialog requests.
    pub remote_target: Option<String>,
    /// Route set (Record-Route of the 2xx, reversed).
    pub route: Vec<String>,
}

fn host_port(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => a.to_string(),
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
    }
}

impl Dialog {
    fn to_header(&self) -> String {
        match &self.to_tag {
            Some(t) => format!("<{}>;tag={t}", self.request_uri),
            None => format!("<{}>", self.request_uri),
        }
    }

    /// Start line, Via, Max-Forwards, Route set (when `routes`), From, To, Call-ID, CSeq.
    #[allow(clippy::too_many_arguments)] // one private builder; a struct would only rename them
    fn common(
        &self,
        out: &mut String,
        method: &str,
        uri: &str,
        branch: &str,
        cseq: u32,
        to: &str,
        routes: bool,
    ) {
        let _ = write!(
            out,
            "{method} {uri} SIP/2.0\r\nVia: SIP/2.0/UDP {};branch={branch};rport\r\nMax-Forwards: 70\r\n",
            host_port(self.local)
        );
        if routes {
            for r in &self.route {
                let _ = write!(out, "Route: {r}\r\n");
            }
        }
        let _ = write!(
            out,
            "From: <{}>;tag={}\r\nTo: {to}\r\nCall-ID: {}\r\nCSeq: {cseq} {method}\r\n",
            self.from_uri, self.from_tag, self.call_id
        );
    }

    /// The initial INVITE with an SDP offer.
    pub fn invite(&self, branch: &str, sdp: &str) -> String {
        let mut out = String::with_capacity(512 + sdp.len());
        self.common(
            &mut out,
            "INVITE",
            &self.request_uri,
            branch,
            1,
            &format!("<{}>", self.request_uri),
            false,
        );
        let _ = write!(
            out,
            "Contact: <sip:kefu-load@{}>\r\nAllow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\nUser-Agent: kefu-load\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
            host_port(self.local),
            sdp.len()
        );
        out
    }

    /// ACK for a 2xx: a new transaction to the remote target, with the route set.
    pub fn ack_2xx(&self, branch: &str) -> String {
        let uri = self.remote_target.as_deref().unwrap_or(&self.request_uri);
        let mut out = String::with_capacity(400);
        self.common(&mut out, "ACK", uri, branch, 1, &self.to_header(), true);
        out.push_str("Content-Length: 0\r\n\r\n");
        out
    }

    /// ACK for a non-2xx final response: part of the INVITE transaction (same branch and URI),
    /// with the To of the response.
    pub fn ack_non_2xx(&self, invite_branch: &str, response_to: &str) -> String {
        let mut out = String::with_capacity(400);
        self.common(
            &mut out,
            "ACK",
            &self.request_uri,
            invite_branch,
            1,
            response_to,
            false,
        );
        out.push_str("Content-Length: 0\r\n\r\n");
        out
    }

    /// CANCEL of the pending INVITE (same branch, no To tag).
    pub fn cancel(&self, invite_branch: &str) -> String {
        let mut out = String::with_capacity(400);
        let to = format!("<{}>", self.request_uri);
        self.common(
            &mut out,
            "CANCEL",
            &self.request_uri,
            invite_branch,
            1,
            &to,
            false,
        );
        out.push_str("Content-Length: 0\r\n\r\n");
        out
    }

    /// BYE inside the dialog.
    pub fn bye(&self, branch: &str, cseq: u32) -> String {
        let uri = self.remote_target.as_deref().unwrap_or(&self.request_uri);
        let mut out = String::with_capacity(400);
        self.common(&mut out, "BYE", uri, branch, cseq, &self.to_header(), true);
        out.push_str("User-Agent: kefu-load\r\nContent-Length: 0\r\n\r\n");
        out
    }

    /// Learn the dialog's remote side from a 2xx to the INVITE.
    pub fn learn_from_2xx(&mut self, resp: &Message) {
        self.to_tag = resp.to_tag().map(str::to_string);
        self.remote_target = resp.header("contact").and_then(uri_of).map(str::to_string);
        let mut rr: Vec<String> = resp
            .header_values("record-route")
            .into_iter()
            .map(str::to_string)
            .collect();
        rr.reverse();
        self.route = rr;
    }

    /// Where in-dialog requests go on the wire: the remote target when it has an IP literal and
    /// there is no route set, otherwise the configured server address.
    pub fn next_hop(&self, server: SocketAddr) -> SocketAddr {
        if !self.route.is_empty() {
            return server;
        }
        self.remote_target
            .as_deref()
            .and_then(uri_socket_addr)
            .unwrap_or(server)
    }
}

/// A response to a request from the server (e.g. 200 to its BYE): Via, From, To, Call-ID and
/// CSeq copied, optional extra headers and SDP body.
pub fn response_to(
    req: &Message,
    code: u16,
    reason: &str,
    extra: &str,
    sdp: Option<&str>,
) -> String {
    let mut out = String::with_capacity(400);
    let _ = write!(out, "SIP/2.0 {code} {reason}\r\n");
    for (name, value) in &req.headers {
        let canonical = match name.as_str() {
            "via" => "Via",
            "from" => "From",
            "to" => "To",
            "call-id" => "Call-ID",
            "cseq" => "CSeq",
            _ => continue,
        };
        let _ = write!(out, "{canonical}: {value}\r\n");
    }
    out.push_str(extra);
    out.push_str("User-Agent: kefu-load\r\n");
    match sdp {
        Some(b) => {
            let _ = write!(
                out,
                "Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{b}",
                b.len()
            );
        }
        None => out.push_str("Content-Length: 0\r\n\r\n"),
    }
    out
}

/// Add a To tag to a To header value that has none (for our responses to the server's requests).
pub fn with_to_tag(to: &str, tag: &str) -> String {
    if tag_param(to).is_some() {
        to.to_string()
    } else {
        format!("{to};tag={tag}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dialog() -> Dialog {
        Dialog {
            local: "127.0.0.1:40000".parse().unwrap(),
            call_id: "c1@kefu-load".into(),
            from_uri: "sip:+15550001@127.0.0.1:40000".into(),
            from_tag: "ft1".into(),
            request_uri: "sip:+15555550100@127.0.0.1:5060".into(),
            to_tag: None,
            remote_target: None,
            route: vec![],
        }
    }

    #[test]
    fn invite_is_well_formed_and_parses_back() {
        let d = dialog();
        let sdp = "v=0\r\nm=audio 4000 RTP/AVP 0\r\n";
        let inv = d.invite("z9hG4bK-1", sdp);
        assert!(inv.starts_with("INVITE sip:+15555550100@127.0.0.1:5060 SIP/2.0\r\n"));
        assert!(inv.contains("Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK-1;rport\r\n"));
        assert!(inv.contains(&format!("Content-Length: {}\r\n\r\n", sdp.len())));
        let m = Message::parse(inv.as_bytes()).unwrap();
        assert_eq!(m.method(), Some("INVITE"));
        assert_eq!(m.call_id(), Some("c1@kefu-load"));
        assert_eq!(m.cseq(), Some((1, "INVITE".into())));
        assert_eq!(m.body, sdp);
        assert_eq!(m.to_tag(), None);
        assert_eq!(tag_param(m.header("from").unwrap()), Some("ft1"));
    }

    const OK: &str = "SIP/2.0 200 OK\r\n\
        v: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK-1;rport=40000\r\n\
        f: <sip:+15550001@127.0.0.1:40000>;tag=ft1\r\n\
        t: <sip:+15555550100@127.0.0.1:5060>;tag=srv-9\r\n\
        i: c1@kefu-load\r\n\
        CSeq: 1 INVITE\r\n\
        Record-Route: <sip:p1.example;lr>, <sip:p2.example;lr>\r\n\
        m: \"Kefu\" <sip:kefu@127.0.0.1:5070;transport=udp>;expires=0\r\n\
        Content-Type: application/sdp\r\n\
        l: 14\r\n\r\nv=0\r\no=x\r\nextra-garbage";

    #[test]
    fn parses_200_with_compact_headers_and_learns_the_dialog() {
        let m = Message::parse(OK.as_bytes()).unwrap();
        assert_eq!(m.code(), Some(200));
        assert_eq!(m.call_id(), Some("c1@kefu-load"));
        assert_eq!(m.to_tag(), Some("srv-9"));
        assert_eq!(m.body, "v=0\r\no=x\r\nextr"[..14].to_string());
        let mut d = dialog();
        d.learn_from_2xx(&m);
        assert_eq!(d.to_tag.as_deref(), Some("srv-9"));
        assert_eq!(
            d.remote_target.as_deref(),
            Some("sip:kefu@127.0.0.1:5070;transport=udp")
        );
        assert_eq!(d.route, vec!["<sip:p2.example;lr>", "<sip:p1.example;lr>"]);
        let server = "127.0.0.1:5060".parse().unwrap();
        assert_eq!(
            d.next_hop(server),
            server,
            "route set present: send to the server"
        );
        d.route.clear();
        assert_eq!(d.next_hop(server), "127.0.0.1:5070".parse().unwrap());

        let ack = d.ack_2xx("z9hG4bK-2");
        assert!(ack.starts_with("ACK sip:kefu@127.0.0.1:5070;transport=udp SIP/2.0\r\n"));
        assert!(ack.contains("To: <sip:+15555550100@127.0.0.1:5060>;tag=srv-9\r\n"));
        assert!(ack.contains("CSeq: 1 ACK\r\n"));
        assert!(ack.contains("branch=z9hG4bK-2;"));
        let bye = d.bye("z9hG4bK-3", 2);
        assert!(bye.starts_with("BYE sip:kefu@127.0.0.1:5070;transport=udp SIP/2.0\r\n"));
        assert!(bye.contains("CSeq: 2 BYE\r\n"));
        let pm = Message::parse(bye.as_bytes()).unwrap();
        assert_eq!(pm.to_tag(), Some("srv-9"));
    }

    #[test]
    fn ack_for_a_failure_reuses_the_invite_branch() {
        let d = dialog();
        let ack = d.ack_non_2xx("z9hG4bK-1", "<sip:+15555550100@127.0.0.1:5060>;tag=x");
        assert!(ack.starts_with("ACK sip:+15555550100@127.0.0.1:5060 SIP/2.0\r\n"));
        assert!(ack.contains("branch=z9hG4bK-1;"));
        assert!(ack.contains("To: <sip:+15555550100@127.0.0.1:5060>;tag=x\r\n"));
        let c = d.cancel("z9hG4bK-1");
        assert!(c.contains("CSeq: 1 CANCEL\r\n"));
    }

    #[test]
    fn answers_a_bye_by_copying_the_transaction_headers() {
        let req = "BYE sip:kefu-load@127.0.0.1:40000 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKs\r\n\
            Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKt\r\nFrom: <sip:a@b>;tag=srv\r\nTo: <sip:c@d>;tag=ft1\r\n\
            Call-ID: c1@kefu-load\r\nCSeq: 7 BYE\r\nContent-Length: 0\r\n\r\n";
        let m = Message::parse(req.as_bytes()).unwrap();
        let r = response_to(&m, 200, "OK", "", None);
        assert!(r.starts_with("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKs\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKt\r\n"));
        assert!(r.contains("CSeq: 7 BYE\r\n"));
        let back = Message::parse(r.as_bytes()).unwrap();
        assert_eq!(back.code(), Some(200));
        assert_eq!(back.cseq(), Some((7, "BYE".into())));
        assert_eq!(with_to_tag("<sip:c@d>", "x"), "<sip:c@d>;tag=x");
        assert_eq!(with_to_tag("<sip:c@d>;tag=y", "x"), "<sip:c@d>;tag=y");
    }

    #[test]
    fn uri_helpers() {
        assert_eq!(uri_of("<sip:a@1.2.3.4:5>;tag=1"), Some("sip:a@1.2.3.4:5"));
        assert_eq!(uri_of("sip:a@1.2.3.4;lr"), Some("sip:a@1.2.3.4"));
        assert_eq!(uri_of("<tel:+1555>"), None);
        assert_eq!(uri_of("<sip:broken"), None);
        assert_eq!(
            uri_socket_addr("sip:a@127.0.0.1:5070;transport=udp"),
            Some("127.0.0.1:5070".parse().unwrap())
        );
        assert_eq!(
            uri_socket_addr("sip:127.0.0.1"),
            Some("127.0.0.1:5060".parse().unwrap())
        );
        assert_eq!(
            uri_socket_addr("sip:x@[::1]:5070"),
            Some("[::1]:5070".parse().unwrap())
        );
        assert_eq!(uri_socket_addr("sip:x@host.example:5070"), None);
        assert_eq!(uri_socket_addr("sip:x@0.0.0.0:5070"), None);
        assert_eq!(uri_socket_addr("sip:x@1.2.3.4:99999"), None);
        assert_eq!(
            split_list("<sip:a,b>, \"x,y\" <sip:c>,"),
            vec!["<sip:a,b>", "\"x,y\" <sip:c>"]
        );
    }

    #[test]
    fn malformed_input_is_rejected_not_a_panic() {
        for bad in [
            &b""[..],
            b"\r\n\r\n",
            b"SIP/2.0 abc OK\r\n\r\n",
            b"SIP/2.0 99 Low\r\n\r\n",
            b"SIP/2.0 700 High\r\n\r\n",
            b"HELLO\r\n\r\n",
            b"INVITE sip:x SIP/3.0\r\n\r\n",
            b"\xff\xfe\x00garbage",
        ] {
            assert!(Message::parse(bad).is_none(), "{bad:?}");
        }
        // Parses but lacks what a call needs: the accessors say so.
        let m = Message::parse(
            b"SIP/2.0 200 OK\r\nCSeq: x\r\nTo: <sip:a>;tag=\r\nContent-Length: 999\r\n\r\nab",
        )
        .unwrap();
        assert_eq!(m.call_id(), None);
        assert_eq!(m.cseq(), None);
        assert_eq!(m.to_tag(), None);
        assert_eq!(m.body, "ab");
        // Multi-byte body with a Content-Length that cuts a character: keep it whole.
        let m = Message::parse("SIP/2.0 200 OK\r\nContent-Length: 1\r\n\r\né".as_bytes()).unwrap();
        assert_eq!(m.body, "é");
        let big = vec![b'a'; MAX_MESSAGE + 1];
        assert!(Message::parse(&big).is_none());
    }

    #[test]
    fn folded_headers_and_lf_only_messages() {
        let m =
            Message::parse(b"SIP/2.0 180 Ringing\nCall-ID: a\n  b\nCSeq: 1 INVITE\n\n").unwrap();
        assert_eq!(m.call_id(), Some("a b"));
        assert_eq!(m.code(), Some(180));
    }
}
