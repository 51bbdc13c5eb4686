//! The `kv` capability: a small key/value store scoped to (tenant, plugin). In memory for now;
//! the store crate backs it later behind the same type.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Instant;

use crate::bindings::ivr::kefu::plugin::kv::{self, KvError};
use crate::store::StoreData;

/// Largest key, bytes.
const MAX_KEY: usize = 256;
/// Largest value, bytes.
const MAX_VALUE: usize = 64 << 10;
/// Most bytes (keys + values) one (tenant, plugin) may keep.
const QUOTA: usize = 1 << 20;

/// One (tenant, plugin)'s keys.
type Scope = BTreeMap<String, Vec<u8>>;

/// All installations' keys, partitioned by (tenant, plugin).
#[derive(Default)]
pub struct KvStore {
    scopes: Mutex<HashMap<(String, String), Scope>>,
}

impl KvStore {
    /// Stores `entries` for (`tenant`, `plugin`) as if the plugin had set them (size caps and
    /// quota are not checked: this is the operator's or test's doing, not the guest's).
    pub fn seed(&self, tenant: &str, plugin: &str, entries: BTreeMap<String, Vec<u8>>) {
        // A poisoned store is still a map; seeding it is as good as seeding a fresh one.
        let _ = self.with_scope(tenant, plugin, |scope| scope.extend(entries));
    }

    /// Everything (`tenant`, `plugin`) has stored.
    pub fn contents(&self, tenant: &str, plugin: &str) -> BTreeMap<String, Vec<u8>> {
        self.with_scope(tenant, plugin, |scope| scope.clone())
            .unwrap_or_default()
    }

    fn with_scope<R>(
        &self,
        tenant: &str,
        plugin: &str,
        f: impl FnOnce(&mut Scope) -> R,
    ) -> Result<R, KvError> {
        let mut scopes = self
            .scopes
            .lock()
            .map_err(|_| KvError::Unavailable("kv store poisoned".into()))?;
        Ok(f(scopes
            .entry((tenant.to_owned(), plugin.to_owned()))
            .or_default()))
    }
}

impl kv::Host for StoreData {
    fn get(&mut self, key: String) -> wasmtime::Result<Result<Option<Vec<u8>>, KvError>> {
        let started = Instant::now();
        let grant = self.grant.clone();
        let result = grant.kv.with_scope(
            &grant.installation.tenant.to_string(),
            &grant.plugin,
            |scope| scope.get(&key).cloned(),
        );
        let answer = crate::recorded::kv_get(&key, &result);
        self.record_answer(
            "kv",
            "get",
            started,
            format!(
                "{key} → {}",
                if matches!(result, Ok(Some(_))) {
                    "found"
                } else {
                    "none"
                }
            ),
            Some(answer),
        );
        Ok(result)
    }

    fn set(&mut self, key: String, value: Vec<u8>) -> wasmtime::Result<Result<(), KvError>> {
        let started = Instant::now();
        let grant = self.grant.clone();
        let result = if key.len() > MAX_KEY {
            Err(KvError::TooLarge(MAX_KEY as u32))
        } else if value.len() > MAX_VALUE {
            Err(KvError::TooLarge(MAX_VALUE as u32))
        } else {
            grant
                .kv
                .with_scope(
                    &grant.installation.tenant.to_string(),
                    &grant.plugin,
                    |scope| {
                        let used: usize = scope
                            .iter()
                            .filter(|(k, _)| **k != key)
                            .map(|(k, v)| k.len() + v.len())
                            .sum();
                        if used + key.len() + value.len() > QUOTA {
                            Err(KvError::QuotaExceeded)
                        } else {
                            scope.insert(key.clone(), value);
                            Ok(())
                        }
                    },
                )
                .and_then(|r| r)
        };
        let answer = crate::recorded::kv_write(&key, &result);
        self.record_answer(
            "kv",
            "set",
            started,
            format!("{key} → {}", if result.is_ok() { "ok" } else { "refused" }),
            Some(answer),
        );
        Ok(result)
    }

    fn delete(&mut self, key: String) -> wasmtime::Result<Result<(), KvError>> {
        let started = Instant::now();
        let grant = self.grant.clone();
        let result = grant.kv.with_scope(
            &grant.installation.tenant.to_string(),
            &grant.plugin,
            |scope| {
                scope.remove(&key);
            },
        );
        let answer = crate::recorded::kv_write(&key, &result);
        self.record_answer("kv", "delete", started, key, Some(answer));
        Ok(result)
    }
}
