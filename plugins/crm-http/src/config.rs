//! The installation's `crm` setting: the look-up endpoint, its authentication, how the JSON
//! answer maps to a card, and the optional post-call note endpoint. Parsing and checks only.

use serde::Deserialize;

use crate::template;

/// Longest URL template accepted.
const MAX_URL: usize = 2_048;
/// Longest time limit a setting may ask for (the host caps it further).
const MAX_TIMEOUT_MS: u32 = 30_000;
/// Longest JSON pointer accepted.
const MAX_POINTER: usize = 256;
/// Most mapped fields (and, separately, links).
pub const MAX_FIELDS: usize = 20;
/// Most history lines shown.
pub const MAX_HISTORY: usize = 20;
/// Longest label.
const MAX_LABEL: usize = 64;

/// The `crm` setting.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrmConfig {
    /// The look-up request.
    pub lookup: Endpoint,
    /// Header sent with every request, its value taken from a secret.
    #[serde(default)]
    pub auth: Option<Auth>,
    /// How the answer becomes a card.
    #[serde(default)]
    pub card: CardMapping,
    /// Where a note is posted when a call ends; nothing is posted when absent.
    #[serde(default)]
    pub call_note: Option<NoteEndpoint>,
}

/// A GET endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// URL template; `{caller}`, `{caller_digits}` and `{call_id}` are replaced (encoded).
    pub url: String,
    /// Time limit in milliseconds (default 2,000).
    #[serde(default = "default_lookup_timeout")]
    pub timeout_ms: u32,
}

/// The post-call note endpoint (POST, JSON).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteEndpoint {
    /// URL template; `{caller}`, `{caller_digits}` and `{call_id}` are replaced (encoded).
    pub url: String,
    /// Time limit in milliseconds (default 5,000).
    #[serde(default = "default_note_timeout")]
    pub timeout_ms: u32,
    /// Pointer to the created ticket's id in the answer; added to the call record as a note.
    #[serde(default)]
    pub ticket_id: Option<String>,
}

/// An authentication header: `<header>: <prefix><secret>`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Auth {
    /// Header name, e.g. `Authorization` or `X-Api-Key`.
    pub header: String,
    /// The installation secret holding the credential.
    pub secret: String,
    /// Text before the secret, e.g. `Bearer `.
    #[serde(default)]
    pub prefix: String,
}

/// Where the card's parts are in the answer: JSON pointers (RFC 6901, `/a/0/b`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardMapping {
    /// The customer object in the answer (`""`: the whole answer; `/results/0` for a search
    /// API). Missing or `null`: the caller is not known.
    #[serde(default)]
    pub record: String,
    /// The CRM's customer id, within the record.
    #[serde(default = "default_id")]
    pub id: String,
    /// The name to show; the caller's number when missing.
    #[serde(default = "default_name")]
    pub name: String,
    /// Labelled fields, in display order.
    #[serde(default)]
    pub fields: Vec<Labelled>,
    /// An array of strings (or one string) used as tags.
    #[serde(default)]
    pub tags: Option<String>,
    /// Recent history (tickets, orders), one field per line.
    #[serde(default)]
    pub history: Option<History>,
    /// Links: the first one found is the card's link, the others are shown as fields.
    #[serde(default)]
    pub links: Vec<Labelled>,
}

impl Default for CardMapping {
    fn default() -> Self {
        CardMapping {
            record: String::new(),
            id: default_id(),
            name: default_name(),
            fields: Vec::new(),
            tags: None,
            history: None,
            links: Vec::new(),
        }
    }
}

/// A label and the pointer of its value.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labelled {
    /// Shown to the agent.
    pub label: String,
    /// Pointer to a string, number or boolean within the record.
    pub value: String,
}

/// History lines: an array in the record, one text per item.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct History {
    /// Pointer to the array within the record.
    pub items: String,
    /// Pointer to the text within each item (`""`: the item itself).
    #[serde(default)]
    pub text: String,
    /// Label of each line (default `History`).
    #[serde(default = "default_history_label")]
    pub label: String,
    /// Lines shown, first ones first (default 5, at most 20).
    #[serde(default = "default_history_max")]
    pub max: usize,
}

