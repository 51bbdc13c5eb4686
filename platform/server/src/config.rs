//! The one typed configuration, loaded from defaults → `kefu.toml` → `KEFU_*` environment →
//! command-line flags (later wins). Keys are flat (`database_url` in the file is
//! `KEFU_DATABASE_URL` in the environment) so the two spellings map one to one. Unknown keys
//! and bad values stop start-up with an error naming the key and what was expected.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Where blobs go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ObjectStoreKind {
    /// Files under `<data_dir>/objects` (embedded default).
    Fs,
    /// An S3 bucket (AWS or compatible).
    S3,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line (for log shippers).
    Json,
}

/// Kefu's configuration. Every field is a key of `kefu.toml` and, upper-cased with a `KEFU_`
/// prefix, an environment variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Directory for the SQLite file, the filesystem object store and demo credentials.
    pub data_dir: PathBuf,
    /// HTTP listen address.
    pub listen: SocketAddr,
    /// Database URL; empty means SQLite at `<data_dir>/kefu.db`.
    pub database_url: String,
    /// Object store backend.
    pub object_store: ObjectStoreKind,
    /// S3 bucket (object_store = "s3").
    pub s3_bucket: String,
    /// S3 region.
    pub s3_region: String,
    /// S3 endpoint for S3-compatible servers; empty means AWS.
    pub s3_endpoint: String,
    /// Path-style S3 addressing (most S3-compatible servers need it).
    pub s3_path_style: bool,
    /// S3 access key id.
    pub s3_access_key_id: String,
    /// S3 secret access key.
    pub s3_secret_access_key: String,
    /// Directory of the built web app served at `/`.
    pub web_dir: PathBuf,
    /// Public base URL, used in links sent by e-mail (invitations).
    pub public_url: String,
    /// SMTP server for e-mail (`smtps://user:pass@host:465`, `smtp://host:587?tls=required`);
    /// empty means e-mails are written to the log instead.
    pub smtp_url: String,
    /// Sender of e-mails, e.g. `Kefu <no-reply@example.com>`.
    pub smtp_from: String,
    /// Access-token lifetime in seconds.
    pub access_token_ttl_secs: u64,
    /// Refresh-token lifetime in seconds.
    pub refresh_token_ttl_secs: u64,
    /// Invitation link lifetime in hours.
    pub invitation_ttl_hours: u64,
    /// Largest JSON request body in bytes.
    pub max_body_bytes: usize,
    /// Seconds a client has to send a request's head (request line and headers), and the
    /// longest an HTTP/1 connection stays open between requests.
    pub http_header_read_timeout_secs: u32,
    /// Seconds an HTTP connection may go without a byte read or written before it is closed
    /// (a stalled upload, a client that stops reading); longer than a request may take (30).
    pub http_idle_timeout_secs: u32,
    /// HTTP connections one source (IPv4 address or IPv6 /64) may hold open at once; a whole
    /// office behind one NAT address shares it.
    pub http_max_connections_per_source: u32,
    /// Sign-up, login and invitation attempts allowed per source address per minute (a whole
    /// office may sign in from one address at shift start).
    pub auth_rate_per_ip_per_min: u32,
    /// Login attempts allowed per account (e-mail) per minute.
    pub auth_rate_per_account_per_min: u32,
    /// Create the demo tenant on first start.
    pub demo: bool,
    /// Key sealing plugin installations' secrets at rest: base64 of 32 bytes, the same on
    /// every node. Empty: a key file `<data_dir>/secrets.key` is created and used.
    pub secrets_key: String,
    /// Let plugins' HTTP requests reach loopback and private networks (development only: in
    /// production a plugin could otherwise reach internal services through a name it lists).
    pub plugin_http_allow_private: bool,
    /// Days plugin invocation records are kept.
    pub plugin_log_retention_days: u32,
    /// Most plugin invocation records kept per tenant (the oldest go first).
    pub plugin_log_max_per_tenant: u32,
    /// SIP listen address (UDP and TCP) for trunks; empty turns telephony off. Port 0 picks a
    /// free port (tests).
    pub sip_listen: String,
    /// Address put in Via and Contact, with an optional port (`203.0.113.7`,
    /// `203.0.113.7:5060`): the one peers reach Kefu at, e.g. a NAT's public address. Empty:
    /// the `sip_listen` address, or when that is a wildcard, for each caller the local address
    /// that routes to it (and the default route's address for requests Kefu starts).
    pub sip_advertise: String,
    /// Address put in SDP for media (where callers send RTP); empty: as `sip_advertise`.
    pub media_address: String,
    /// RTP port range `first-last` (RTP on even ports, RTCP on the next odd one).
    pub rtp_ports: String,
    /// Where agents' browsers send their audio (WebRTC, one UDP port for all of them):
    /// `ip:port`, put in every answer as the one host candidate, so browsers must reach it.
    /// Empty: the media address (else 127.0.0.1) on port 0 (any free port).
    pub webrtc_listen: String,
    /// Seconds between queue position updates to a waiting caller (and its IVR plugin).
    pub queue_update_secs: u32,
    /// The event bus: empty for in-process (one node), `nats://host:port` for NATS JetStream.
    pub bus_url: String,
    /// Days domain events are kept in the event log (the stream can resume within them).
    pub event_retention_days: u32,
    /// This node's name in `call.received` events; a node closes the calls it left open when
    /// it starts again, so each node needs its own (default: the host name).
    pub node_name: String,
    /// Milliseconds an inbound call rings (180) before its IVR starts (0: at once).
    pub ring_before_answer_ms: u32,
    /// Ring with early media (183 with SDP and Kefu's ringback tone) instead of a bare 180,
    /// for carriers that play nothing to the caller until media flows.
    pub early_media: bool,
    /// The espeak-ng program that speaks prompts: a name looked up in `PATH`, or a path.
    pub tts_program: String,
    /// Session timers (RFC 4028): the shortest interval accepted (Min-SE), seconds. RFC 4028
    /// says at least 90.
    pub session_min_se_secs: u32,
    /// Session timers: the interval asked for when the carrier supports timers but named none,
    /// seconds.
    pub session_expires_secs: u32,
    /// INVITEs per second one source address may send (twice that in a burst); beyond it the
    /// edge answers 503, then drops. Raise it for carriers that send many calls from one
    /// address.
    pub sip_invites_per_source_per_sec: u32,
    /// Seconds a digest nonce of a 401 challenge is accepted; an answer on an older one gets
    /// a new challenge with `stale=true`.
    pub sip_digest_nonce_secs: u32,
    /// Seconds a SIP message on TCP may take from its first byte to its last; a peer that
    /// sends part of one and stalls is disconnected.
    pub sip_tcp_message_timeout_secs: u32,
    /// SIP TCP connections one source address may hold open at once.
    pub sip_tcp_max_connections_per_source: u32,
    /// Log format.
    pub log_format: LogFormat,
    /// Log filter (tracing `EnvFilter` syntax).
    pub log: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("data"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: String::new(),
            object_store: ObjectStoreKind::Fs,
            s3_bucket: "kefu".into(),
            s3_region: "us-east-1".into(),
            s3_endpoint: String::new(),
            s3_path_style: true,
            s3_access_key_id: String::new(),
            s3_secret_access_key: String::new(),
            web_dir: PathBuf::from("web/dist"),
            public_url: "http://127.0.0.1:8080".into(),
            smtp_url: String::new(),
            smtp_from: "Kefu <no-reply@kefu.invalid>".into(),
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            invitation_ttl_hours: 72,
            max_body_bytes: 64 * 1024,
            http_header_read_timeout_secs: 10,
            http_idle_timeout_secs: 60,
            http_max_connections_per_source: 256,
            auth_rate_per_ip_per_min: 120,
            auth_rate_per_account_per_min: 10,
            demo: true,
            secrets_key: String::new(),
            plugin_http_allow_private: false,
            plugin_log_retention_days: 14,
            plugin_log_max_per_tenant: 100_000,
            sip_listen: "0.0.0.0:5060".into(),
            sip_advertise: String::new(),
            media_address: String::new(),
            rtp_ports: "20000-29999".into(),
            queue_update_secs: 30,
            webrtc_listen: String::new(),
            bus_url: String::new(),
            event_retention_days: 90,
            node_name: default_node_name(),
            ring_before_answer_ms: 0,
            early_media: false,
            tts_program: "espeak-ng".into(),
            session_min_se_secs: 90,
            session_expires_secs: 1800,
            sip_invites_per_source_per_sec: 20,
            sip_digest_nonce_secs: 300,
            sip_tcp_message_timeout_secs: 10,
            sip_tcp_max_connections_per_source: 64,
            log_format: LogFormat::Text,
            log: "info".into(),
        }
    }
}

