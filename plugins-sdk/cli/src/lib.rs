//! The `kefu-plugin` command: write, test and ship Kefu plugins (`kefu:plugin@0.1.0`).
//!
//! ```text
//! kefu-plugin new hello --world ivr      # a project that builds and passes its fixtures
//! kefu-plugin build                      # cargo build for wasm32-wasip2 + the server's checks
//! kefu-plugin test                       # fixtures/*.json against the component
//! kefu-plugin login --server https://kefu.example.com --email dev@example.com
//! kefu-plugin publish [--public]
//! kefu-plugin versions [hello]
//! kefu-plugin install hello@0.1.0 --config settings.json
//! kefu-plugin logs --installation ins_… --outcome trapped --follow
//! kefu-plugin replay inv_…               # re-run locally against the recorded answers
//! KEFU_PIN_KEY=… kefu-plugin pin-hash < pins.txt   # ivr-menu's `verify.hmac_sha256` list
//! ```
//!
//! Exit codes: 0 success, 1 failure (a failed fixture, a refused request, a replay that
//! differs), 2 usage (bad arguments).
//!
//! # Fixtures
//!
//! `kefu-plugin test` runs JSON fixtures against the component in the real embedded plugin
//! host, with **scripted host capabilities**: each case gets its own installation, kv store and
//! HTTP upstream, and nothing reaches the network. A file holds one fixture object or a list of
//! them; a directory argument means every `*.json` in it (default: `fixtures/`).
//!
//! ```json
//! {
//!   "description": "a known caller gets a card from the CRM",
//!   "function": "lookup",
//!   "input": {"caller": "+8613800138000", "context": {"call_id": "call_…", "tenant_id": "ten_…", "…": "…"}},
//!   "tenant": "ten_…",
//!   "config": {"crm_url": "https://crm.example.com/api"},
//!   "secrets": {"api-token": "test-token"},
//!   "kv": {"last-seen": "2026-01-01", "blob": {"base64": "AAEC"}},
//!   "http": [
//!     {"method": "GET", "url": "https://crm.example.com/api/customers?phone=%2B8613800138000",
//!      "status": 200, "headers": {"x-trace": "1"}, "json": {"id": "c-42", "name": "Li Wei"}},
//!     {"method": "POST", "url": "https://crm.example.com/api/notes", "error": "timeout"}
//!   ],
//!   "limits": {"cpu_ms": 50, "wall_ms": 1000, "memory_mib": 64},
//!   "expect": {
//!     "match": "subset",
//!     "output": {"Ok": {"display_name": "Li Wei"}},
//!     "host_calls": [{"interface": "http", "function": "send", "detail": "→ 200"}],
//!     "logs": [{"level": "info", "message": "card"}],
//!     "kv": {"last-seen": "2026-01-01"}
//!   }
//! }
//! ```
//!
//! - `function`: the world's export — `on-event` (ivr, integration), `lookup` and
//!   `on-call-ended` (crm), `score` (router).
//! - `input`: the arguments in the **invocation log's JSON form**, the same as `input` in
//!   `kefu-plugin logs` records, so a logged call can be pasted into a fixture. Fields are
//!   the WIT names in `snake_case`, enum cases and variants in `UpperCamelCase`
//!   (`"language": "Mandarin"`, `"event": "CallStarted"`,
//!   `{"DigitsCollected": {"tag": "menu", "digits": "1", "ended_by": "MaxDigits"}}`), call data
//!   as `[["key", "value"]]`. ivr: `{"context", "event"}`; crm lookup: `{"caller", "context"}`;
//!   crm on-call-ended: `{"summary"}`; router: `{"call", "candidates", "deadline_us"}`;
//!   integration: `{"event"}`.
//! - `tenant`: the installation's tenant; by default the tenant the input names (a different
//!   one makes the host refuse the call: `"rejected": "tenant_mismatch"`).
//! - `http`: scripted exchanges, matched on method and URL. The first unused match answers;
//!   when all matches are used the last answers again. The body is one of `body` (text), `json`
//!   (sent as text with `content-type: application/json`) or `body_base64`; `status` defaults
//!   to 200. `"error"` fails the request instead: `"timeout"`, `{"transport": "…"}`,
//!   `{"too_large": N}`. A request nothing matches **fails the case** and is named. The
//!   manifest's allow-list still applies first, as on the server.
//! - `expect` needs at least one of:
//!   - `output`: the returned value as the log keeps it — `{"Ok": …}`, or `{"Err": {"kind":
//!     "Upstream", "message": "…"}}` for a plugin error;
//!   - `trap`: `cpu_limit`, `memory_limit`, `table_limit`, `stack_overflow`,
//!     `wall_clock_limit`, `instantiation` or `other` (a panic is `other`);
//!   - `rejected`: `tenant_mismatch`, `wrong_world` or `output_too_large`;
//!   - `host_calls`: `{"interface", "function", "detail"}` — `detail` is a substring of the
//!     logged summary (e.g. `GET https://… → 200 (12 bytes)`);
//!   - `logs`: `{"level", "message"}` — `message` a substring;
//!   - `kv`: contents after the call (`null`: the key must be absent).
//! - `match`: `exact` (default) — equal JSON, the same host calls and log lines, no other kv
//!   keys; `subset` — objects may have more keys, arrays more elements (the expected ones in
//!   order), host calls and logs the expected ones in order among others.
//!
//! Each case prints `PASS`/`FAIL`, its name and the time spent in the plugin; a failure lists
//! every broken expectation.
//!
//! What this crate must never do: print or store a password, keep a token anywhere but the
//! 0600 credentials file, or let a test reach the network.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod api;
pub mod credentials;
pub mod fixture;
pub mod pin_hash;
pub mod project;
pub mod remote;
pub mod replay;
pub mod run;
pub mod template;
pub mod verdict;

/// A mistake in how the command was called (exit code 2), as opposed to a failure (1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// An [`UsageError`] as an `anyhow::Error`.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(message.into()))
}
