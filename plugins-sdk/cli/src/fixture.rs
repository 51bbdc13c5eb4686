//! The fixture format (documented in the crate docs): one JSON file holds one fixture or a
//! list of them. Parsing is strict (unknown fields are errors, so a typo cannot silently
//! weaken a test) and bounded (files over [`MAX_FIXTURE_BYTES`] are refused).
//!
//! This module only reads and checks fixtures; running them is `verdict`'s and `run`'s job.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kefu_plugin_host::http::{HttpError, Response};
use kefu_plugin_host::recorded::parse_method;
use kefu_plugin_host::{ScriptedExchange, Trap};
use serde::Deserialize;
use serde_json::Value;

/// Largest fixture file read, bytes.
pub const MAX_FIXTURE_BYTES: u64 = 4 << 20;

/// One test case: a call into the plugin with scripted host capabilities, and what must come
/// of it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    /// What the case checks (printed with the result).
    #[serde(default)]
    pub description: Option<String>,
    /// The exported function: `on-event`, `lookup`, `on-call-ended`, `score`.
    pub function: String,
    /// The arguments, in the invocation log's JSON form (copy one from `kefu-plugin logs`).
    pub input: Value,
    /// The installation's tenant (`ten_…`); by default the tenant the input names.
    #[serde(default)]
    pub tenant: Option<String>,
    /// Installation settings by top-level key.
    #[serde(default)]
    pub config: BTreeMap<String, Value>,
    /// Installation secrets by key.
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
    /// kv contents before the call: text, or `{"base64": "…"}`.
    #[serde(default)]
    pub kv: BTreeMap<String, KvValue>,
    /// Scripted HTTP exchanges; a request none matches fails the case.
    #[serde(default)]
    pub http: Vec<HttpExchange>,
    /// Limits for this call, when the defaults do not fit.
    #[serde(default)]
    pub limits: Option<FixtureLimits>,
    /// What must come of the call.
    pub expect: Expect,
}

/// A kv value in a fixture.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum KvValue {
    /// UTF-8 text.
    Text(String),
    /// Arbitrary bytes.
    Bytes {
        /// The bytes, base64.
        base64: String,
    },
}

impl KvValue {
    /// The bytes this value stands for.
    pub fn bytes(&self) -> anyhow::Result<Vec<u8>> {
        match self {
            KvValue::Text(text) => Ok(text.as_bytes().to_vec()),
            KvValue::Bytes { base64 } => STANDARD
                .decode(base64)
                .context("a kv value's `base64` is not base64"),
        }
    }
}

/// One scripted HTTP exchange.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpExchange {
    /// `GET`, `POST`, … (any case).
    pub method: String,
    /// The exact URL the plugin requests.
    pub url: String,
    /// Response status (default 200).
    #[serde(default)]
    pub status: Option<u16>,
    /// Response headers, `{"name": "value"}`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Response body as text.
    #[serde(default)]
    pub body: Option<String>,
    /// Response body as JSON (sent as its text, with `content-type: application/json`).
    #[serde(default)]
    pub json: Option<Value>,
    /// Response body as base64 bytes.
    #[serde(default)]
    pub body_base64: Option<String>,
    /// Fail the request instead of answering it.
    #[serde(default)]
    pub error: Option<ScriptedFailure>,
}

/// A scripted HTTP failure.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ScriptedFailure {
    /// No answer in time.
    Timeout,
    /// Connecting or talking failed (the message).
    Transport(String),
    /// The response was too large (the limit).
    TooLarge(u64),
}

/// Per-fixture limits (milliseconds).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureLimits {
    /// Guest CPU time.
    #[serde(default)]
    pub cpu_ms: Option<u64>,
    /// Wall-clock cap.
    #[serde(default)]
    pub wall_ms: Option<u64>,
    /// Linear memory, MiB.
    #[serde(default)]
    pub memory_mib: Option<usize>,
}

/// How expected JSON is compared with what happened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchMode {
    /// Equal JSON; host calls and logs: the same list.
    #[default]
    Exact,
    /// Objects may have more keys, arrays more elements (expected ones in order); host calls
    /// and logs: the expected ones appear in order among the actual ones.
    Subset,
}

