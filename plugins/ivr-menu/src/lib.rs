//! `ivr-menu`: a configurable DTMF menu plugin for Kefu's `ivr` world.
//!
//! The installation's config key `menu` (JSON, see [`config::MenuConfig`]) describes a tree of
//! menus. The call starts with the greeting and the start menu; each key leads to a queue, a
//! transfer, a sub-menu, a member PIN check, voicemail or a hang-up. The repeat key replays
//! the menu, the back key returns to the parent menu, the operator key goes to the operator.
//! Invalid keys and timeouts re-prompt up to `max_retries` times, then go to the operator (or
//! hang up when none is configured).
//!
//! Optional parts of `menu`:
//!
//! - `hours` ([`hours::Hours`]): IANA `timezone`, `weekly` opening ranges, `holidays`, and an
//!   `after_hours` branch (`message`, then a menu or an action). Decided once, when the call
//!   starts, from `call-context.started-at-ms`; call data `ivr-menu.hours` says `open` or
//!   `closed`. The zone rules are compiled in (chrono-tz), so no tz database is needed.
//! - `pins` ([`pin::PinCheck`]): PIN nodes entered through `{"pin": {"pin": "<id>"}}`. A node
//!   collects `digits` digits and verifies them against keyed hashes in the config
//!   (`"verify": {"hmac_sha256": ["<hex>", …]}`) or an HTTP endpoint
//!   (`"verify": {"http": {"url": …}}`: `POST {"caller", "call_id", "pin"}`, 2xx = valid,
//!   4xx = wrong). Success sets call data `member=true` and follows `success`; `max_attempts`
//!   wrong PINs, or a check that cannot be made (endpoint down, secret missing; logged as a
//!   warning), follow `failure`. The PIN is never written to call data, visits or log lines.
//!
//!   Each hash is the hex HMAC-SHA256 of the PIN's digits keyed with the installation secret
//!   `pin_key` (at least 16 bytes; e.g. `openssl rand -base64 32`), so the configuration alone
//!   does not reveal the PINs. `kefu-plugin pin-hash` prints the list (PINs on stdin, the key
//!   in `KEFU_PIN_KEY`); the same with OpenSSL, one PIN:
//!   `printf %s 1234 | openssl dgst -sha256 -hmac "$KEFU_PIN_KEY" | cut -d' ' -f2`. The old
//!   unsalted `"sha256"` list is refused with an error saying this; to migrate, set `pin_key`
//!   and re-hash the PINs (SHA-256 hashes cannot be converted: the PINs are needed).
//! - `long_wait` ([`wait::LongWait`]): on a queue update whose estimated wait exceeds
//!   `threshold_secs`, offer voicemail with a key press (`offer`) once, or go straight to
//!   voicemail (no `offer`).
//!
//! Capabilities: `config`; `http` (allow-listing the PIN endpoint's host) and `log` because
//! the component imports them for HTTP PIN checks, even when an installation does not use one.
//! Secrets: the manifest declares `pin_key` (and the name given as `verify.http.auth_secret`,
//! if any) in `"secrets"` so that installations can set them.
//! Its manifest declares `"sensitive_digits": ["pin:"]`, so the host logs PIN answers only as
//! `*`s (and refuses to replay those invocations).
//!
//! The plugin is stateless: the menu stack, retry counts, the PIN node being asked and the
//! long-wait state live in call data under `ivr-menu.*`, so every event is decided from the
//! event and the call context alone.
//!
//! What this plugin must never do: reveal a PIN (call data, visits, logs), or read the time
//! from anywhere but the call context (replays must decide the same way).

pub mod config;
pub mod hours;
mod menu;
pub mod pin;
#[cfg(test)]
mod tests;
pub mod wait;

use kefu_plugin_sdk::ivr::http::{self, Method, Request};
use kefu_plugin_sdk::ivr::log::{Level, log};
use kefu_plugin_sdk::ivr::{self, Action, CallContext, Event, PluginError};

use crate::pin::{HttpVerify, PIN_KEY_SECRET, PinVerifier, Verdict};

struct IvrMenu;

impl ivr::Guest for IvrMenu {
    fn on_event(context: CallContext, event: Event) -> Result<Vec<Action>, PluginError> {
        let json = ivr::config::get("menu")
            .ok_or_else(|| PluginError::invalid_config("config `menu` is not set"))?;
        handle(&json, &context, event, &HostVerifier)
    }
}

/// One event as the component handles it: the installation's `menu` config parsed (on every
/// event: the plugin keeps no state), then the decision. The native benchmark calls this to
/// compare the same logic outside Wasm.
pub fn handle(
    menu_json: &str,
    context: &CallContext,
    event: Event,
    verifier: &dyn PinVerifier,
) -> Result<Vec<Action>, PluginError> {
    let config = config::MenuConfig::parse(menu_json).map_err(PluginError::invalid_config)?;
    menu::decide(&config, context, event, verifier)
}

/// PIN checks over the host's `http` capability, keyed hashes with the installation's secret.
struct HostVerifier;

impl PinVerifier for HostVerifier {
    fn verify(&self, endpoint: &HttpVerify, caller: &str, call_id: &str, pin: &str) -> Verdict {
        let body = serde_json::json!({"caller": caller, "call_id": call_id, "pin": pin});
        let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
        if let Some(name) = &endpoint.auth_secret {
            match ivr::config::secret(name) {
                Some(secret) => headers.push(("Authorization".into(), format!("Bearer {secret}"))),
                None => return Verdict::Unavailable(format!("secret `{name}` is not set")),
            }
        }
        let request = Request {
            method: Method::Post,
            url: endpoint.url.clone(),
            headers,
            body: Some(body.to_string().into_bytes()),
            timeout_ms: Some(endpoint.timeout_ms),
        };
        match http::send(&request) {
            Ok(r) if (200..300).contains(&r.status) => Verdict::Valid,
            Ok(r) if (400..500).contains(&r.status) && r.status != 429 => Verdict::Wrong,
            Ok(r) => Verdict::Unavailable(format!("the endpoint answered {}", r.status)),
            Err(e) => Verdict::Unavailable(format!("the endpoint could not be reached: {e:?}")),
        }
    }

    fn pin_key(&self) -> Option<String> {
        ivr::config::secret(PIN_KEY_SECRET)
    }

    fn warn(&self, message: &str) {
        log(Level::Warn, message);
    }
}

ivr::export_ivr!(IvrMenu);
