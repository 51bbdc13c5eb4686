//! What a plugin version declares about itself: name, version, world and capabilities. The
//! host links only the host imports the manifest declares.

use serde::{Deserialize, Serialize};

use crate::error::ManifestError;

/// A plugin version's manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Plugin name: lowercase letters, digits and `-`, 1–64 characters.
    pub name: String,
    /// The published version.
    pub version: semver::Version,
    /// The extension point the component implements.
    pub world: World,
    /// Host imports the plugin may use.
    #[serde(default)]
    pub capabilities: Capabilities,
    /// JSON Schema (the subset of [`crate::config_schema`]) of the per-installation settings;
    /// every installation's configuration is checked against it.
    #[serde(default)]
    pub config_schema: serde_json::Value,
    /// Names of the secrets the plugin reads through `config.secret` (API keys, signing
    /// keys). Installations may set only these; their values are never shown or logged.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// `ivr` plugins: tag prefixes of their `collect-digits` whose answers are secret (a PIN,
    /// a card number). The invocation log keeps such digits only as `*`s, and those
    /// invocations cannot be replayed (their input is gone on purpose).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive_digits: Vec<String>,
}

/// The extension points (`kefu:plugin@0.1.0` worlds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum World {
    /// `on-event(call-context, event) -> result<list<action>, plugin-error>`.
    Ivr,
    /// `lookup` and `on-call-ended`.
    Crm,
    /// `score(call, candidates)`.
    Router,
    /// `on-event(domain-event)`.
    Integration,
}

impl World {
    /// The world's WIT name.
    pub fn wit_name(self) -> &'static str {
        match self {
            World::Ivr => "ivr",
            World::Crm => "crm",
            World::Router => "router",
            World::Integration => "integration",
        }
    }
}

/// Host imports a plugin declares. Anything not declared is not linked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capabilities {
    /// `kefu:plugin/log`.
    #[serde(default)]
    pub log: bool,
    /// `kefu:plugin/kv`.
    #[serde(default)]
    pub kv: bool,
    /// `kefu:plugin/config`.
    #[serde(default)]
    pub config: bool,
    /// `kefu:plugin/customers`.
    #[serde(default)]
    pub customers: bool,
    /// `kefu:plugin/http`, to these hosts only.
    #[serde(default)]
    pub http: Option<HttpCapability>,
}

/// Outbound HTTP permission.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpCapability {
    /// Hosts the plugin may call: `crm.example.com` (any port) or `crm.example.com:8443`.
    /// Exact matches only, compared case-insensitively; no wildcards.
    pub allowed_hosts: Vec<String>,
}

/// The WIT interface names of the host imports, as components import them.
pub(crate) mod interface {
    pub const LOG: &str = "kefu:plugin/log@0.1.0";
    pub const KV: &str = "kefu:plugin/kv@0.1.0";
    pub const HTTP: &str = "kefu:plugin/http@0.1.0";
    pub const CONFIG: &str = "kefu:plugin/config@0.1.0";
    pub const CUSTOMERS: &str = "kefu:plugin/customers@0.1.0";
    /// Interfaces that only define types; components import them, nothing is linked.
    pub const TYPE_ONLY: [&str; 5] = [
        "kefu:plugin/types@0.1.0",
        "kefu:plugin/ivr-types@0.1.0",
        "kefu:plugin/crm-types@0.1.0",
        "kefu:plugin/router-types@0.1.0",
        "kefu:plugin/integration-types@0.1.0",
    ];
}

impl Capabilities {
    /// Whether the capability for `interface` (a `kefu:plugin/…` import name) is declared;
    /// `None` when `interface` is not a Kefu host import at all.
    pub(crate) fn grants(&self, interface: &str) -> Option<bool> {
        Some(match interface {
            interface::LOG => self.log,
            interface::KV => self.kv,
            interface::HTTP => self.http.is_some(),
            interface::CONFIG => self.config,
            interface::CUSTOMERS => self.customers,
            _ => return None,
        })
    }
}

impl Manifest {
    /// Checks the fields a JSON schema cannot: name syntax and the HTTP allow-list.
    pub fn validate(&self) -> Result<(), ManifestError> {
        let name_ok = (1..=64).contains(&self.name.len())
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !self.name.starts_with('-');
        if !name_ok {
            return Err(ManifestError::InvalidName(self.name.clone()));
        }
        crate::config_schema::check_schema(&self.config_schema)
            .map_err(ManifestError::InvalidConfigSchema)?;
        if self.secrets.len() > 32 {
            return Err(ManifestError::InvalidSecretName(
                "more than 32 secrets".into(),
            ));
        }
        for secret in &self.secrets {
            let ok = (1..=64).contains(&secret.len())
                && secret
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !ok {
                return Err(ManifestError::InvalidSecretName(secret.clone()));
            }
        }
        if self.sensitive_digits.len() > 16 {
            return Err(ManifestError::InvalidSensitiveDigits(
                "more than 16 tag prefixes".into(),
            ));
        }
        if let Some(bad) = self
            .sensitive_digits
            .iter()
            .find(|p| !(1..=64).contains(&p.len()) || p.chars().any(char::is_control))
        {
            return Err(ManifestError::InvalidSensitiveDigits(format!(
                "tag prefix {bad:?} must be 1 to 64 characters without control characters"
            )));
        }
        if let Some(http) = &self.capabilities.http {
            if http.allowed_hosts.is_empty() {
                return Err(ManifestError::EmptyAllowList);
            }
            for host in &http.allowed_hosts {
                let valid = !host.is_empty()
                    && host
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
                    && !host.contains('*');
                if !valid {
                    return Err(ManifestError::InvalidAllowedHost(host.clone()));
                }
            }
        }
        Ok(())
    }
}

impl Manifest {
    /// Whether digits collected under `tag` are secret (see [`Manifest::sensitive_digits`]).
    pub fn is_sensitive_tag(&self, tag: &str) -> bool {
        self.sensitive_digits.iter().any(|p| tag.starts_with(p.as_str()))
    }
}
