//! The server side of SIP digest authentication (RFC 3261 §22, RFC 7616, RFC 8760): the
//! `Authorization` / `Proxy-Authorization` header's grammar (parsed strictly and within
//! bounds), what an answer is for ([`DigestParams::is_for`], [`DigestParams::nonce_count`]),
//! and the nonces of the edge's challenges ([`Nonces`]).
//!
//! An answer is good for the request it was computed for and for one use: its `uri` must be
//! the request's Request-URI (an answer taken from a call to one number is no key to another),
//! and its nonce-count must grow (see [`nonces`]).
//!
//! Owns the mechanics only. It must never verify a response or see a password (the store holds
//! HA1s and checks answers), decide whether a trunk must authenticate (the caller's policy),
//! log a header or a nonce, or panic or allocate without bound on any input.

mod answer;
pub mod nonces;

pub use nonces::{NonceCheck, NonceCount, NonceKeyError, NonceUse, Nonces};

/// Most parameters read from one header.
pub const MAX_PARAMS: usize = 16;

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

#[cfg(test)]
mod tests;