/// The host name, cleaned to the characters a node name allows (`kefu` when there is none).
fn default_node_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    let name: String = host
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .take(64)
        .collect();
    if name.is_empty() { "kefu".into() } else { name }
}

/// A configuration that cannot be used; the message names the key.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

/// Flag overrides (`None` = not given).
#[derive(Debug, Default, Clone, Serialize)]
pub struct Overrides {
    /// `--data-dir`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// `--listen`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    /// `--database-url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// `--web-dir`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_dir: Option<PathBuf>,
    /// `--sip-listen`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sip_listen: Option<String>,
}

impl Config {
    /// Load from defaults, the TOML file (if it exists; an explicitly named file must exist),
    /// the environment and the flags.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, ConfigError> {
        Self::load_from(file, Env::prefixed("KEFU_"), overrides)
    }

    /// As [`Config::load`], with the environment given (tests and the compose check).
    pub fn load_from(
        file: Option<&Path>,
        env: Env,
        overrides: &Overrides,
    ) -> Result<Config, ConfigError> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) if !path.exists() => {
                return Err(ConfigError(format!(
                    "config file {} not found",
                    path.display()
                )));
            }
            Some(path) => fig = fig.merge(Toml::file(path)),
            None => fig = fig.merge(Toml::file("kefu.toml")),
        }
        let config: Config = fig
            // KEFU_CONFIG names the file (a flag); KEFU_TEST_* and the build tools' variables
            // (plugins/build.sh, the e2e harness) are not configuration.
            .merge(
                env.ignore(&["CONFIG"])
                    .filter(|k| !is_tool_variable(k.as_str())),
            )
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(describe)?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, why: &str| Err(ConfigError(format!("key `{key}`: {why}")));
        if !self.database_url.is_empty()
            && kefu_store::Backend::of_url(&self.database_url).is_none()
        {
            return bad(
                "database_url",
                "expected a URL starting with sqlite: or postgres://",
            );
        }
        if self.access_token_ttl_secs < 60 || self.access_token_ttl_secs > 24 * 3600 {
            return bad("access_token_ttl_secs", "expected 60 to 86400 seconds");
        }
        if self.refresh_token_ttl_secs < self.access_token_ttl_secs {
            return bad(
                "refresh_token_ttl_secs",
                "expected at least access_token_ttl_secs",
            );
        }
        if self.max_body_bytes < 1024 || self.max_body_bytes > 64 * 1024 * 1024 {
            return bad("max_body_bytes", "expected 1 KiB to 64 MiB");
        }
        if self.http_header_read_timeout_secs == 0 || self.http_header_read_timeout_secs > 300 {
            return bad("http_header_read_timeout_secs", "expected 1 to 300 seconds");
        }
        if self.http_idle_timeout_secs <= 30 || self.http_idle_timeout_secs > 86_400 {
            return bad(
                "http_idle_timeout_secs",
                "expected 31 to 86400 seconds (longer than the 30 s a request may take)",
            );
        }
        if self.http_max_connections_per_source == 0 {
            return bad("http_max_connections_per_source", "expected at least 1");
        }
        if self.sip_tcp_message_timeout_secs == 0 || self.sip_tcp_message_timeout_secs > 300 {
            return bad("sip_tcp_message_timeout_secs", "expected 1 to 300 seconds");
        }
        if self.sip_tcp_max_connections_per_source == 0 {
            return bad("sip_tcp_max_connections_per_source", "expected at least 1");
        }
        if self.auth_rate_per_ip_per_min == 0 || self.auth_rate_per_account_per_min == 0 {
            return bad("auth_rate_per_ip_per_min", "expected at least 1");
        }
        if self.object_store == ObjectStoreKind::S3 && self.s3_bucket.is_empty() {
            return bad("s3_bucket", "required when object_store = \"s3\"");
        }
        if !self.smtp_url.is_empty()
            && !self.smtp_url.starts_with("smtp://")
            && !self.smtp_url.starts_with("smtps://")
        {
            return bad("smtp_url", "expected an smtp:// or smtps:// URL");
        }
        if self.smtp_from.parse::<lettre::message::Mailbox>().is_err() {
            return bad(
                "smtp_from",
                "expected an address like `Kefu <no-reply@example.com>`",
            );
        }
        if self.plugin_log_retention_days == 0 || self.plugin_log_retention_days > 3650 {
            return bad("plugin_log_retention_days", "expected 1 to 3650 days");
        }
        if self.plugin_log_max_per_tenant < 100 {
            return bad("plugin_log_max_per_tenant", "expected at least 100");
        }
        if !self.public_url.starts_with("http://") && !self.public_url.starts_with("https://") {
            return bad("public_url", "expected an http:// or https:// URL");
        }
        if !self.sip_listen.is_empty() && self.sip_listen.parse::<SocketAddr>().is_err() {
            return bad(
                "sip_listen",
                "expected an address like 0.0.0.0:5060 (or empty to turn telephony off)",
            );
        }
        if !self.media_address.is_empty() && self.media_address.parse::<std::net::IpAddr>().is_err()
        {
            return bad("media_address", "expected an IP address like 203.0.113.7");
        }
        self.sip_advertise()?;
        self.webrtc_listen()?;
        self.rtp_port_range()
            .map_err(|e| ConfigError(e.to_string().trim_start_matches("configuration: ").into()))?;
        if self.sip_invites_per_source_per_sec == 0 || self.sip_invites_per_source_per_sec > 100_000
        {
            return bad("sip_invites_per_source_per_sec", "expected 1 to 100000");
        }
        if self.sip_digest_nonce_secs == 0 || self.sip_digest_nonce_secs > 3600 {
            return bad("sip_digest_nonce_secs", "expected 1 to 3600 seconds");
        }
        if self.tts_program.trim().is_empty() {
            return bad(
                "tts_program",
                "expected the espeak-ng program's name or path",
            );
        }
        if self.ring_before_answer_ms > 60_000 {
            return bad(
                "ring_before_answer_ms",
                "expected at most 60000 milliseconds",
            );
        }
        if self.session_min_se_secs == 0 || self.session_min_se_secs > 86_400 {
            return bad("session_min_se_secs", "expected 1 to 86400 seconds");
        }
        if self.session_expires_secs < self.session_min_se_secs
            || self.session_expires_secs > 86_400
        {
            return bad(
                "session_expires_secs",
                "expected at least session_min_se_secs and at most 86400 seconds",
            );
        }
        if self.queue_update_secs < 5 || self.queue_update_secs > 3600 {
            return bad("queue_update_secs", "expected 5 to 3600 seconds");
        }
        if !(self.bus_url.is_empty() || self.bus_url.starts_with("nats://")) {
            return bad("bus_url", "expected empty (in-process) or nats://host:port");
        }
        if self.event_retention_days == 0 || self.event_retention_days > 3650 {
            return bad("event_retention_days", "expected 1 to 3650 days");
        }
        if self.node_name.is_empty()
            || self.node_name.len() > 64
            || !self
                .node_name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        {
            return bad(
                "node_name",
                "expected 1 to 64 letters, digits, '-', '_' or '.'",
            );
        }
        Ok(())
    }

    /// The RTP port range (`rtp_ports`).
    pub fn rtp_port_range(&self) -> Result<(u16, u16), ConfigError> {
        let err = || {
            ConfigError(
                "key `rtp_ports`: expected `first-last` with an even first port above 1023, \
                 e.g. 20000-29999"
                    .into(),
            )
        };
        let (first, last) = self.rtp_ports.split_once('-').ok_or_else(err)?;
        let first: u16 = first.trim().parse().map_err(|_| err())?;
        let last: u16 = last.trim().parse().map_err(|_| err())?;
        if first < 1024 || !first.is_multiple_of(2) || last <= first {
            return Err(err());
        }
        Ok((first, last))
    }

    /// The address advertised in Via/Contact (`sip_advertise`): `None` when empty; a bare
    /// address comes back with port 0 (the listen port).
    pub fn sip_advertise(&self) -> Result<Option<SocketAddr>, ConfigError> {
        let text = self.sip_advertise.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let parsed = text.parse::<SocketAddr>().or_else(|_| {
            text.parse::<std::net::IpAddr>()
                .map(|ip| SocketAddr::new(ip, 0))
        });
        match parsed {
            Ok(addr) if !addr.ip().is_unspecified() => Ok(Some(addr)),
            _ => Err(ConfigError(
                "key `sip_advertise`: expected an address peers can reach, like 203.0.113.7 or \
                 203.0.113.7:5060 (not a wildcard)"
                    .into(),
            )),
        }
    }

    /// The address put in SDP when configured: `media_address`, else the `sip_advertise`
    /// address, else the `sip_listen` address unless it is a wildcard. `None`: per caller, as
    /// the edge's Contact.
    pub fn media_address(&self) -> Result<Option<std::net::IpAddr>, ConfigError> {
        if !self.media_address.is_empty() {
            return self
                .media_address
                .parse()
                .map(Some)
                .map_err(|_| ConfigError("key `media_address`: expected an IP address".into()));
        }
        if let Some(advertised) = self.sip_advertise()? {
            return Ok(Some(advertised.ip()));
        }
        let sip: Option<SocketAddr> = self.sip_listen.parse().ok();
        Ok(sip.map(|a| a.ip()).filter(|ip| !ip.is_unspecified()))
    }

    /// The browser audio address: `webrtc_listen`, else the media address (or 127.0.0.1 when
    /// that is per caller) on a free port. A wildcard is refused: it cannot be a candidate.
    pub fn webrtc_listen(&self) -> Result<SocketAddr, ConfigError> {
        if self.webrtc_listen.is_empty() {
            let ip = self
                .media_address()?
                .unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]));
            return Ok(SocketAddr::new(ip, 0));
        }
        let address: SocketAddr = self.webrtc_listen.parse().map_err(|_| {
            ConfigError("key `webrtc_listen`: expected an address like 203.0.113.7:40000".into())
        })?;
        if address.ip().is_unspecified() {
            return Err(ConfigError(
                "key `webrtc_listen`: a wildcard address cannot be given to browsers; name the address they reach".into(),
            ));
        }
        Ok(address)
    }

    /// What one HTTP client may hold (`http_*` keys).
    pub fn http_limits(&self) -> crate::http_server::ConnectionLimits {
        crate::http_server::ConnectionLimits {
            header_read_timeout: Duration::from_secs(u64::from(self.http_header_read_timeout_secs)),
            idle_timeout: Duration::from_secs(u64::from(self.http_idle_timeout_secs)),
            max_per_source: self.http_max_connections_per_source as usize,
        }
    }

    /// The database URL in effect (SQLite in the data dir unless configured).
    pub fn effective_database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("kefu.db").display()
            )
        } else {
            self.database_url.clone()
        }
    }

    /// Every configuration key (for `kefu --help` and the compose-file check).
    pub fn keys() -> Vec<String> {
        match serde_json::to_value(Config::default()) {
            Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }
}

/// Environment variables of test harnesses and build scripts that share the `KEFU_` prefix.
fn is_tool_variable(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.starts_with("test_")
        || key.starts_with("e2e_")
        || matches!(
            key.as_str(),
            "plugin_wasm_dir" | "wasm_target_dir" | "bin" | "testdata"
        )
}

/// Turn figment's error into one line naming the key and its source.
fn describe(err: figment::Error) -> ConfigError {
    let lines: Vec<String> = err
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let source = e
                .metadata
                .as_ref()
                .map(|m| {
                    if m.name.contains("environment") {
                        format!(" (from environment variable KEFU_{})", key.to_uppercase())
                    } else {
                        format!(" (from {})", m.name)
                    }
                })
                .unwrap_or_default();
            if key.is_empty() {
                format!("{}{source}", e.kind)
            } else {
                format!("key `{key}`: {}{source}", e.kind)
            }
        })
        .collect();
    ConfigError(lines.join("; "))
}

#[cfg(test)]
mod tests;
