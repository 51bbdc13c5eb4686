//! Member PIN checks (config `menu.pins`): a node that collects a fixed number of digits and
//! verifies them against keyed hashes in the configuration or an HTTP endpoint. Pure apart
//! from the [`PinVerifier`] the caller passes in; a PIN never reaches call data, visits or
//! log lines.
//!
//! Hashes are HMAC-SHA256 keyed with the installation secret [`PIN_KEY_SECRET`], never plain
//! SHA-256: there are only 10^digits PINs, so an unsalted hash list read from a configuration
//! export gives every PIN back in well under a second. With the key held as a secret (sealed at
//! rest, write-only in the API), the configuration alone reveals nothing. The old `sha256`
//! form is refused with an error that says how to migrate.

use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;

use crate::config::{Choice, PromptConfig};

/// Most hashes per PIN node.
const MAX_HASHES: usize = 10_000;

/// The installation secret that keys the PIN hashes of `verify.hmac_sha256`.
pub const PIN_KEY_SECRET: &str = "pin_key";

/// Shortest `pin_key` accepted, in bytes: a short key could be guessed along with the PIN.
pub const MIN_PIN_KEY_BYTES: usize = 16;

/// One PIN node.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinCheck {
    /// Asks for the PIN ("please enter your six-digit member PIN").
    pub prompt: Vec<PromptConfig>,
    /// PIN length, 1–16 digits.
    pub digits: u8,
    /// How the PIN is verified.
    pub verify: Verify,
    /// Attempts before `failure` (1–10, default 3).
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    /// Time to wait for each digit, in milliseconds (default 10,000).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u32,
    /// Played before asking again after a wrong PIN (default the system prompt `invalid-pin`).
    #[serde(default = "default_retry_prompt")]
    pub retry_prompt: Vec<PromptConfig>,
    /// Where a verified member goes (call data `member=true` is set first).
    pub success: Choice,
    /// Where the caller goes after too many wrong PINs or when the endpoint cannot answer.
    pub failure: Choice,
}

/// How a PIN is verified.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Verify {
    /// Valid PINs as hex HMAC-SHA256 of their digits, keyed with the installation secret
    /// [`PIN_KEY_SECRET`] ([`pin_hash`]; `kefu-plugin pin-hash` makes them).
    HmacSha256(Vec<String>),
    /// The old unsalted SHA-256 list: parsed only to refuse it with a migration hint.
    Sha256(serde::de::IgnoredAny),
    /// `POST {"caller", "call_id", "pin"}` as JSON; 2xx = valid, 4xx = wrong PIN, anything
    /// else (or no answer) = cannot verify.
    Http(HttpVerify),
}

/// The HTTP endpoint that verifies PINs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpVerify {
    /// `http://` or `https://` URL; its host must be in the manifest's allow-list.
    pub url: String,
    /// Time limit, milliseconds (default 3,000; the host's cap applies).
    #[serde(default = "default_http_timeout")]
    pub timeout_ms: u32,
    /// Secret sent as `Authorization: Bearer <secret>`, if any.
    #[serde(default)]
    pub auth_secret: Option<String>,
}

/// What the endpoint said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The PIN is right.
    Valid,
    /// The PIN is wrong.
    Wrong,
    /// No verdict (endpoint down, 5xx, timeout); the reason, without the PIN.
    Unavailable(String),
}

/// What a PIN check needs from the host: an HTTP endpoint's verdict and the hash key; the
/// plugin's entry point provides the real one.
pub trait PinVerifier {
    /// The endpoint's verdict on `pin` for `caller`.
    fn verify(&self, endpoint: &HttpVerify, caller: &str, call_id: &str, pin: &str) -> Verdict;
    /// The installation secret [`PIN_KEY_SECRET`], if set.
    fn pin_key(&self) -> Option<String>;
    /// Logs a warning (never with the PIN).
    fn warn(&self, message: &str);
}

fn default_attempts() -> u32 {
    3
}
fn default_timeout_ms() -> u32 {
    10_000
}
fn default_http_timeout() -> u32 {
    3_000
}
fn default_retry_prompt() -> Vec<PromptConfig> {
    vec![PromptConfig::System("invalid-pin".into())]
}

