//! What a parsed answer is for: the request it was computed for, and how it counts its use of
//! the nonce.

use rsipstack::sip::Uri;

use super::{DigestParams, NonceCount};

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
