//! Digest authentication of inbound trunks (RFC 3261 §22, RFC 8760 for SHA-256): the nonces
//! the edge issues in its 401 challenges; the `Authorization` header the carrier answers with is
//! parsed by `kefu_sip::digest` (beside the other SIP parsers, where it is fuzzed). Verifying the response against the trunk's stored HA1 is the store's
//! (`kefu_store::sip_digest`).
//!
//! Nonces are stateless: `<seconds, hex>.<HMAC-SHA256 of it, 16 bytes hex>` under a key drawn
//! at start-up, fresh for [`NONCE_LIFETIME`]. A nonce from before a restart, or forged, is
//! refused; an old one gets a new challenge with `stale=true`, so the carrier retries without
//! asking anyone for a password.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use kefu_store::sip_digest::{DIGEST_REALM, DigestAnswer, constant_time_eq};

/// How long a nonce is accepted.
pub const NONCE_LIFETIME: Duration = Duration::from_secs(300);
/// Issues and checks nonces.
pub struct Nonces {
    key: hmac::Key,
}

/// What a nonce turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceCheck {
    /// Ours and fresh.
    Fresh,
    /// Ours but too old: challenge again with `stale=true`.
    Stale,
    /// Not ours.
    Invalid,
}

impl Default for Nonces {
    fn default() -> Self {
        Self::new()
    }
}

impl Nonces {
    /// Nonces under a key drawn now.
    pub fn new() -> Self {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &rng)
            .unwrap_or_else(|_| hmac::Key::new(hmac::HMAC_SHA256, &now_secs().to_le_bytes()));
        Nonces { key }
    }

    fn mac(&self, stamp: &str) -> String {
        let tag = hmac::sign(&self.key, stamp.as_bytes());
        hex::encode(&tag.as_ref()[..16])
    }

    /// A fresh nonce.
    pub fn issue(&self) -> String {
        self.issue_at(now_secs())
    }

    fn issue_at(&self, secs: u64) -> String {
        let stamp = format!("{secs:x}");
        let mac = self.mac(&stamp);
        format!("{stamp}.{mac}")
    }

    /// Whether `nonce` is one of ours and still fresh.
    pub fn check(&self, nonce: &str) -> NonceCheck {
        self.check_at(nonce, now_secs())
    }

    fn check_at(&self, nonce: &str, now: u64) -> NonceCheck {
        let Some((stamp, mac)) = nonce.split_once('.') else {
            return NonceCheck::Invalid;
        };
        if stamp.len() > 16 || !constant_time_eq(self.mac(stamp).as_bytes(), mac.as_bytes()) {
            return NonceCheck::Invalid;
        }
        let Ok(issued) = u64::from_str_radix(stamp, 16) else {
            return NonceCheck::Invalid;
        };
        if now.saturating_sub(issued) > NONCE_LIFETIME.as_secs() || issued > now + 5 {
            NonceCheck::Stale
        } else {
            NonceCheck::Fresh
        }
    }

    /// The `WWW-Authenticate` value of a challenge.
    pub fn challenge(&self, stale: bool) -> String {
        let mut value = format!(
            "Digest realm=\"{DIGEST_REALM}\", nonce=\"{}\", algorithm=MD5, qop=\"auth\"",
            self.issue()
        );
        if stale {
            value.push_str(", stale=true");
        }
        value
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

pub use kefu_sip::digest::{DigestParams, parse_authorization};

/// The store's view of a parsed `Authorization` header, for method `method`.
pub fn digest_answer<'a>(p: &'a DigestParams, method: &'a str) -> DigestAnswer<'a> {
    DigestAnswer {
        username: &p.username,
        realm: &p.realm,
        nonce: &p.nonce,
        uri: &p.uri,
        response: &p.response,
        algorithm: p.algorithm.as_deref(),
        qop: p.qop.as_deref(),
        nc: p.nc.as_deref(),
        cnonce: p.cnonce.as_deref(),
        method,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_ours_fresh_then_stale_and_forgeries_fail() {
        let n = Nonces::new();
        let t = 1_800_000_000;
        let nonce = n.issue_at(t);
        assert_eq!(n.check_at(&nonce, t + 10), NonceCheck::Fresh);
        assert_eq!(n.check_at(&nonce, t + 301), NonceCheck::Stale);
        let other = Nonces::new().issue_at(t);
        assert_eq!(n.check_at(&other, t), NonceCheck::Invalid, "another key");
        let (stamp, mac) = nonce.split_once('.').unwrap();
        let later = format!("{:x}.{mac}", t + 1);
        assert_eq!(n.check_at(&later, t), NonceCheck::Invalid, "stamp changed");
        assert_eq!(n.check_at(stamp, t), NonceCheck::Invalid);
        assert_eq!(n.check_at("", t), NonceCheck::Invalid);
        assert_eq!(n.check_at("zz.zz", t), NonceCheck::Invalid);
    }

    #[test]
    fn authorization_headers_parse_strictly() {
        let h = r#"Digest username="carrier", realm="kefu", nonce="abc.def", uri="sip:+15555550100@127.0.0.1:5060", response="0123", algorithm=MD5, qop=auth, nc=00000001, cnonce="xyz""#;
        let p = parse_authorization(h).expect("parses");
        assert_eq!(p.username, "carrier");
        assert_eq!(p.uri, "sip:+15555550100@127.0.0.1:5060");
        assert_eq!(p.qop.as_deref(), Some("auth"));
        assert_eq!(p.nc.as_deref(), Some("00000001"));
        let a = digest_answer(&p, "INVITE");
        assert_eq!((a.method, a.cnonce), ("INVITE", Some("xyz")));

        assert!(parse_authorization("Basic dXNlcjpwYXNz").is_none());
        assert!(
            parse_authorization(r#"Digest username="a", realm="kefu""#).is_none(),
            "incomplete"
        );
        let twice =
            r#"Digest username="a", username="b", realm="r", nonce="n", uri="u", response="x""#;
        assert!(parse_authorization(twice).is_none(), "repeated");
        assert!(parse_authorization(r#"Digest username="unterminated"#).is_none());
        let many = format!(
            "Digest {}",
            (0..40)
                .map(|i| format!("x{i}=1"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        assert!(parse_authorization(&many).is_none(), "too many parameters");
    }

    #[test]
    fn challenge_names_the_realm_and_a_checkable_nonce() {
        let n = Nonces::new();
        let c = n.challenge(true);
        assert!(c.starts_with("Digest realm=\"kefu\""));
        assert!(c.ends_with("stale=true"));
        let nonce = c
            .split("nonce=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert_eq!(n.check(nonce), NonceCheck::Fresh);
    }
}
