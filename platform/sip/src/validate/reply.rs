//! Builds the responses the edge sends on its own (rejections, rate limiting) from the
//! request's Via/From/To/Call-ID/CSeq, as RFC 3261 §8.2.6 asks: those fields are copied, and a
//! To tag is added when the request had none.
//!
//! The tag is derived from the request (Call-ID, From, top Via), so a retransmitted request gets
//! the same response without the edge keeping state. Never reads clocks or randomness.

/// The fields a response copies from its request, as received (unfolded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplyHeaders {
    /// Every Via value, top first.
    pub vias: Vec<Vec<u8>>,
    /// From value.
    pub from: Option<Vec<u8>>,
    /// To value (without the tag the response adds).
    pub to: Option<Vec<u8>>,
    /// Whether To already had a tag.
    pub to_has_tag: bool,
    /// Call-ID value.
    pub call_id: Option<Vec<u8>>,
    /// CSeq value.
    pub cseq: Option<Vec<u8>>,
}

/// Standard reason phrase for the statuses the edge sends itself.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        483 => "Too Many Hops",
        488 => "Not Acceptable Here",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "Version Not Supported",
        513 => "Message Too Large",
        _ => "Unknown",
    }
}

impl ReplyHeaders {
    /// A deterministic To tag for this request (FNV-1a over Call-ID, From and top Via).
    pub fn to_tag(&self) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let parts = [
            self.call_id.as_deref(),
            self.from.as_deref(),
            self.vias.first().map(Vec::as_slice),
        ];
        for part in parts.into_iter().flatten() {
            for &b in part {
                hash ^= u64::from(b);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
            hash ^= 0xff;
        }
        format!("kf{hash:016x}")
    }

    /// Serialises a response with `extra` header lines (`Name: value`, no CRLF) and no body.
    pub fn build(&self, status: u16, extra: &[(&str, String)]) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(format!("SIP/2.0 {status} {}\r\n", reason_phrase(status)).as_bytes());
        for via in &self.vias {
            line(&mut out, "Via", via);
        }
        if let Some(from) = &self.from {
            line(&mut out, "From", from);
        }
        if let Some(to) = &self.to {
            let mut to = to.clone();
            if !self.to_has_tag && status > 100 {
                to.extend_from_slice(b";tag=");
                to.extend_from_slice(self.to_tag().as_bytes());
            }
            line(&mut out, "To", &to);
        }
        if let Some(call_id) = &self.call_id {
            line(&mut out, "Call-ID", call_id);
        }
        if let Some(cseq) = &self.cseq {
            line(&mut out, "CSeq", cseq);
        }
        for (name, value) in extra {
            line(&mut out, name, value.as_bytes());
        }
        out.extend_from_slice(b"Server: kefu\r\nContent-Length: 0\r\n\r\n");
        out
    }
}

fn line(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// A `quoted-string` for a Warning text (quotes and backslashes escaped, control bytes dropped).
pub(crate) fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' | '\\' => {
                out.push('\\');
                out.push(ch);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