/// What must come of a call. At least one expectation is required.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// How `output`, `host_calls`, `logs` and `kv` are compared.
    #[serde(default, rename = "match")]
    pub mode: MatchMode,
    /// The returned value, as the log keeps it: `{"Ok": …}` or `{"Err": {"kind": …}}`.
    #[serde(default)]
    pub output: Option<Value>,
    /// The guest must be stopped with this trap kind (`cpu_limit`, `memory_limit`,
    /// `wall_clock_limit`, `stack_overflow`, `table_limit`, `instantiation`, `other`).
    #[serde(default)]
    pub trap: Option<String>,
    /// The call must be refused with this kind (`tenant_mismatch`, `wrong_world`,
    /// `output_too_large`).
    #[serde(default)]
    pub rejected: Option<String>,
    /// Host calls the guest makes: `{"interface", "function", "detail"}` (`detail` is a
    /// substring of the logged summary, and optional).
    #[serde(default)]
    pub host_calls: Option<Vec<ExpectedHostCall>>,
    /// Log lines: `{"level", "message"}` (`message` a substring; `level` optional).
    #[serde(default)]
    pub logs: Option<Vec<ExpectedLog>>,
    /// kv contents after the call (text values; `null`: the key must be absent).
    #[serde(default)]
    pub kv: Option<BTreeMap<String, Option<String>>>,
}

/// An expected host call.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedHostCall {
    /// `http`, `kv`, `config`, `customers`.
    pub interface: String,
    /// `send`, `get`, `set`, `delete`, `secret`, …
    pub function: String,
    /// A substring of the logged summary (e.g. `GET https://crm.example.com/`).
    #[serde(default)]
    pub detail: Option<String>,
}

/// An expected log line.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedLog {
    /// `trace` … `error`.
    #[serde(default)]
    pub level: Option<String>,
    /// A substring of the message.
    pub message: String,
}

/// The trap kinds a fixture may name (the invocation log's spelling).
pub const TRAP_KINDS: [&str; 7] = [
    "cpu_limit",
    "memory_limit",
    "table_limit",
    "stack_overflow",
    "wall_clock_limit",
    "instantiation",
    "other",
];
/// The rejection kinds a fixture may name.
pub const REJECTION_KINDS: [&str; 3] = ["output_too_large", "tenant_mismatch", "wrong_world"];

/// The log's spelling of a trap's kind.
pub fn trap_kind(trap: &Trap) -> &'static str {
    match trap {
        Trap::CpuLimit => "cpu_limit",
        Trap::MemoryLimit => "memory_limit",
        Trap::TableLimit => "table_limit",
        Trap::StackOverflow => "stack_overflow",
        Trap::WallClockLimit => "wall_clock_limit",
        Trap::Instantiation(_) => "instantiation",
        Trap::Other(_) => "other",
    }
}

impl Fixture {
    /// Checks what serde cannot: an expectation exists, kinds are known, exchanges are usable.
    fn check(&self) -> anyhow::Result<()> {
        let e = &self.expect;
        let outcomes =
            e.output.is_some() as u8 + e.trap.is_some() as u8 + e.rejected.is_some() as u8;
        if outcomes > 1 {
            bail!("`expect` may name only one of `output`, `trap` and `rejected`");
        }
        if outcomes == 0 && e.host_calls.is_none() && e.logs.is_none() && e.kv.is_none() {
            bail!(
                "`expect` is empty: give `output`, `trap`, `rejected`, `host_calls`, `logs` or `kv`"
            );
        }
        if let Some(trap) = &e.trap
            && !TRAP_KINDS.contains(&trap.as_str())
        {
            bail!(
                "unknown trap kind `{trap}`: one of {}",
                TRAP_KINDS.join(", ")
            );
        }
        if let Some(kind) = &e.rejected
            && !REJECTION_KINDS.contains(&kind.as_str())
        {
            bail!(
                "unknown rejection kind `{kind}`: one of {}",
                REJECTION_KINDS.join(", ")
            );
        }
        for (key, value) in &self.kv {
            value.bytes().with_context(|| format!("kv key `{key}`"))?;
        }
        self.exchanges()?;
        Ok(())
    }

