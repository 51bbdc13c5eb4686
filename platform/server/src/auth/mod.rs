//! Authentication: passwords, signed access tokens, refresh-token sessions, and the extractor
//! that turns a bearer token into a [`TenantScope`].
//!
//! This module is the only place that mints a `TenantScope` (clippy's `disallowed-methods`
//! enforces it). Access tokens are EdDSA JWTs with a `kid`; a token is accepted only if its
//! signature, algorithm, issuer, audience and times check out and it was issued after the
//! user's last revocation (role change, disable), which is kept in memory so no request needs a
//! database read to be authenticated.

mod extract;
mod keys;
mod password;
mod rate;
mod refresh;
mod revocations;
mod strength;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use kefu_core::{Role, TenantId, TenantScope, UserId};
use kefu_store::Store;
use kefu_store::credentials::{Credential, NewRefresh, Refresh};

use crate::problem::Problem;
use serde::{Deserialize, Serialize};

pub use extract::Authed;
pub use keys::{Jwks, KeyRing};
pub use password::{hash_password, verify_password};
pub use rate::RateLimiter;
pub use refresh::{hash_bytes, hash_secret, new_secret};
pub use revocations::Revocations;
pub use strength::{
    MAX_LEN as MAX_PASSWORD_LEN, PasswordContext, PasswordError, check_password_policy,
};

/// Issuer of our tokens.
pub const ISSUER: &str = "kefu";
/// Audience of access tokens for the API.
pub const AUDIENCE: &str = "kefu-api";

/// What an access token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer (`kefu`).
    pub iss: String,
    /// Audience (`kefu-api`).
    pub aud: String,
    /// The user.
    pub sub: UserId,
    /// The tenant.
    pub tid: TenantId,
    /// The user's role when the token was issued.
    pub role: Role,
    /// Issued at (seconds).
    pub iat: i64,
    /// Issued at (milliseconds): compared with revocations, which have millisecond precision.
    pub iat_ms: i64,
    /// Not before (seconds).
    pub nbf: i64,
    /// Expires (seconds).
    pub exp: i64,
    /// Token id.
    pub jti: String,
}

/// The access token behind a request, for revoking it at logout.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    /// Its `jti`.
    pub id: String,
    /// Its `exp` (seconds).
    pub expires_at: i64,
}

/// Why a token was refused (never shown in detail to the caller beyond "invalid token").
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Not a well-formed JWT, or a header we do not accept (e.g. `alg: none`).
    #[error("malformed token: {0}")]
    Malformed(String),
    /// The `kid` is not one of our current keys.
    #[error("unknown signing key")]
    UnknownKey,
    /// Signature, issuer, audience or time checks failed.
    #[error("token rejected: {0}")]
    Rejected(String),
    /// The user's tokens were revoked after this one was issued.
    #[error("token revoked")]
    Revoked,
}

/// A signed-in session as returned by sign-up, login, refresh and invitation acceptance.
#[derive(Debug, Clone)]
pub struct IssuedSession {
    /// The JWT.
    pub access_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// The opaque refresh token (only its hash is stored).
    pub refresh_token: String,
    /// Who signed in.
    pub credential: Credential,
}

/// Authentication state shared by all requests.
#[derive(Debug)]
pub struct Auth {
    keys: KeyRing,
    revocations: Revocations,
    access_ttl: Duration,
    refresh_ttl: Duration,
}

impl Auth {
    /// Load (or on first start, generate) the signing keys and the recent revocations.
    pub async fn load(
        store: &Store,
        access_ttl: Duration,
        refresh_ttl: Duration,
    ) -> anyhow::Result<Arc<Auth>> {
        let keys = KeyRing::load_or_create(store, access_ttl).await?;
        let revocations = Revocations::default();
        let since = Utc::now() - chrono::Duration::from_std(access_ttl)?;
        for r in store.revocations_since(since).await? {
            revocations.note(r.tenant, r.user, r.valid_after);
        }
        Ok(Arc::new(Auth {
            keys,
            revocations,
            access_ttl,
            refresh_ttl,
        }))
    }

