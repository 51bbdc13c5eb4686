//! `{{name}}`: an IVR plugin for Kefu (the `ivr` world).
//!
//! The caller hears the tenant prompt `welcome` and presses a key; the installation's config
//! `queues` maps keys to queues (`{"1": "sales", "2": "support"}` when not set). A key that
//! maps to nothing, or no key at all, plays `invalid-option` and asks once more; the second
//! time the call goes to the queue of key `0`, else the first queue.
//!
//! The plugin is stateless: a fresh instance answers each event, and what it must remember
//! (that it already asked twice) travels in the call's data.

use std::collections::BTreeMap;

use kefu_plugin_sdk::ivr::{
    self, Action, CallContext, CallData, CollectDigits, Enqueue, Event, PluginError, Prompt,
};

struct Plugin;

/// Keys to queues, from config `queues`.
fn queues() -> Result<BTreeMap<String, String>, PluginError> {
    match ivr::config::get("queues") {
        None => Ok(BTreeMap::from([
            ("1".to_owned(), "sales".to_owned()),
            ("2".to_owned(), "support".to_owned()),
        ])),
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| PluginError::invalid_config(format!("config `queues`: {e}"))),
    }
}

fn menu(prompts: Vec<Prompt>) -> Action {
    CollectDigits::one_digit("menu").prompt(prompts).into()
}

impl ivr::Guest for Plugin {
    fn on_event(context: CallContext, event: Event) -> Result<Vec<Action>, PluginError> {
        match event {
            Event::CallStarted => Ok(vec![Action::Answer, menu(vec![Prompt::tenant("welcome")])]),
            Event::DigitsCollected(collected) if collected.tag == "menu" => {
                let queues = queues()?;
                if let Some(queue) = queues.get(&collected.digits) {
                    ivr::log::log(ivr::log::Level::Info, &format!("menu → {queue}"));
                    return Ok(vec![Enqueue::to(queue).into()]);
                }
                if context.data("menu.retried").is_none() {
                    return Ok(vec![
                        Action::set("menu.retried", "yes"),
                        menu(vec![Prompt::system("invalid-option"), Prompt::tenant("welcome")]),
                    ]);
                }
                let fallback = queues
                    .get("0")
                    .or_else(|| queues.values().next())
                    .ok_or_else(|| PluginError::invalid_config("config `queues` is empty"))?;
                Ok(vec![Enqueue::to(fallback).into()])
            }
            // Prompts finishing, queue updates, …: nothing to do.
            _ => Ok(Vec::new()),
        }
    }
}

ivr::export_ivr!(Plugin);