    /// The scripted exchanges, ready for a `ScriptedHttp`.
    pub fn exchanges(&self) -> anyhow::Result<Vec<ScriptedExchange>> {
        self.http
            .iter()
            .enumerate()
            .map(|(i, e)| e.exchange().with_context(|| format!("`http[{i}]`")))
            .collect()
    }
}

impl HttpExchange {
    fn exchange(&self) -> anyhow::Result<ScriptedExchange> {
        let method = parse_method(&self.method)
            .with_context(|| format!("unknown method `{}`", self.method))?;
        let bodies = self.body.is_some() as u8
            + self.json.is_some() as u8
            + self.body_base64.is_some() as u8;
        if bodies > 1 {
            bail!("give only one of `body`, `json` and `body_base64`");
        }
        let answer = match &self.error {
            Some(failure) => {
                if bodies > 0 || self.status.is_some() {
                    bail!("an `error` exchange has no status or body");
                }
                Err(match failure {
                    ScriptedFailure::Timeout => HttpError::Timeout,
                    ScriptedFailure::Transport(m) => HttpError::Transport(m.clone()),
                    ScriptedFailure::TooLarge(n) => HttpError::TooLarge(*n),
                })
            }
            None => {
                let mut headers: Vec<(String, String)> = self
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let body = match (&self.body, &self.json, &self.body_base64) {
                    (Some(text), _, _) => text.as_bytes().to_vec(),
                    (_, Some(json), _) => {
                        if !self
                            .headers
                            .keys()
                            .any(|k| k.eq_ignore_ascii_case("content-type"))
                        {
                            headers.push(("content-type".into(), "application/json".into()));
                        }
                        json.to_string().into_bytes()
                    }
                    (_, _, Some(encoded)) => STANDARD
                        .decode(encoded)
                        .context("`body_base64` is not base64")?,
                    _ => Vec::new(),
                };
                Ok(Response {
                    status: self.status.unwrap_or(200),
                    headers,
                    body,
                })
            }
        };
        Ok(ScriptedExchange::new(method, &self.url, answer)?)
    }
}

/// A fixture and where it came from (`path`, or `path#2` for the third of a list).
#[derive(Debug, Clone)]
pub struct NamedFixture {
    /// For messages.
    pub name: String,
    /// The case.
    pub fixture: Fixture,
}

/// Reads the fixtures in `path` (a file of one fixture or a list, or a directory of `*.json`
/// files, sorted by name).
pub fn load(path: &Path) -> anyhow::Result<Vec<NamedFixture>> {
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("reading {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json") && p.is_file())
            .collect();
        files.sort();
        let mut all = Vec::new();
        for file in files {
            all.extend(load_file(&file)?);
        }
        return Ok(all);
    }
    load_file(path)
}

fn load_file(path: &Path) -> anyhow::Result<Vec<NamedFixture>> {
    let name = path.display().to_string();
    let size = std::fs::metadata(path)
        .with_context(|| format!("reading fixture {name}"))?
        .len();
    if size > MAX_FIXTURE_BYTES {
        bail!("fixture {name} is {size} bytes; the limit is {MAX_FIXTURE_BYTES}");
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("reading fixture {name}"))?;
    let json: Value =
        serde_json::from_str(&text).with_context(|| format!("fixture {name} is not JSON"))?;
    let cases: Vec<(String, Value)> = match json {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (format!("{name}#{i}"), v))
            .collect(),
        single => vec![(name, single)],
    };
    cases
        .into_iter()
        .map(|(name, value)| {
            let fixture: Fixture = serde_json::from_value(value)
                .with_context(|| format!("fixture {name} does not fit the fixture format"))?;
            fixture
                .check()
                .with_context(|| format!("fixture {name} is not usable"))?;
            Ok(NamedFixture { name, fixture })
        })
        .collect()
}
