//! SIP digest authentication (RFC 3261 §22, RFC 8760) for inbound trunks: what is stored and
//! how a response is checked.
//!
//! Only the HA1 values (`H(username:realm:password)`, MD5 and SHA-256) are stored, never the
//! password: they are what verification needs and nothing more. Checking a response is pure;
//! nonce freshness (issuing, expiry, replay) belongs to the SIP edge that issued the challenge.

use md5::Md5;
use sha2::{Digest, Sha256};

/// The realm Kefu challenges with; HA1 values are computed for it.
pub const DIGEST_REALM: &str = "kefu";

/// The digest algorithms accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlgorithm {
    /// `MD5` (RFC 2617), what most carriers still send.
    Md5,
    /// `SHA-256` (RFC 8760).
    Sha256,
}

impl DigestAlgorithm {
    /// The algorithm named in an `Authorization` header (absent means MD5); `-sess` variants
    /// and unknown names are refused.
    pub fn from_header(name: Option<&str>) -> Option<DigestAlgorithm> {
        match name {
            None => Some(DigestAlgorithm::Md5),
            Some(n) if n.eq_ignore_ascii_case("MD5") => Some(DigestAlgorithm::Md5),
            Some(n) if n.eq_ignore_ascii_case("SHA-256") => Some(DigestAlgorithm::Sha256),
            Some(_) => None,
        }
    }

    fn hash(self, text: &str) -> String {
        match self {
            DigestAlgorithm::Md5 => hex::encode(Md5::digest(text.as_bytes())),
            DigestAlgorithm::Sha256 => hex::encode(Sha256::digest(text.as_bytes())),
        }
    }
}

/// What is stored for a trunk's digest credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredDigest {
    /// The username the trunk sends.
    pub username: String,
    /// The realm the HA1 values were computed for.
    pub realm: String,
    /// `MD5(username:realm:password)`, hex.
    pub ha1_md5: String,
    /// `SHA-256(username:realm:password)`, hex.
    pub ha1_sha256: String,
}

impl std::fmt::Debug for StoredDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // HA1 is password-equivalent for the realm: never print it.
        f.debug_struct("StoredDigest")
            .field("username", &self.username)
            .field("realm", &self.realm)
            .finish_non_exhaustive()
    }
}

impl StoredDigest {
    /// The stored form of `username` / `password` for [`DIGEST_REALM`].
    pub fn new(username: &str, password: &str) -> StoredDigest {
        let a1 = format!("{username}:{DIGEST_REALM}:{password}");
        StoredDigest {
            username: username.to_owned(),
            realm: DIGEST_REALM.to_owned(),
            ha1_md5: DigestAlgorithm::Md5.hash(&a1),
            ha1_sha256: DigestAlgorithm::Sha256.hash(&a1),
        }
    }

    /// Is `answer` a correct response to a challenge for these credentials?
    pub fn verifies(&self, answer: &DigestAnswer<'_>) -> bool {
        if answer.username != self.username || answer.realm != self.realm {
            return false;
        }
        let Some(algorithm) = DigestAlgorithm::from_header(answer.algorithm) else {
            return false;
        };
        let ha1 = match algorithm {
            DigestAlgorithm::Md5 => &self.ha1_md5,
            DigestAlgorithm::Sha256 => &self.ha1_sha256,
        };
        let ha2 = algorithm.hash(&format!("{}:{}", answer.method, answer.uri));
        let expected = match answer.qop {
            None => algorithm.hash(&format!("{ha1}:{}:{ha2}", answer.nonce)),
            Some(q) if q.eq_ignore_ascii_case("auth") => {
                let (Some(nc), Some(cnonce)) = (answer.nc, answer.cnonce) else {
                    return false;
                };
                algorithm.hash(&format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", answer.nonce))
            }
            Some(_) => return false,
        };
        constant_time_eq(
            expected.as_bytes(),
            answer.response.to_ascii_lowercase().as_bytes(),
        )
    }
}

/// The fields of a request's `Authorization` / `Proxy-Authorization` digest header, plus the
/// request method, as the SIP edge parsed them.
#[derive(Debug, Clone, Copy)]
pub struct DigestAnswer<'a> {
    /// `username`.
    pub username: &'a str,
    /// `realm`.
    pub realm: &'a str,
    /// `nonce` (the edge checked it is one it issued and still fresh).
    pub nonce: &'a str,
    /// `uri`.
    pub uri: &'a str,
    /// `response`, hex.
    pub response: &'a str,
    /// `algorithm`, if given.
    pub algorithm: Option<&'a str>,
    /// `qop` (`auth`), if given.
    pub qop: Option<&'a str>,
    /// `nc`, with qop.
    pub nc: Option<&'a str>,
    /// `cnonce`, with qop.
    pub cnonce: Option<&'a str>,
    /// The request method (`INVITE`).
    pub method: &'a str,
}

