//! What authentication itself needs, before there is a scope: look-ups by e-mail, by refresh
//! token hash and by invitation token hash, and the session (refresh token) lifecycle.
//!
//! Nothing here returns data to an API caller directly: the server's auth layer verifies the
//! secret (password, token) and only then mints a [`kefu_core::TenantScope`].

use chrono::{DateTime, Utc};
use kefu_core::{Principal, TenantId, UserId};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::{invitation, refresh_token, tenant, user};
use crate::tenants::Tenant;
use crate::users::{User, UserStatus, find_user};
use crate::{Store, StoreError, audit};

/// A user with their secrets, for authentication to check.
#[derive(Debug, Clone)]
pub struct Credential {
    /// The user.
    pub user: User,
    /// Their tenant.
    pub tenant: Tenant,
    /// argon2id PHC string (`None` until an invitation is accepted).
    pub password_hash: Option<String>,
    /// Access tokens issued before this instant are void (role change, disable, logout-all).
    pub tokens_valid_after: DateTime<Utc>,
}

/// The outcome of presenting a refresh token.
#[derive(Debug, Clone)]
pub enum Refresh {
    /// The token was current: it is now used, and the new one is stored in the same family.
    Rotated(Box<Credential>),
    /// The token was already used: someone replayed it, so the whole family is revoked.
    Reused,
    /// Unknown, expired or revoked.
    Invalid,
}

/// A user whose tokens were voided recently; the server keeps these in memory so that token
/// checks need no database read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// Whose tokens.
    pub tenant: TenantId,
    /// The user.
    pub user: UserId,
    /// Tokens issued before this are void.
    pub valid_after: DateTime<Utc>,
}

/// A refresh token to store (only its hash is kept).
#[derive(Debug, Clone, Copy)]
pub struct NewRefresh<'a> {
    /// SHA-256 of the token, hex.
    pub hash: &'a str,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

impl Store {
    /// Every user with this (lowercased) e-mail, across tenants, with their tenant.
    pub async fn credentials_by_email(&self, email: &str) -> Result<Vec<Credential>, StoreError> {
        let rows = user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .find_also_related(tenant::Entity)
            .all(self.db())
            .await?;
        rows.into_iter()
            .map(|(u, t)| {
                let t = t.ok_or_else(|| StoreError::Corrupt("user without tenant".into()))?;
                credential(u, t)
            })
            .collect()
    }

