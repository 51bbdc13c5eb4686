//! Unit tests of the pure parts (native target): the setting's checks, URL templates, the
//! card mapping and the note document.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use kefu_plugin_sdk::crm::kefu::plugin::crm_types::{CallOutcome, CallSummary};
use serde_json::json;

use crate::card::{card, note};
use crate::config::CrmConfig;
use crate::template::{Values, encode, expand};

fn config(card: serde_json::Value) -> CrmConfig {
    CrmConfig::parse(
        &json!({"lookup": {"url": "https://crm.example.com/c?phone={caller}"}, "card": card})
            .to_string(),
    )
    .unwrap()
}

#[test]
fn templates_encode_the_caller_and_refuse_unknown_placeholders() {
    let values = Values {
        caller: "+86 138",
        call_id: "call_01",
    };
    assert_eq!(
        expand(
            "https://h/c?phone={caller}&d={caller_digits}/{call_id}",
            values
        )
        .unwrap(),
        "https://h/c?phone=%2B86%20138&d=86138/call_01"
    );
    assert!(
        expand("https://h/{name}", values)
            .unwrap_err()
            .contains("{name}")
    );
    assert!(expand("https://h/{caller", values).is_err());
    assert!(expand("https://h/caller}", values).is_err());
    assert_eq!(encode("a-Z_0.~/?"), "a-Z_0.~%2F%3F");
}

#[test]
fn bad_settings_are_refused_naming_the_field() {
    let parse = |v: serde_json::Value| CrmConfig::parse(&v.to_string()).unwrap_err();
    let lookup = json!({"url": "https://crm.example.com/{caller}"});
    assert!(parse(json!({"lookup": {"url": "crm.example.com"}})).contains("crm.lookup.url"));
    assert!(parse(json!({"lookup": {"url": "https://h/{who}"}})).contains("crm.lookup.url"));
    assert!(
        parse(json!({"lookup": {"url": "https://h/", "timeout_ms": 0}})).contains("timeout_ms")
    );
    assert!(
        parse(json!({"lookup": lookup, "auth": {"header": "Bad Header", "secret": "s"}}))
            .contains("crm.auth.header")
    );
    assert!(parse(json!({"lookup": lookup, "card": {"name": "name"}})).contains("crm.card.name"));
    assert!(
        parse(json!({"lookup": lookup, "card": {"fields": [{"label": "", "value": "/a"}]}}))
            .contains("crm.card.fields[0].label")
    );
    assert!(
        parse(json!({"lookup": lookup, "card": {"history": {"items": "/h", "max": 50}}}))
            .contains("crm.card.history.max")
    );
    assert!(
        parse(json!({"lookup": lookup, "call_note": {"url": "ftp://h/"}}))
            .contains("crm.call_note.url")
    );
    assert!(parse(json!({"lookup": lookup, "cache": true})).contains("cache"));
}

#[test]
fn the_answer_maps_to_a_card() {
    let mapping = config(json!({
        "record": "/results/0", "name": "/full_name",
        "fields": [{"label": "Tier", "value": "/tier"}, {"label": "Balance", "value": "/balance"},
                   {"label": "Missing", "value": "/nope"}],
        "tags": "/labels",
        "history": {"items": "/tickets", "text": "/subject", "label": "Ticket", "max": 2},
        "links": [{"label": "CRM", "value": "/url"}, {"label": "Orders", "value": "/orders_url"}],
    }));
    let answer = json!({"results": [{
        "id": 42, "full_name": "Li Wei", "tier": "Gold", "balance": 12.5,
        "labels": ["vip", 7, {"x": 1}],
        "tickets": [{"subject": "Router broken"}, {"subject": "Refund"}, {"subject": "Old"}],
        "url": "https://crm.example.com/c/42", "orders_url": "https://crm.example.com/o/42",
    }]});
    let c = card(&answer.clone(), &mapping.card, "+8613800138000").unwrap();
    assert_eq!(c.customer_id.as_deref(), Some("42"));
    assert_eq!(c.display_name, "Li Wei");
    assert_eq!(c.tags, vec!["vip".to_owned(), "7".to_owned()]);
    assert_eq!(c.url.as_deref(), Some("https://crm.example.com/c/42"));
    let field = |label: &str, value: &str| (label.to_owned(), value.to_owned());
    let fields: Vec<(String, String)> = c.fields.into_iter().map(|f| (f.label, f.value)).collect();
    assert_eq!(
        fields,
        vec![
            field("Tier", "Gold"),
            field("Balance", "12.5"),
            field("Ticket", "Router broken"),
            field("Ticket", "Refund"),
            field("Orders", "https://crm.example.com/o/42"),
        ]
    );
    // A search that found nothing, or a null record: unknown caller.
    assert!(card(&json!({"results": []}), &mapping.card, "+86").is_none());
    assert!(card(&json!({"results": [null]}), &mapping.card, "+86").is_none());
}

#[test]
fn defaults_use_id_and_name_and_fall_back_to_the_number_and_cut_long_values() {
    let mapping = config(json!({"fields": [{"label": "Note", "value": "/note"}]}));
    let long = "x".repeat(1_000);
    let c = card(
        &json!({"id": "c-1", "note": long}),
        &mapping.card,
        "+8613800138000",
    )
    .unwrap();
    assert_eq!(c.display_name, "+8613800138000");
    assert_eq!(c.customer_id.as_deref(), Some("c-1"));
    assert_eq!(c.fields[0].value.chars().count(), 256);
    assert!(c.fields[0].value.ends_with('…'));
}

#[test]
fn the_note_carries_the_call_summary() {
    let summary = CallSummary {
        call_id: "call_01".into(),
        tenant_id: "ten_1".into(),
        caller: "+8613800138000".into(),
        dialled: "+862150000000".into(),
        queue: Some("sales".into()),
        agent_id: Some("agt_1".into()),
        started_at_ms: 1_795_000_000_000,
        wait_secs: 30,
        talk_secs: 120,
        outcome: CallOutcome::SelfService,
        wrap_up_code: None,
        data: vec![("member".into(), "true".into())],
        required_skills: Vec::new(),
    };
    let doc = note(&summary);
    assert_eq!(doc["outcome"], "self-service");
    assert_eq!(doc["queue"], "sales");
    assert_eq!(doc["wrap_up_code"], serde_json::Value::Null);
    assert_eq!(doc["data"], json!({"member": "true"}));
    assert_eq!(doc["talk_secs"], 120);
}
