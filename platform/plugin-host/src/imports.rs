//! The small capabilities: `log`, `config` and `customers`.

use std::time::Instant;

use serde_json::json;

use crate::bindings::ivr::kefu::plugin::{config, customers, log};
use crate::invocation::LogLine;
use crate::store::StoreData;

/// Longest log message kept, bytes; longer ones are cut.
const MAX_LOG_MESSAGE: usize = 2_000;

impl log::Host for StoreData {
    fn log(&mut self, level: log::Level, mut message: String) -> wasmtime::Result<()> {
        if self.logs.len() >= self.grant.installation.limits.max_log_lines {
            return Ok(());
        }
        if message.len() > MAX_LOG_MESSAGE {
            let mut cut = MAX_LOG_MESSAGE;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
        }
        let level = match level {
            log::Level::Trace => "trace",
            log::Level::Debug => "debug",
            log::Level::Info => "info",
            log::Level::Warn => "warn",
            log::Level::Error => "error",
        };
        self.logs.push(LogLine {
            level: level.into(),
            message,
        });
        Ok(())
    }
}

impl config::Host for StoreData {
    fn get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        let started = Instant::now();
        let text = self.grant.installation.config_text(&key);
        let found = if text.is_some() { "set" } else { "not set" };
        // The record keeps the setting as JSON text: one string instead of a copy of the
        // value's tree (which cost as much as the rest of an IVR event's record).
        let mut answer = serde_json::Map::with_capacity(3);
        answer.insert("key".into(), serde_json::Value::String(key.clone()));
        answer.insert("set".into(), serde_json::Value::Bool(text.is_some()));
        if let Some(text) = &text {
            answer.insert("value_json".into(), serde_json::Value::String(text.to_string()));
        }
        self.record_answer(
            "config",
            "get",
            started,
            format!("{key} → {found}"),
            Some(serde_json::Value::Object(answer)),
        );
        Ok(text.map(|t| t.to_string()))
    }

    fn secret(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        let started = Instant::now();
        let value = self.grant.installation.secrets.get(&key).cloned();
        // Never the value: the invocation log must not hold secrets.
        let found = if value.is_some() { "set" } else { "not set" };
        let answer = json!({ "key": key, "present": value.is_some() });
        self.record_answer(
            "config",
            "secret",
            started,
            format!("{key} → {found}"),
            Some(answer),
        );
        Ok(value)
    }
}

impl customers::Host for StoreData {
    fn find_by_phone(
        &mut self,
        _phone: String,
    ) -> wasmtime::Result<Result<Option<customers::Customer>, customers::CustomersError>> {
        let started = Instant::now();
        self.record_answer(
            "customers",
            "find-by-phone",
            started,
            "directory not connected".into(),
            Some(json!({ "error": "unavailable" })),
        );
        Ok(Err(customers::CustomersError::Unavailable(
            "the customer directory is not connected to plugins yet".into(),
        )))
    }

    fn get(
        &mut self,
        _id: String,
    ) -> wasmtime::Result<Result<Option<customers::Customer>, customers::CustomersError>> {
        let started = Instant::now();
        self.record_answer(
            "customers",
            "get",
            started,
            "directory not connected".into(),
            Some(json!({ "error": "unavailable" })),
        );
        Ok(Err(customers::CustomersError::Unavailable(
            "the customer directory is not connected to plugins yet".into(),
        )))
    }
}