/// Compares secrets in time independent of where they differ (`subtle`, whose operations the
/// optimiser is kept from turning back into an early-exit comparison). Lengths are not secret
/// here: both sides are hex of a fixed-size digest or MAC.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer<'a>(response: &'a str, qop: Option<&'a str>) -> DigestAnswer<'a> {
        DigestAnswer {
            username: "carrier",
            realm: DIGEST_REALM,
            nonce: "abc123",
            uri: "sip:+15555550100@kefu.test",
            response,
            algorithm: None,
            qop,
            nc: qop.map(|_| "00000001"),
            cnonce: qop.map(|_| "xyz"),
            method: "INVITE",
        }
    }

    #[test]
    fn ha1_matches_the_rfc_formula() {
        let d = StoredDigest::new("carrier", "s3cret");
        assert_eq!(
            d.ha1_md5,
            hex::encode(Md5::digest(b"carrier:kefu:s3cret")),
            "MD5(username:realm:password)"
        );
        assert_eq!(d.ha1_sha256.len(), 64);
        assert!(!format!("{d:?}").contains(&d.ha1_md5));
    }

    #[test]
    fn responses_are_checked() {
        let d = StoredDigest::new("carrier", "s3cret");
        let ha2 = hex::encode(Md5::digest(b"INVITE:sip:+15555550100@kefu.test"));
        let plain = hex::encode(Md5::digest(format!("{}:abc123:{ha2}", d.ha1_md5)));
        assert!(d.verifies(&answer(&plain, None)));
        let with_qop = hex::encode(Md5::digest(format!(
            "{}:abc123:00000001:xyz:auth:{ha2}",
            d.ha1_md5
        )));
        assert!(d.verifies(&answer(&with_qop, Some("auth"))));
        assert!(!d.verifies(&answer(&plain, Some("auth"))));
        assert!(!d.verifies(&answer(&with_qop, Some("auth-int"))));
        let wrong = StoredDigest::new("carrier", "guess");
        assert!(!wrong.verifies(&answer(&plain, None)));
        let mut other_user = answer(&plain, None);
        other_user.username = "someone";
        assert!(!d.verifies(&other_user));
        let mut sess = answer(&plain, None);
        sess.algorithm = Some("MD5-sess");
        assert!(!d.verifies(&sess));
    }

    #[test]
    fn constant_time_eq_compares_contents_and_lengths() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn sha256_responses() {
        let d = StoredDigest::new("carrier", "s3cret");
        let ha2 = hex::encode(Sha256::digest(b"INVITE:sip:+15555550100@kefu.test"));
        let r = hex::encode(Sha256::digest(format!("{}:abc123:{ha2}", d.ha1_sha256)));
        let mut a = answer(&r, None);
        a.algorithm = Some("SHA-256");
        assert!(d.verifies(&a));
        a.algorithm = None;
        assert!(!d.verifies(&a));
    }
}
