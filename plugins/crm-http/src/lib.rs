//! `crm-http`: a first-party CRM plugin. `lookup` asks the tenant's CRM over HTTP who is
//! calling and turns the JSON answer into the agent's screen-pop card; `on-call-ended` posts
//! a call note (or ticket) to the CRM when the installation configures an endpoint for it.
//!
//! # Configuration
//!
//! Setting `crm` (capability `config`; the CRM's host must be in the manifest's HTTP
//! allow-list, capability `http`; capability `log` for the warnings):
//!
//! ```json
//! {"crm": {
//!   "lookup": {"url": "https://crm.example.com/api/contacts?phone={caller}", "timeout_ms": 2000},
//!   "auth": {"header": "Authorization", "secret": "crm_token", "prefix": "Bearer "},
//!   "card": {
//!     "record": "/results/0", "id": "/id", "name": "/full_name",
//!     "fields": [{"label": "Tier", "value": "/tier"}, {"label": "Balance", "value": "/account/balance"}],
//!     "tags": "/labels",
//!     "history": {"items": "/recent_tickets", "text": "/subject", "label": "Ticket", "max": 3},
//!     "links": [{"label": "Open in CRM", "value": "/web_url"}]
//!   },
//!   "call_note": {"url": "https://crm.example.com/api/calls", "timeout_ms": 5000, "ticket_id": "/id"}
//! }}
//! ```
//!
//! - URLs: `http://` or `https://`, at most 2,048 characters; `{caller}` (E.164),
//!   `{caller_digits}` (digits only) and `{call_id}` are replaced, percent-encoded (`+` is
//!   sent as `%2B`). Any other `{…}` is refused. Timeouts 1–30,000 ms (lookup default 2,000,
//!   note default 5,000); the host's cap applies on top.
//! - `auth` (optional): header `<header>: <prefix><secret>` on every request; the secret is
//!   read from the installation's secrets, never from settings, and never logged.
//! - `card`: JSON pointers (RFC 6901). `record` picks the customer object (`""`, the default:
//!   the whole answer); everything else is relative to it. `id` (default `/id`) and `name`
//!   (default `/name`; the caller's number when missing); `fields` (≤ 20) in order; `tags`: an
//!   array of strings or one string; `history`: one card field per item of an array, labelled
//!   `label` (default `History`), at most `max` (1–20, default 5); `links` (≤ 20): the first
//!   found becomes the card's link, the others are shown as fields. Only strings, numbers and
//!   booleans are shown, cut to 256 characters.
//!
//! The card type has no separate history or link list, so history lines and extra links
//! arrive as labelled fields after the mapped ones.
//!
//! # Behaviour
//!
//! `lookup`: an `anonymous` caller is unknown without a request. `GET` the expanded URL with
//! `Accept: application/json`. 2xx with a record: the card; 2xx without one (missing or
//! `null` at `record`) or 404: unknown (`none`). Any other status, a timeout, a transport
//! failure or an answer that is not JSON is logged as a warning and the caller is treated as
//! unknown: a CRM outage must never hold up a call, so `lookup` never fails for it. A missing
//! or invalid setting, or a missing secret, is an `invalid-config` error.
//!
//! `on-call-ended`: without `call_note`, nothing. Otherwise `POST` the call summary as JSON
//! (`call_id`, `tenant_id`, `caller`, `dialled`, `queue`, `agent_id`, `started_at_ms`,
//! `wait_secs`, `talk_secs`, `outcome`, `wrap_up_code`, `data`). On 2xx, when `ticket_id`
//! finds an id in the answer, returns `add-note("CRM ticket <id>")`. Any other status or a
//! transport failure is logged as a warning and returned as an `upstream` error so the
//! platform records that the note was not delivered.
//!
//! What this plugin must never do: send the secret anywhere but the configured header, log
//! it, or fail a look-up because the CRM is down.

pub mod card;
pub mod config;
pub mod template;
#[cfg(test)]
mod tests;

use kefu_plugin_sdk::crm::kefu::plugin::config as settings;
use kefu_plugin_sdk::crm::kefu::plugin::crm_types::{CallSummary, CrmAction, CustomerCard};
use kefu_plugin_sdk::crm::kefu::plugin::http::{self, Method, Request, Response};
use kefu_plugin_sdk::crm::kefu::plugin::log::{Level, log};
use kefu_plugin_sdk::crm::kefu::plugin::types::{CallContext, ErrorKind, PluginError};

use crate::config::CrmConfig;
use crate::template::Values;

struct CrmHttp;

