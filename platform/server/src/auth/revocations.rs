//! Users whose tokens were voided, kept in memory so that checking a token needs no database
//! read. Loaded at start-up from the users' `tokens_valid_after`, updated on every change this
//! node makes. Entries older than the access-token lifetime could be dropped; the map is small
//! (one entry per user whose role or status changed recently), so it is simply kept.

use std::collections::HashMap;
use std::sync::RwLock;

use chrono::{DateTime, Utc};
use kefu_core::{TenantId, UserId};

/// Revocation instants per user (milliseconds), and single tokens revoked by logout (by `jti`,
/// with their expiry in seconds so they can be dropped once they would have expired anyway).
#[derive(Debug, Default)]
pub struct Revocations {
    by_user: RwLock<HashMap<(TenantId, UserId), i64>>,
    tokens: RwLock<HashMap<String, i64>>,
}

impl Revocations {
    /// Tokens of `user` issued before `at` are void.
    pub fn note(&self, tenant: TenantId, user: UserId, at: DateTime<Utc>) {
        if let Ok(mut map) = self.by_user.write() {
            let ms = at.timestamp_millis();
            let e = map.entry((tenant, user)).or_insert(ms);
            *e = (*e).max(ms);
        }
    }

    /// Void one token until `expires_at` (seconds). Expired entries are pruned here.
    pub fn note_token(&self, jti: &str, expires_at: i64, now: i64) {
        if let Ok(mut map) = self.tokens.write() {
            map.retain(|_, exp| *exp >= now);
            map.insert(jti.to_owned(), expires_at);
        }
    }

    /// Was this token (issued at `issued_ms`, id `jti`) voided? A poisoned lock fails closed.
    pub fn is_revoked(&self, tenant: TenantId, user: UserId, issued_ms: i64, jti: &str) -> bool {
        let by_user = match self.by_user.read() {
            Ok(map) => map.get(&(tenant, user)).is_some_and(|&at| issued_ms < at),
            Err(_) => true,
        };
        by_user
            || match self.tokens.read() {
                Ok(map) => map.contains_key(jti),
                Err(_) => true,
            }
    }
}