impl PinCheck {
    /// Checks the node's own fields (`id` names it in errors); its choices are checked with
    /// the rest of the menu.
    pub fn check(&self, id: &str) -> Result<(), String> {
        let field = |f: &str| format!("config `menu.pins.{id}.{f}`");
        if !(1..=16).contains(&self.digits) {
            return Err(format!("{} must be 1 to 16", field("digits")));
        }
        if !(1..=10).contains(&self.max_attempts) {
            return Err(format!("{} must be 1 to 10", field("max_attempts")));
        }
        if !(1_000..=60_000).contains(&self.timeout_ms) {
            return Err(format!("{} must be 1000 to 60000", field("timeout_ms")));
        }
        match &self.verify {
            Verify::Sha256(_) => {
                return Err(format!(
                    "{} holds unsalted SHA-256 hashes, which are no longer accepted (every PIN \
                     can be recovered from them). Set the installation secret `{PIN_KEY_SECRET}` \
                     (at least {MIN_PIN_KEY_BYTES} random characters) and list the PINs as \
                     `verify.hmac_sha256`: hex HMAC-SHA256 of each PIN keyed with that secret \
                     (`kefu-plugin pin-hash` reads PINs on stdin and prints the list)",
                    field("verify.sha256")
                ));
            }
            Verify::HmacSha256(hashes) => {
                if hashes.is_empty() || hashes.len() > MAX_HASHES {
                    return Err(format!(
                        "{} must list 1 to {MAX_HASHES} hashes",
                        field("verify.hmac_sha256")
                    ));
                }
                if let Some(i) = hashes.iter().position(|h| decode_hash(h).is_none()) {
                    return Err(format!(
                        "{} is not an HMAC-SHA256 hex digest (64 hex digits)",
                        field(&format!("verify.hmac_sha256[{i}]"))
                    ));
                }
            }
            Verify::Http(http) => {
                let scheme = http.url.starts_with("https://") || http.url.starts_with("http://");
                if !scheme || http.url.len() > 2_048 || http.url.chars().any(char::is_whitespace) {
                    return Err(format!(
                        "{} must be an http:// or https:// URL",
                        field("verify.http.url")
                    ));
                }
                if !(1..=30_000).contains(&http.timeout_ms) {
                    return Err(format!(
                        "{} must be 1 to 30000",
                        field("verify.http.timeout_ms")
                    ));
                }
            }
        }
        Ok(())
    }

    /// Verifies `pin` (digits as entered). Wrong length is wrong without asking anyone.
    pub fn verify(
        &self,
        pin: &str,
        caller: &str,
        call_id: &str,
        verifier: &dyn PinVerifier,
    ) -> Verdict {
        if pin.len() != usize::from(self.digits) || !pin.bytes().all(|b| b.is_ascii_digit()) {
            return Verdict::Wrong;
        }
        match &self.verify {
            Verify::HmacSha256(hashes) => {
                let Some(key) = verifier.pin_key() else {
                    return Verdict::Unavailable(format!("secret `{PIN_KEY_SECRET}` is not set"));
                };
                if key.len() < MIN_PIN_KEY_BYTES {
                    return Verdict::Unavailable(format!(
                        "secret `{PIN_KEY_SECRET}` is shorter than {MIN_PIN_KEY_BYTES} bytes"
                    ));
                }
                let tag = hmac_sha256(key.as_bytes(), pin);
                // Every listed hash is compared, each in constant time: how long the check
                // takes says nothing about how close the PIN was to a valid one.
                let found = hashes
                    .iter()
                    .filter_map(|h| decode_hash(h))
                    .fold(false, |found, hash| found | same(&hash, &tag));
                if found {
                    Verdict::Valid
                } else {
                    Verdict::Wrong
                }
            }
            // The configuration check refuses this form before any PIN is asked.
            Verify::Sha256(_) => {
                Verdict::Unavailable("unsalted SHA-256 PIN hashes are refused".into())
            }
            Verify::Http(endpoint) => verifier.verify(endpoint, caller, call_id, pin),
        }
    }
}

/// The hash to list for `pin` under `verify.hmac_sha256`: lower-case hex
/// HMAC-SHA256(`key`, the PIN's digits), `key` being the secret [`PIN_KEY_SECRET`] as bytes.
pub fn pin_hash(key: &[u8], pin: &str) -> String {
    hmac_sha256(key, pin)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn hmac_sha256(key: &[u8], pin: &str) -> [u8; 32] {
    // HMAC takes keys of any length, so this cannot fail; a zero tag matches no listed hash.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return [0; 32];
    };
    mac.update(pin.as_bytes());
    mac.finalize().into_bytes().into()
}

/// 64 hex digits (either case) as 32 bytes.
fn decode_hash(hex: &str) -> Option<[u8; 32]> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let nibble = |c: u8| char::from(c).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(out)
}

/// Equality without an early exit on the first differing byte.
fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}