impl kefu_plugin_sdk::crm::Guest for CrmHttp {
    fn lookup(caller: String, context: CallContext) -> Result<Option<CustomerCard>, PluginError> {
        let config = settings_of()?;
        if caller == "anonymous" || caller.is_empty() || caller.len() > 64 {
            return Ok(None);
        }
        let values = Values {
            caller: &caller,
            call_id: &context.call_id,
        };
        let url = template::expand(&config.lookup.url, values).map_err(|e| {
            error(
                ErrorKind::InvalidConfig,
                format!("config `crm.lookup.url`: {e}"),
            )
        })?;
        let mut headers = vec![("Accept".to_owned(), "application/json".to_owned())];
        headers.extend(auth_header(&config)?);
        let request = Request {
            method: Method::Get,
            url,
            headers,
            body: None,
            timeout_ms: Some(config.lookup.timeout_ms),
        };
        let answer = match http::send(&request) {
            Ok(Response { status: 404, .. }) => return Ok(None),
            Ok(response) if (200..300).contains(&response.status) => response.body,
            Ok(response) => {
                warn(&format!(
                    "CRM look-up answered {}; caller treated as unknown",
                    response.status
                ));
                return Ok(None);
            }
            Err(e) => {
                warn(&format!(
                    "CRM look-up failed ({e:?}); caller treated as unknown"
                ));
                return Ok(None);
            }
        };
        match serde_json::from_slice(&answer) {
            Ok(answer) => Ok(card::card(&answer, &config.card, &caller)),
            Err(e) => {
                warn(&format!(
                    "CRM look-up answer is not JSON ({e}); caller treated as unknown"
                ));
                Ok(None)
            }
        }
    }

    fn on_call_ended(summary: CallSummary) -> Result<Vec<CrmAction>, PluginError> {
        let config = settings_of()?;
        let Some(note) = &config.call_note else {
            return Ok(Vec::new());
        };
        let values = Values {
            caller: &summary.caller,
            call_id: &summary.call_id,
        };
        let url = template::expand(&note.url, values).map_err(|e| {
            error(
                ErrorKind::InvalidConfig,
                format!("config `crm.call_note.url`: {e}"),
            )
        })?;
        let body = serde_json::to_vec(&card::note(&summary))
            .map_err(|e| error(ErrorKind::Internal, format!("call note: {e}")))?;
        let mut headers = vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("Accept".to_owned(), "application/json".to_owned()),
        ];
        headers.extend(auth_header(&config)?);
        let request = Request {
            method: Method::Post,
            url,
            headers,
            body: Some(body),
            timeout_ms: Some(note.timeout_ms),
        };
        let failure = match http::send(&request) {
            Ok(response) if (200..300).contains(&response.status) => {
                let ticket = note.ticket_id.as_deref().and_then(|pointer| {
                    let answer: serde_json::Value = serde_json::from_slice(&response.body).ok()?;
                    match answer.pointer(pointer)? {
                        serde_json::Value::String(s) if !s.is_empty() && s.len() <= 128 => {
                            Some(s.clone())
                        }
                        serde_json::Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    }
                });
                return Ok(ticket
                    .map(|id| CrmAction::AddNote(format!("CRM ticket {id}")))
                    .into_iter()
                    .collect());
            }
            Ok(response) => format!("the CRM answered {}", response.status),
            Err(e) => format!("the CRM could not be reached: {e:?}"),
        };
        let message = format!("call note for {} not posted: {failure}", summary.call_id);
        warn(&message);
        Err(error(ErrorKind::Upstream, message))
    }
}

fn settings_of() -> Result<CrmConfig, PluginError> {
    let json = settings::get("crm")
        .ok_or_else(|| error(ErrorKind::InvalidConfig, "config `crm` is not set"))?;
    CrmConfig::parse(&json).map_err(|e| error(ErrorKind::InvalidConfig, e))
}

/// The configured authentication header, its value from the installation's secrets.
fn auth_header(config: &CrmConfig) -> Result<Option<(String, String)>, PluginError> {
    let Some(auth) = &config.auth else {
        return Ok(None);
    };
    let secret = settings::secret(&auth.secret)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            error(
                ErrorKind::InvalidConfig,
                format!(
                    "secret `{}` (config `crm.auth.secret`) is not set",
                    auth.secret
                ),
            )
        })?;
    Ok(Some((
        auth.header.clone(),
        format!("{}{secret}", auth.prefix),
    )))
}

fn warn(message: &str) {
    log(Level::Warn, message);
}

fn error(kind: ErrorKind, message: impl Into<String>) -> PluginError {
    PluginError {
        kind,
        message: message.into(),
    }
}

kefu_plugin_sdk::crm::export_crm!(CrmHttp);
