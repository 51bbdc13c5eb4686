//! Digest authentication of inbound trunks (RFC 3261 §22, RFC 7616, RFC 8760 for SHA-256):
//! the nonces the edge issues in its 401 challenges ([`nonces`]), and the parsing and checking
//! of the `Authorization` header the carrier answers with. Verifying the response against the
//! trunk's stored HA1 is the store's (`kefu_store::sip_digest`); this module never sees a
//! password and never logs a header.
//!
//! An answer is good for the request it was computed for and for one use: its `uri` must be
//! the request's Request-URI (an answer taken from a call to one number is no key to another),
//! and its nonce-count must grow (see [`nonces`]).

pub mod nonces;

pub use nonces::{NonceCheck, NonceCount, NonceKeyError, NonceUse, Nonces};

use kefu_sip::rsipstack::sip::Uri;
use kefu_store::sip_digest::DigestAnswer;

/// Most parameters read from one header.
const MAX_PARAMS: usize = 16;

/// The parameters of a `Digest` credentials header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestParams {
    /// `username`.
    pub username: String,
    /// `realm`.
    pub realm: String,
    /// `nonce`.
    pub nonce: String,
    /// `uri`.
    pub uri: String,
    /// `response`.
    pub response: String,
    /// `algorithm`.
    pub algorithm: Option<String>,
    /// `qop`.
    pub qop: Option<String>,
    /// `nc`.
    pub nc: Option<String>,
    /// `cnonce`.
    pub cnonce: Option<String>,
}

impl DigestParams {
    /// The store's view, for method `method`.
    pub fn answer<'a>(&'a self, method: &'a str) -> DigestAnswer<'a> {
        DigestAnswer {
            username: &self.username,
            realm: &self.realm,
            nonce: &self.nonce,
            uri: &self.uri,
            response: &self.response,
            algorithm: self.algorithm.as_deref(),
            qop: self.qop.as_deref(),
            nc: self.nc.as_deref(),
            cnonce: self.cnonce.as_deref(),
            method,
        }
    }
}

/// Parses `Digest username="…", realm="…", …`; `None` when it is not a complete digest
/// answer (a required parameter missing, a parameter repeated, too many, bad quoting).
pub fn parse_authorization(value: &str) -> Option<DigestParams> {
    let rest = value.trim_start();
    let (scheme, rest) = rest.split_once(char::is_whitespace)?;
    if !scheme.eq_ignore_ascii_case("Digest") {
        return None;
    }
    let mut p = DigestParams::default();
    let mut seen = Vec::new();
    let mut chars = rest.trim();
    for _ in 0..MAX_PARAMS {
        chars = chars.trim_start_matches([',', ' ', '\t']);
        if chars.is_empty() {
            break;
        }
        let (name, after) = chars.split_once('=')?;
        let name = name.trim().to_ascii_lowercase();
        let after = after.trim_start();
        let (val, tail) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim(), &after[end..])
        };
        chars = tail;
        if seen.contains(&name) {
            return None;
        }
        seen.push(name.clone());
        let val = val.to_string();
        match name.as_str() {
            "username" => p.username = val,
            "realm" => p.realm = val,
            "nonce" => p.nonce = val,
            "uri" => p.uri = val,
            "response" => p.response = val,
            "algorithm" => p.algorithm = Some(val),
            "qop" => p.qop = Some(val),
            "nc" => p.nc = Some(val),
            "cnonce" => p.cnonce = Some(val),
            _ => {}
        }
    }
    if !chars.trim_start_matches([',', ' ', '\t']).is_empty() {
        return None;
    }
    let complete = [&p.username, &p.realm, &p.nonce, &p.uri, &p.response]
        .iter()
        .all(|v| !v.is_empty());
    complete.then_some(p)
}

impl DigestParams {
    /// How this answer counts its use of the nonce: `nc` (exactly 8 hex digits, not zero)
    /// with `qop`, single use without. `None` when `qop` is given and `nc` is missing or
    /// malformed.
    pub fn nonce_count(&self) -> Option<NonceCount> {
        if self.qop.is_none() {
            return Some(NonceCount::SingleUse);
        }
        let nc = self.nc.as_deref()?;
        if nc.len() != 8 || !nc.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(nc, 16)
            .ok()
            .filter(|&n| n > 0)
            .map(NonceCount::Counted)
    }

    /// Whether the answer was computed for `request_uri` (the request's Request-URI). Both are
    /// compared as parsed SIP URIs, so spelling differences the parser removes (scheme case)
    /// do not matter; anything that names another target does.
    pub fn is_for(&self, request_uri: &str) -> bool {
        if self.uri == request_uri {
            return true;
        }
        match (Uri::try_from(self.uri.as_str()), Uri::try_from(request_uri)) {
            (Ok(ours), Ok(theirs)) => ours == theirs,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests;
