//! An integration plugin for kefu-plugin-host's tests. For each domain event it logs the kind
//! and stores the event id under kv key `last-event` (de-duplication: an id seen last time is
//! skipped with a log line). Kind `test.fail` returns an upstream error; `test.loop` spins.

use std::hint::black_box;

use kefu_plugin_sdk::integration::kefu::plugin::integration_types::DomainEvent;
use kefu_plugin_sdk::integration::kefu::plugin::kv;
use kefu_plugin_sdk::integration::kefu::plugin::log::{Level, log};
use kefu_plugin_sdk::integration::kefu::plugin::types::{ErrorKind, PluginError};

struct WebhookLog;

impl kefu_plugin_sdk::integration::Guest for WebhookLog {
    fn on_event(event: DomainEvent) -> Result<(), PluginError> {
        match event.kind.as_str() {
            "test.fail" => {
                return Err(PluginError {
                    kind: ErrorKind::Upstream,
                    message: "the webhook endpoint is down".into(),
                });
            }
            "test.loop" => {
                let mut n: u64 = 0;
                loop {
                    n = black_box(n.wrapping_add(1));
                }
            }
            _ => {}
        }
        let upstream = |e: kv::KvError| PluginError {
            kind: ErrorKind::Upstream,
            message: format!("kv: {e:?}"),
        };
        if kv::get("last-event").map_err(upstream)?.as_deref() == Some(event.id.as_bytes()) {
            log(Level::Info, &format!("duplicate {}", event.id));
            return Ok(());
        }
        kv::set("last-event", event.id.as_bytes()).map_err(upstream)?;
        log(Level::Info, &format!("{} {}", event.kind, event.id));
        Ok(())
    }
}

kefu_plugin_sdk::integration::export_integration!(WebhookLog);