    /// The key ring (rotation, JWKS).
    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }

    /// Record that `user`'s tokens issued before `at` are void (this node; see DESIGN
    /// scale-out for the bus that carries it to others).
    pub fn revoke(&self, tenant: TenantId, user: UserId, at: chrono::DateTime<Utc>) {
        self.revocations.note(tenant, user, at);
    }

    /// Start a new session (a new refresh-token family) for a credential whose secret was
    /// just checked.
    pub async fn start_session(
        &self,
        store: &Store,
        credential: Credential,
    ) -> Result<IssuedSession, Problem> {
        let (access_token, expires_in) = self.sign_access(&credential)?;
        let refresh_token = new_secret("kefu_rt_");
        let hash = hash_secret(&refresh_token);
        store
            .start_session(
                credential.tenant.id,
                credential.user.id,
                NewRefresh {
                    hash: &hash,
                    expires_at: self.refresh_expiry(),
                },
            )
            .await?;
        Ok(IssuedSession {
            access_token,
            expires_in,
            refresh_token,
            credential,
        })
    }

    /// Present a refresh token: rotate it within its family, or refuse it. Presenting a
    /// token that was already used revokes the whole family (someone replayed it).
    pub async fn refresh(&self, store: &Store, presented: &str) -> Result<IssuedSession, Problem> {
        let refresh_token = new_secret("kefu_rt_");
        let hash = hash_secret(&refresh_token);
        let next = NewRefresh {
            hash: &hash,
            expires_at: self.refresh_expiry(),
        };
        match store.rotate_session(&hash_secret(presented), next).await? {
            Refresh::Rotated(credential) => {
                let (access_token, expires_in) = self.sign_access(&credential)?;
                Ok(IssuedSession {
                    access_token,
                    expires_in,
                    refresh_token,
                    credential: *credential,
                })
            }
            Refresh::Reused => Err(Problem::unauthorized(
                "this refresh token was already used; the session has been revoked, sign in again",
            )
            .field("refresh_token")),
            Refresh::Invalid => Err(Problem::unauthorized(
                "the refresh token is unknown, expired or revoked; sign in again",
            )
            .field("refresh_token")),
        }
    }

    fn refresh_expiry(&self) -> chrono::DateTime<Utc> {
        Utc::now() + chrono::Duration::seconds(self.refresh_ttl.as_secs() as i64)
    }

    /// Sign an access token for a credential.
    pub fn sign_access(&self, credential: &Credential) -> Result<(String, u64), Problem> {
        let now = Utc::now();
        let ttl = self.access_ttl.as_secs();
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: credential.user.id,
            tid: credential.tenant.id,
            role: credential.user.role,
            iat: now.timestamp(),
            iat_ms: now.timestamp_millis(),
            nbf: now.timestamp(),
            exp: now.timestamp() + ttl as i64,
            jti: kefu_core::id::next_ulid().to_string(),
        };
        let token = self.keys.sign(&claims).map_err(Problem::internal)?;
        Ok((token, ttl))
    }

    /// Verify an access token and mint the scope it proves.
    pub fn verify(&self, token: &str) -> Result<(TenantScope, TokenInfo), TokenError> {
        let claims = self.keys.verify(token)?;
        if self
            .revocations
            .is_revoked(claims.tid, claims.sub, claims.iat_ms, &claims.jti)
        {
            return Err(TokenError::Revoked);
        }
        let info = TokenInfo {
            id: claims.jti,
            expires_at: claims.exp,
        };
        #[allow(clippy::disallowed_methods)] // authentication: the token was just verified
        let scope = TenantScope::authenticated(claims.tid, claims.sub, claims.role);
        Ok((scope, info))
    }

    /// Void one access token (logout) until it would have expired anyway.
    pub fn revoke_token(&self, token: &TokenInfo) {
        self.revocations
            .note_token(&token.id, token.expires_at, Utc::now().timestamp());
    }

    /// Mint the scope for a credential whose password (or invitation, or refresh token) was
    /// just checked.
    pub fn scope_for(credential: &Credential) -> TenantScope {
        #[allow(clippy::disallowed_methods)] // authentication: the secret was just verified
        TenantScope::authenticated(
            credential.tenant.id,
            credential.user.id,
            credential.user.role,
        )
    }
}
