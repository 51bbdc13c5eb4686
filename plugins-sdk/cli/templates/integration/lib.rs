//! `{{name}}`: an integration plugin for Kefu (the `integration` world).
//!
//! Posts every `call.ended` event's payload to the installation's webhook (config
//! `webhook_url`, a JSON string), with the secret `webhook-token` (when set) as a bearer
//! token. Other events are ignored. A webhook answering anything but 2xx is an upstream
//! error, which the invocation log shows.

use kefu_plugin_sdk::integration::kefu::plugin::integration_types::DomainEvent;
use kefu_plugin_sdk::integration::kefu::plugin::log::{Level, log};
use kefu_plugin_sdk::integration::kefu::plugin::types::{ErrorKind, PluginError};
use kefu_plugin_sdk::integration::kefu::plugin::{config, http};

struct Plugin;

fn error(kind: ErrorKind, message: impl Into<String>) -> PluginError {
    PluginError {
        kind,
        message: message.into(),
    }
}

impl kefu_plugin_sdk::integration::Guest for Plugin {
    fn on_event(event: DomainEvent) -> Result<(), PluginError> {
        if event.kind != "call.ended" {
            return Ok(());
        }
        let url: String = config::get("webhook_url")
            .ok_or_else(|| error(ErrorKind::InvalidConfig, "config `webhook_url` is not set"))
            .and_then(|json| {
                serde_json::from_str(&json).map_err(|e| {
                    error(ErrorKind::InvalidConfig, format!("config `webhook_url`: {e}"))
                })
            })?;
        let mut headers = vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            ("x-kefu-event-id".to_owned(), event.id.clone()),
        ];
        if let Some(token) = config::secret("webhook-token") {
            headers.push(("authorization".to_owned(), format!("Bearer {token}")));
        }
        let request = http::Request {
            method: http::Method::Post,
            url,
            headers,
            body: Some(event.payload_json.into_bytes()),
            timeout_ms: Some(2_000),
        };
        let response = http::send(&request)
            .map_err(|e| error(ErrorKind::Upstream, format!("webhook failed: {e:?}")))?;
        if !(200..300).contains(&response.status) {
            return Err(error(
                ErrorKind::Upstream,
                format!("webhook answered {}", response.status),
            ));
        }
        log(Level::Info, &format!("posted {} {}", event.kind, event.id));
        Ok(())
    }
}

kefu_plugin_sdk::integration::export_integration!(Plugin);
