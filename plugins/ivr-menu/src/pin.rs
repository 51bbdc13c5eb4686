//! Member PIN checks (config `menu.pins`): a node that collects a fixed number of digits and
//! verifies them against SHA-256 hashes in the configuration or an HTTP endpoint. Pure apart
//! from the [`PinVerifier`] the caller passes in; a PIN never reaches call data, visits or
//! log lines.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::config::{Choice, PromptConfig};

/// Most hashes per PIN node.
const MAX_HASHES: usize = 10_000;

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
    /// Valid PINs as lower-case hex SHA-256 of their digits (`sha256("123456")`).
    Sha256(Vec<String>),
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

/// Asks an HTTP endpoint about a PIN; the plugin's entry point provides the real one.
pub trait PinVerifier {
    /// The endpoint's verdict on `pin` for `caller`.
    fn verify(&self, endpoint: &HttpVerify, caller: &str, call_id: &str, pin: &str) -> Verdict;
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
            Verify::Sha256(hashes) => {
                if hashes.is_empty() || hashes.len() > MAX_HASHES {
                    return Err(format!(
                        "{} must list 1 to {MAX_HASHES} hashes",
                        field("verify.sha256")
                    ));
                }
                let hex = |h: &String| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit());
                if let Some(i) = hashes.iter().position(|h| !hex(h)) {
                    return Err(format!(
                        "{} is not a SHA-256 hex digest (64 hex digits)",
                        field(&format!("verify.sha256[{i}]"))
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
            Verify::Sha256(hashes) => {
                let digest = sha256_hex(pin);
                if hashes.iter().any(|h| h.eq_ignore_ascii_case(&digest)) {
                    Verdict::Valid
                } else {
                    Verdict::Wrong
                }
            }
            Verify::Http(endpoint) => verifier.verify(endpoint, caller, call_id, pin),
        }
    }
}

/// Lower-case hex SHA-256 of `text`.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
