//! A per-node cache of who a signed-in user is (user and tenant records as `/me` shows them).
//!
//! `/me` is read on every page load and poll of every browser; serving it from memory keeps the
//! database for real work. Entries are dropped when this node changes the user, and expire after
//! a short time so changes made through another node show up within `TTL`.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use bytes::Bytes;
use kefu_core::{TenantId, UserId};

/// How long an entry may be served without re-reading the database.
pub const TTL: Duration = Duration::from_secs(10);
/// Most entries kept.
const MAX_ENTRIES: usize = 100_000;

/// The cache: rendered `/me` bodies by user.
#[derive(Debug, Default)]
pub struct IdentityCache {
    entries: RwLock<HashMap<(TenantId, UserId), (Instant, Bytes)>>,
}

impl IdentityCache {
    /// The cached body for a user, if fresh at `now`.
    pub fn get(&self, tenant: TenantId, user: UserId, now: Instant) -> Option<Bytes> {
        let entries = self.entries.read().ok()?;
        let (at, body) = entries.get(&(tenant, user))?;
        (now.saturating_duration_since(*at) < TTL).then(|| body.clone())
    }

    /// Remember a body read at `now`.
    pub fn put(&self, tenant: TenantId, user: UserId, now: Instant, body: Bytes) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= MAX_ENTRIES {
                entries.retain(|_, (at, _)| now.saturating_duration_since(*at) < TTL);
                if entries.len() >= MAX_ENTRIES {
                    entries.clear();
                }
            }
            entries.insert((tenant, user), (now, body));
        }
    }

    /// Forget a user (after any change to them).
    pub fn forget(&self, tenant: TenantId, user: UserId) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(&(tenant, user));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_can_be_forgotten() {
        let cache = IdentityCache::default();
        let (t, u) = (TenantId::new(), UserId::new());
        let t0 = Instant::now();
        cache.put(t, u, t0, Bytes::from_static(b"me"));
        assert_eq!(
            cache.get(t, u, t0 + Duration::from_secs(1)).as_deref(),
            Some(&b"me"[..])
        );
        assert_eq!(cache.get(t, u, t0 + TTL), None, "stale after TTL");
        assert_eq!(
            cache.get(TenantId::new(), u, t0),
            None,
            "keyed by tenant too"
        );
        cache.forget(t, u);
        assert_eq!(cache.get(t, u, t0), None);
    }
}
