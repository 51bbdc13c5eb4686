//! The scope each tenant's calls run with. Admission mints it (the telephony principal for the
//! trunk that admitted the call); the later steps of a call (its IVR turns, voicemail, events)
//! find it here. A tenant missing from the cache (a fresh process, a cleared cache, a call
//! recovered after a crash) gets the tenant's telephony scope from the store: a call's step is
//! never refused, and its event never dropped, for want of a cached scope.
//!
//! Never mints a scope itself: both sources are the store's authentication points.

use std::collections::HashMap;
use std::sync::Mutex;

use kefu_core::{TenantId, TenantScope};
use kefu_store::{Store, StoreError};

/// Most tenants kept; beyond this the cache starts again empty (refilled from admissions and
/// the store).
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

    /// Keeps the scope admission minted for its tenant's calls.
    pub fn admitted(&self, scope: &TenantScope) {
        let mut scopes = self.scopes.lock().unwrap_or_else(|p| p.into_inner());
        if scopes.len() >= MAX_TENANTS && !scopes.contains_key(&scope.tenant()) {
            scopes.clear();
        }
        scopes.insert(scope.tenant(), scope.clone());
    }

    /// The scope of `tenant`'s calls: the one admission kept, or the tenant's telephony scope
    /// from the store (then kept). An error only when the store fails or the tenant is gone.
    pub async fn of(&self, tenant: TenantId) -> Result<TenantScope, StoreError> {
        if let Some(scope) = self.cached(tenant) {
            return Ok(scope);
        }
        let scope = self.store.telephony_scope(tenant).await?;
        self.scopes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(tenant)
            .or_insert_with(|| scope.clone());
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
