//! The CRM's JSON answer → a customer card, by the configured pointers, and the post-call
//! note document. Pure: bounded output, no host calls.

use kefu_plugin_sdk::crm::kefu::plugin::crm_types::{
    CallOutcome, CallSummary, CardField, CustomerCard,
};
use serde_json::Value;

use crate::config::{CardMapping, MAX_FIELDS, MAX_HISTORY};

/// Longest value shown on a card (longer ones are cut, with `…`).
const MAX_VALUE: usize = 256;
/// Most tags kept.
const MAX_TAGS: usize = 20;
/// Longest tag kept.
const MAX_TAG: usize = 64;

/// The card for `answer`, or `None` when the mapping's record is missing or `null` (the CRM
/// does not know the caller).
pub fn card(answer: &Value, mapping: &CardMapping, caller: &str) -> Option<CustomerCard> {
    let record = answer.pointer(&mapping.record).filter(|r| !r.is_null())?;
    let text = |pointer: &str| record.pointer(pointer).and_then(scalar);
    let mut fields: Vec<CardField> = mapping
        .fields
        .iter()
        .filter_map(|f| {
            text(&f.value).map(|value| CardField {
                label: f.label.clone(),
                value,
            })
        })
        .collect();
    if let Some(history) = &mapping.history
        && let Some(items) = record.pointer(&history.items).and_then(Value::as_array)
    {
        let lines = items
            .iter()
            .filter_map(|item| item.pointer(&history.text).and_then(scalar))
            .take(history.max.min(MAX_HISTORY));
        fields.extend(lines.map(|value| CardField {
            label: history.label.clone(),
            value,
        }));
    }
    let mut links = mapping
        .links
        .iter()
        .filter_map(|l| Some((l, text(&l.value)?)));
    let url = links.next().map(|(_, url)| url);
    fields.extend(links.take(MAX_FIELDS).map(|(l, url)| CardField {
        label: l.label.clone(),
        value: url,
    }));
    Some(CustomerCard {
        customer_id: text(&mapping.id),
        display_name: text(&mapping.name).unwrap_or_else(|| caller.to_owned()),
        fields,
        tags: mapping
            .tags
            .as_deref()
            .map(|p| tags(record.pointer(p)))
            .unwrap_or_default(),
        url,
    })
}

/// A string, number or boolean as text (cut to [`MAX_VALUE`]); anything else is absent.
fn scalar(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(s) if !s.trim().is_empty() => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    Some(cut(text, MAX_VALUE))
}

fn tags(value: Option<&Value>) -> Vec<String> {
    let one = |v: &Value| scalar(v).map(|t| cut(t, MAX_TAG));
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(one).take(MAX_TAGS).collect(),
        Some(v) => one(v).into_iter().collect(),
        None => Vec::new(),
    }
}

/// At most `max` characters; a cut value ends with `…`.
fn cut(text: String, max: usize) -> String {
    if text.chars().count() <= max {
        return text;
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

/// The JSON posted to the note endpoint when a call ends.
pub fn note(summary: &CallSummary) -> Value {
    let data: serde_json::Map<String, Value> = summary
        .data
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    serde_json::json!({
        "call_id": summary.call_id,
        "tenant_id": summary.tenant_id,
        "caller": summary.caller,
        "dialled": summary.dialled,
        "queue": summary.queue,
        "agent_id": summary.agent_id,
        "started_at_ms": summary.started_at_ms,
        "wait_secs": summary.wait_secs,
        "talk_secs": summary.talk_secs,
        "outcome": outcome(summary.outcome),
        "wrap_up_code": summary.wrap_up_code,
        "data": data,
    })
}

fn outcome(outcome: CallOutcome) -> &'static str {
    match outcome {
        CallOutcome::Answered => "answered",
        CallOutcome::Abandoned => "abandoned",
        CallOutcome::Voicemail => "voicemail",
        CallOutcome::Transferred => "transferred",
        CallOutcome::SelfService => "self-service",
        CallOutcome::Failed => "failed",
    }
}
