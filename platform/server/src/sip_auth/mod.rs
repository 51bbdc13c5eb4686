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
/// The header's grammar is `kefu_sip::digest` (beside the other SIP parsers, where it is
/// fuzzed); what an answer means for admission is here.
pub use kefu_sip::digest::{DigestParams, parse_authorization};

/// What an answer means for admission: the store's check, its use of the nonce, its target.
pub trait DigestAnswerOf {
    /// The answer in the form the store verifies against the trunk's HA1.
    fn answer<'a>(&'a self, method: &'a str) -> DigestAnswer<'a>;
    /// How this answer counts its use of the nonce (see [`nonces`]).
    fn nonce_count(&self) -> Option<NonceCount>;
    /// Whether the answer was computed for `request_uri`.
    fn is_for(&self, request_uri: &str) -> bool;
}

impl DigestAnswerOf for DigestParams {
    fn answer<'a>(&'a self, method: &'a str) -> DigestAnswer<'a> {
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

    /// How this answer counts its use of the nonce: `nc` (exactly 8 hex digits, not zero)
    /// with `qop`, single use without. `None` when `qop` is given and `nc` is missing or
    /// malformed.
    fn nonce_count(&self) -> Option<NonceCount> {
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
    fn is_for(&self, request_uri: &str) -> bool {
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
