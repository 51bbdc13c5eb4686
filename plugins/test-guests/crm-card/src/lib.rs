//! A small CRM plugin for kefu-plugin-host's tests. `lookup` finds the caller in the
//! installation's config `customers` (`{"+86…": "Name"}`) and returns a card; the caller
//! `loop` spins forever (to test limits). `on-call-ended` links the customer (from call data
//! `customer-id`) and adds a note, and schedules a call back for abandoned calls.

use std::hint::black_box;

use kefu_plugin_sdk::crm::kefu::plugin::config;
use kefu_plugin_sdk::crm::kefu::plugin::crm_types::{
    CallOutcome, CallSummary, Callback, CardField, CrmAction, CustomerCard,
};
use kefu_plugin_sdk::crm::kefu::plugin::types::{CallContext, ErrorKind, PluginError};

struct CrmCard;

impl kefu_plugin_sdk::crm::Guest for CrmCard {
    fn lookup(caller: String, context: CallContext) -> Result<Option<CustomerCard>, PluginError> {
        if caller == "loop" {
            let mut n: u64 = 0;
            loop {
                n = black_box(n.wrapping_add(1));
            }
        }
        let customers = config::get("customers").unwrap_or_else(|| "{}".into());
        let customers: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&customers).map_err(|e| PluginError {
                kind: ErrorKind::InvalidConfig,
                message: format!("config `customers` is not valid: {e}"),
            })?;
        Ok(customers
            .get(&caller)
            .and_then(|name| name.as_str())
            .map(|name| CustomerCard {
                customer_id: None,
                display_name: name.to_owned(),
                fields: vec![CardField {
                    label: "Call".into(),
                    value: context.call_id.clone(),
                }],
                tags: vec!["known".into()],
                url: None,
            }))
    }

    fn on_call_ended(summary: CallSummary) -> Result<Vec<CrmAction>, PluginError> {
        let mut actions = Vec::new();
        if let Some((_, id)) = summary.data.iter().find(|(k, _)| k == "customer-id") {
            actions.push(CrmAction::LinkCustomer(id.clone()));
        }
        actions.push(CrmAction::AddNote(format!(
            "{:?} after {} s waiting, {} s talking",
            summary.outcome, summary.wait_secs, summary.talk_secs
        )));
        if summary.outcome == CallOutcome::Abandoned
            && let Some(queue) = summary.queue
        {
            actions.push(CrmAction::ScheduleCallback(Callback {
                number: summary.caller,
                at_ms: summary.started_at_ms + 3_600_000,
                queue,
            }));
        }
        Ok(actions)
    }
}

kefu_plugin_sdk::crm::export_crm!(CrmCard);