    /// Store the first refresh token of a new session (a fresh family).
    pub async fn start_session(
        &self,
        tenant: TenantId,
        user: UserId,
        token: NewRefresh<'_>,
    ) -> Result<(), StoreError> {
        let family = ulid_string();
        let txn = self.write_txn().await?;
        insert_refresh(&txn, tenant, user, &family, token).await?;
        audit::append(
            &txn,
            tenant,
            Some(Principal::User(user)),
            "session.started",
            &user.to_string(),
            serde_json::json!({ "session": family }),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Present a refresh token: rotate it, or detect reuse and revoke its family.
    pub async fn rotate_session(
        &self,
        presented_hash: &str,
        next: NewRefresh<'_>,
    ) -> Result<Refresh, StoreError> {
        let txn = self.write_txn().await?;
        let Some(row) = refresh_token::Entity::find()
            .filter(refresh_token::Column::TokenHash.eq(presented_hash))
            .one(&txn)
            .await?
        else {
            return Ok(Refresh::Invalid);
        };
        let now = Utc::now();
        if row.used_at.is_some() {
            if family_live(&txn, &row).await? {
                revoke_family(&txn, &row.tenant_id, &row.family_id, now).await?;
                let tenant: TenantId = crate::parse_id(&row.tenant_id)?;
                audit::append(
                    &txn,
                    tenant,
                    None,
                    "session.reuse_detected",
                    &row.user_id,
                    serde_json::json!({ "family": row.family_id }),
                )
                .await?;
                txn.commit().await?;
            }
            return Ok(Refresh::Reused);
        }
        if row.revoked_at.is_some() || row.expires_at <= now {
            return Ok(Refresh::Invalid);
        }
        let tenant: TenantId = crate::parse_id(&row.tenant_id)?;
        let user_id: UserId = crate::parse_id(&row.user_id)?;
        let cred = credential_of(&txn, tenant, user_id).await?;
        if cred.user.status != UserStatus::Active {
            return Ok(Refresh::Invalid);
        }
        let mut used: refresh_token::ActiveModel = row.clone().into();
        used.used_at = Set(Some(now));
        used.update(&txn).await?;
        insert_refresh(&txn, tenant, user_id, &row.family_id, next).await?;
        txn.commit().await?;
        Ok(Refresh::Rotated(Box::new(cred)))
    }

    /// Revoke the session (family) a refresh token belongs to, if it belongs to this user.
    /// Returns whether a session was found.
    pub async fn end_session(
        &self,
        tenant: TenantId,
        user: UserId,
        presented_hash: &str,
    ) -> Result<bool, StoreError> {
        let txn = self.write_txn().await?;
        let row = refresh_token::Entity::find()
            .filter(refresh_token::Column::TenantId.eq(tenant.to_string()))
            .filter(refresh_token::Column::UserId.eq(user.to_string()))
            .filter(refresh_token::Column::TokenHash.eq(presented_hash))
            .one(&txn)
            .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        revoke_family(&txn, &row.tenant_id, &row.family_id, Utc::now()).await?;
        audit::append(
            &txn,
            tenant,
            Some(Principal::User(user)),
            "session.ended",
            &user.to_string(),
            serde_json::json!({ "session": row.family_id }),
        )
        .await?;
        txn.commit().await?;
        Ok(true)
    }

    /// The credential behind a verified access token's subject.
    pub async fn credential(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<Credential, StoreError> {
        credential_of(self.db(), tenant, user).await
    }

    /// Accept an invitation: set the password, activate the user, mark the invitation used.
    pub async fn accept_invitation(
        &self,
        token_hash: &str,
        password_hash: String,
    ) -> Result<Credential, StoreError> {
        let txn = self.write_txn().await?;
        let now = Utc::now();
        let inv = invitation::Entity::find()
            .filter(invitation::Column::TokenHash.eq(token_hash))
            .one(&txn)
            .await?
            .filter(|i| i.accepted_at.is_none() && i.expires_at > now)
            .ok_or(StoreError::Invalid {
                field: "token",
                message: "this invitation link is unknown, used or expired".into(),
            })?;
        let tenant: TenantId = crate::parse_id(&inv.tenant_id)?;
        let user_id: UserId = crate::parse_id(&inv.user_id)?;
        let u = find_user(&txn, tenant, user_id).await?;
        if u.status != UserStatus::Invited.as_str() || u.password_hash.is_some() {
            return Err(StoreError::Invalid {
                field: "token",
                message: "this invitation is no longer valid".into(),
            });
        }
        let mut am: user::ActiveModel = u.into();
        am.password_hash = Set(Some(password_hash));
        am.status = Set(UserStatus::Active.as_str().to_owned());
        am.updated_at = Set(now);
        am.update(&txn).await?;
        let mut inv_am: invitation::ActiveModel = inv.into();
        inv_am.accepted_at = Set(Some(now));
        inv_am.update(&txn).await?;
        audit::append(
            &txn,
            tenant,
            Some(Principal::User(user_id)),
            "user.invitation_accepted",
            &user_id.to_string(),
            serde_json::json!({}),
        )
        .await?;
        let cred = credential_of(&txn, tenant, user_id).await?;
        txn.commit().await?;
        Ok(cred)
    }

    /// Change a password hash in place (argon2 parameter upgrades on login).
    pub async fn rehash_password(
        &self,
        tenant: TenantId,
        user: UserId,
        password_hash: String,
    ) -> Result<(), StoreError> {
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(password_hash))
            .filter(user::Column::TenantId.eq(tenant.to_string()))
            .filter(user::Column::Id.eq(user.to_string()))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Users whose tokens were voided after `since` (loaded at start-up into memory).
    pub async fn revocations_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<Revocation>, StoreError> {
        user::Entity::find()
            .filter(user::Column::TokensValidAfter.gt(since))
            .order_by_asc(user::Column::TokensValidAfter)
            .all(self.db())
            .await?
            .into_iter()
            .map(|u| {
                Ok(Revocation {
                    tenant: crate::parse_id(&u.tenant_id)?,
                    user: crate::parse_id(&u.id)?,
                    valid_after: u.tokens_valid_after,
                })
            })
            .collect()
    }
}

fn ulid_string() -> String {
    // Families are internal; a bare ULID is enough.
    kefu_core::UserId::new().ulid().to_string()
}

async fn insert_refresh(
    db: &impl sea_orm::ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    family: &str,
    token: NewRefresh<'_>,
) -> Result<(), StoreError> {
    refresh_token::ActiveModel {
        tenant_id: Set(tenant.to_string()),
        id: Set(ulid_string()),
        user_id: Set(user.to_string()),
        family_id: Set(family.to_owned()),
        token_hash: Set(token.hash.to_owned()),
        created_at: Set(Utc::now()),
        expires_at: Set(token.expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

async fn family_live(
    db: &impl sea_orm::ConnectionTrait,
    row: &refresh_token::Model,
) -> Result<bool, StoreError> {
    Ok(refresh_token::Entity::find()
        .filter(refresh_token::Column::TenantId.eq(&row.tenant_id))
        .filter(refresh_token::Column::FamilyId.eq(&row.family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .is_some())
}

async fn revoke_family(
    db: &impl sea_orm::ConnectionTrait,
    tenant: &str,
    family: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::TenantId.eq(tenant))
        .filter(refresh_token::Column::FamilyId.eq(family))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

async fn credential_of(
    db: &impl sea_orm::ConnectionTrait,
    tenant_id: TenantId,
    user_id: UserId,
) -> Result<Credential, StoreError> {
    let u = find_user(db, tenant_id, user_id).await?;
    let t = tenant::Entity::find_by_id(tenant_id.to_string())
        .one(db)
        .await?
        .ok_or(StoreError::NotFound)?;
    credential(u, t)
}

fn credential(u: user::Model, t: tenant::Model) -> Result<Credential, StoreError> {
    let password_hash = u.password_hash.clone();
    let tokens_valid_after = u.tokens_valid_after;
    Ok(Credential {
        user: u.try_into()?,
        tenant: t.try_into()?,
        password_hash,
        tokens_valid_after,
    })
}