fn default_lookup_timeout() -> u32 {
    2_000
}
fn default_note_timeout() -> u32 {
    5_000
}
fn default_id() -> String {
    "/id".into()
}
fn default_name() -> String {
    "/name".into()
}
fn default_history_label() -> String {
    "History".into()
}
fn default_history_max() -> usize {
    5
}

impl CrmConfig {
    /// Parses and checks the setting; the error names the field that is wrong.
    pub fn parse(json: &str) -> Result<Self, String> {
        let config: CrmConfig =
            serde_json::from_str(json).map_err(|e| format!("config `crm` is not valid: {e}"))?;
        check_url("crm.lookup.url", &config.lookup.url)?;
        check_timeout("crm.lookup.timeout_ms", config.lookup.timeout_ms)?;
        if let Some(note) = &config.call_note {
            check_url("crm.call_note.url", &note.url)?;
            check_timeout("crm.call_note.timeout_ms", note.timeout_ms)?;
            if let Some(pointer) = &note.ticket_id {
                check_pointer("crm.call_note.ticket_id", pointer)?;
            }
        }
        if let Some(auth) = &config.auth {
            let token = |s: &str| {
                !s.is_empty()
                    && s.len() <= 64
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            };
            if !token(&auth.header) {
                return Err(
                    "config `crm.auth.header` must be a header name such as `Authorization`".into(),
                );
            }
            if !token(&auth.secret) {
                return Err(
                    "config `crm.auth.secret` must name a secret (letters, digits, `-`, `_`)"
                        .into(),
                );
            }
            if auth.prefix.len() > 64 || auth.prefix.chars().any(char::is_control) {
                return Err(
                    "config `crm.auth.prefix` must be at most 64 printable characters".into(),
                );
            }
        }
        config.card.check()?;
        Ok(config)
    }
}

impl CardMapping {
    fn check(&self) -> Result<(), String> {
        check_pointer("crm.card.record", &self.record)?;
        check_pointer("crm.card.id", &self.id)?;
        check_pointer("crm.card.name", &self.name)?;
        if let Some(tags) = &self.tags {
            check_pointer("crm.card.tags", tags)?;
        }
        for (what, list) in [("fields", &self.fields), ("links", &self.links)] {
            if list.len() > MAX_FIELDS {
                return Err(format!(
                    "config `crm.card.{what}`: at most {MAX_FIELDS} entries"
                ));
            }
            for (i, entry) in list.iter().enumerate() {
                check_label(&format!("crm.card.{what}[{i}].label"), &entry.label)?;
                check_pointer(&format!("crm.card.{what}[{i}].value"), &entry.value)?;
            }
        }
        if let Some(history) = &self.history {
            check_pointer("crm.card.history.items", &history.items)?;
            check_pointer("crm.card.history.text", &history.text)?;
            check_label("crm.card.history.label", &history.label)?;
            if history.max == 0 || history.max > MAX_HISTORY {
                return Err(format!(
                    "config `crm.card.history.max` must be 1 to {MAX_HISTORY}"
                ));
            }
        }
        Ok(())
    }
}

fn check_url(field: &str, url: &str) -> Result<(), String> {
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    if !scheme_ok || url.len() > MAX_URL || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!(
            "config `{field}` must be an http:// or https:// URL of at most {MAX_URL} characters without spaces"
        ));
    }
    template::check(url).map_err(|e| format!("config `{field}`: {e}"))
}

fn check_timeout(field: &str, ms: u32) -> Result<(), String> {
    if ms == 0 || ms > MAX_TIMEOUT_MS {
        return Err(format!("config `{field}` must be 1 to {MAX_TIMEOUT_MS}"));
    }
    Ok(())
}

fn check_pointer(field: &str, pointer: &str) -> Result<(), String> {
    if pointer.len() > MAX_POINTER || !(pointer.is_empty() || pointer.starts_with('/')) {
        return Err(format!(
            "config `{field}` must be a JSON pointer such as `/customer/name` (or empty for the whole value)"
        ));
    }
    Ok(())
}

fn check_label(field: &str, label: &str) -> Result<(), String> {
    if label.trim().is_empty() || label.chars().count() > MAX_LABEL {
        return Err(format!(
            "config `{field}` must be 1 to {MAX_LABEL} characters"
        ));
    }
    Ok(())
}
