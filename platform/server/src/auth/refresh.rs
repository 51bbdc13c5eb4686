//! Opaque secrets (refresh tokens, invitation tokens): 256 random bits, base64url, with a
//! readable prefix; only their SHA-256 is stored, so a database leak yields no usable token.

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A new random secret with `prefix` (`kefu_rt_…`).
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    // SystemRandom only fails if the OS has no randomness; nothing safe can continue then.
    #[allow(clippy::expect_used)]
    aws_lc_rs::rand::fill(&mut bytes).expect("the OS random number generator failed");
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// SHA-256 of a secret, hex.
pub fn hash_secret(secret: &str) -> String {
    hash_bytes(secret.as_bytes())
}

/// SHA-256 of bytes, hex (content hashes of uploads).
pub fn hash_bytes(bytes: &[u8]) -> String {
    let d = digest::digest(&digest::SHA256, bytes);
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}
