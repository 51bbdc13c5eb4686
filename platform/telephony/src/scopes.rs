//! The scope a tenant's telephony acts with where no one call is concerned: its routing for
//! the ACD engine, its prompts. That is the tenant's telephony principal without a trunk, from
//! the store, kept here. A call's own steps do not come here: they run as the scope admission
//! minted for the call (the trunk's), carried in the call's route.
//!
//! Never mints a scope itself: the store's telephony scope is an authentication point.

use std::collections::HashMap;
use std::sync::Mutex;

use kefu_core::{TenantId, TenantScope};
use kefu_store::{Store, StoreError};

/// Most tenants kept; beyond this the cache starts again empty (refilled from the store).
const MAX_TENANTS: usize = 100_000;

/// Telephony scopes by tenant.
pub struct CallScopes {
    store: Store,
    scopes: Mutex<HashMap<TenantId, TenantScope>>,
}

impl CallScopes {
    /// An empty cache over `store`.
    pub fn new(store: Store) -> CallScopes {
        CallScopes {
            store,
            scopes: Mutex::default(),
        }
    }

    /// The tenant's telephony scope (no trunk), from the store once, then kept. An error only
    /// when the store fails or the tenant is gone.
    pub async fn of(&self, tenant: TenantId) -> Result<TenantScope, StoreError> {
        if let Some(scope) = self.cached(tenant) {
            return Ok(scope);
        }
        let scope = self.store.telephony_scope(tenant).await?;
        let mut scopes = self.scopes.lock().unwrap_or_else(|p| p.into_inner());
        if scopes.len() >= MAX_TENANTS {
            scopes.clear();
        }
        scopes.insert(tenant, scope.clone());
        Ok(scope)
    }

    fn cached(&self, tenant: TenantId) -> Option<TenantScope> {
        self.scopes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&tenant)
            .cloned()
    }

    /// Forgets every kept scope (tests, and nothing else needs it).
    pub fn clear(&self) {
        self.scopes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}
