//! The installation's `webhook` setting: where to post, which event types, how long to wait.
//! Parsing and checks only; never touches the network.

use serde::Deserialize;

/// Longest URL accepted.
const MAX_URL: usize = 2_048;
/// Most event-type patterns accepted.
const MAX_PATTERNS: usize = 64;
/// Longest event-type pattern.
const MAX_PATTERN: usize = 64;
/// Longest time limit a setting may ask for (the host caps it further).
const MAX_TIMEOUT_MS: u32 = 30_000;

/// The `webhook` setting.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Absolute `http://` or `https://` URL the events are posted to.
    pub url: String,
    /// Event types to post: exact (`call.ended`), a family (`call.*`) or everything (`*`).
    pub events: Vec<String>,
    /// Time limit per delivery, in milliseconds (default 5,000; the host's cap applies).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u32,
}

fn default_timeout_ms() -> u32 {
    5_000
}

impl WebhookConfig {
    /// Parses and checks the setting; the error names the field that is wrong.
    pub fn parse(json: &str) -> Result<Self, String> {
        let config: WebhookConfig = serde_json::from_str(json)
            .map_err(|e| format!("config `webhook` is not valid: {e}"))?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), String> {
        let scheme_ok = self.url.starts_with("https://") || self.url.starts_with("http://");
        if !scheme_ok || self.url.len() > MAX_URL || self.url.chars().any(char::is_whitespace) {
            return Err(format!(
                "config `webhook.url` must be an http:// or https:// URL of at most {MAX_URL} characters without spaces"
            ));
        }
        if self.events.is_empty() || self.events.len() > MAX_PATTERNS {
            return Err(format!(
                "config `webhook.events` must list 1 to {MAX_PATTERNS} event types"
            ));
        }
        for (i, pattern) in self.events.iter().enumerate() {
            if !valid_pattern(pattern) {
                return Err(format!(
                    "config `webhook.events[{i}]` (`{pattern}`) is not an event type such as `call.ended`, `call.*` or `*`"
                ));
            }
        }
        if self.timeout_ms == 0 || self.timeout_ms > MAX_TIMEOUT_MS {
            return Err(format!(
                "config `webhook.timeout_ms` must be 1 to {MAX_TIMEOUT_MS}"
            ));
        }
        Ok(())
    }

    /// Whether events of type `kind` are posted.
    pub fn selects(&self, kind: &str) -> bool {
        self.events.iter().any(|pattern| matches(pattern, kind))
    }
}

/// Dot-separated segments of `a-z 0-9 _ -`; the last segment may be `*` (the whole family).
fn valid_pattern(pattern: &str) -> bool {
    if pattern.is_empty() || pattern.len() > MAX_PATTERN {
        return false;
    }
    let segments: Vec<&str> = pattern.split('.').collect();
    let last = segments.len() - 1;
    segments.iter().enumerate().all(|(i, segment)| {
        (i == last && *segment == "*")
            || (!segment.is_empty()
                && segment.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'
                }))
    })
}

/// `*` matches everything; `call.*` matches `call.ended` and `call.queue.joined` but not `call`.
fn matches(pattern: &str, kind: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => kind.starts_with(prefix) && kind.len() > prefix.len(),
        None => pattern == kind,
    }
}
