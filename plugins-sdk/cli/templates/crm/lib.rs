//! `{{name}}`: a CRM plugin for Kefu (the `crm` world).
//!
//! `lookup` asks the tenant's CRM for the caller: `GET {crm_url}/customers?phone=<caller>`
//! with the installation's secret `api-token` as a bearer token. A `200` with
//! `{"id", "name", "tier"}` becomes the agent's screen-pop card; a `404` means an unknown
//! caller (no card). `on-call-ended` notes how the call went and links the customer when the
//! call's data has a `customer-id`.
//!
//! Config: `crm_url` (a JSON string, e.g. `"https://crm.example.com/api"`); its host must be
//! in the manifest's `http.allowed_hosts`.

use kefu_plugin_sdk::crm::kefu::plugin::crm_types::{
    CallSummary, CardField, CrmAction, CustomerCard,
};
use kefu_plugin_sdk::crm::kefu::plugin::types::{CallContext, ErrorKind, PluginError};
use kefu_plugin_sdk::crm::kefu::plugin::{config, http};

struct Plugin;

fn error(kind: ErrorKind, message: impl Into<String>) -> PluginError {
    PluginError {
        kind,
        message: message.into(),
    }
}

/// The CRM's base URL, from config `crm_url`.
fn crm_url() -> Result<String, PluginError> {
    let json = config::get("crm_url")
        .ok_or_else(|| error(ErrorKind::InvalidConfig, "config `crm_url` is not set"))?;
    serde_json::from_str(&json)
        .map_err(|e| error(ErrorKind::InvalidConfig, format!("config `crm_url`: {e}")))
}

/// A phone number as a query value (E.164 has only `+` and digits to worry about).
fn query_value(phone: &str) -> String {
    phone.replace('+', "%2B")
}

impl kefu_plugin_sdk::crm::Guest for Plugin {
    fn lookup(caller: String, _context: CallContext) -> Result<Option<CustomerCard>, PluginError> {
        if caller == "anonymous" {
            return Ok(None);
        }
        let mut headers = vec![("accept".to_owned(), "application/json".to_owned())];
        if let Some(token) = config::secret("api-token") {
            headers.push(("authorization".to_owned(), format!("Bearer {token}")));
        }
        let request = http::Request {
            method: http::Method::Get,
            url: format!("{}/customers?phone={}", crm_url()?, query_value(&caller)),
            headers,
            body: None,
            timeout_ms: Some(1_000),
        };
        let response = http::send(&request)
            .map_err(|e| error(ErrorKind::Upstream, format!("CRM request failed: {e:?}")))?;
        match response.status {
            200 => {}
            404 => return Ok(None),
            status => {
                return Err(error(ErrorKind::Upstream, format!("CRM answered {status}")));
            }
        }
        let customer: serde_json::Value = serde_json::from_slice(&response.body)
            .map_err(|e| error(ErrorKind::Upstream, format!("CRM answer is not JSON: {e}")))?;
        let text = |key: &str| customer.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        let name = text("name")
            .ok_or_else(|| error(ErrorKind::Upstream, "CRM answer has no `name`"))?;
        Ok(Some(CustomerCard {
            customer_id: text("id"),
            display_name: name,
            fields: text("tier")
                .map(|tier| CardField {
                    label: "Tier".into(),
                    value: tier,
                })
                .into_iter()
                .collect(),
            tags: Vec::new(),
            url: None,
        }))
    }

    fn on_call_ended(summary: CallSummary) -> Result<Vec<CrmAction>, PluginError> {
        let mut actions = Vec::new();
        if let Some((_, id)) = summary.data.iter().find(|(key, _)| key == "customer-id") {
            actions.push(CrmAction::LinkCustomer(id.clone()));
        }
        actions.push(CrmAction::AddNote(format!(
            "{:?}: waited {} s, talked {} s",
            summary.outcome, summary.wait_secs, summary.talk_secs
        )));
        Ok(actions)
    }
}

kefu_plugin_sdk::crm::export_crm!(Plugin);
