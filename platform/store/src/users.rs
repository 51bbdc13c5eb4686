//! Users of a tenant: listing, invitation, role changes, disabling.
//!
//! Reads need a supervisor or better; writes need an admin or the owner, and only the owner
//! grants or removes the owner role. Every write bumps `tokens_valid_after` where it changes
//! what the user's tokens may do, so outstanding access tokens stop working at once.

use chrono::{DateTime, Utc};
use kefu_core::{InvitationId, Role, TenantId, TenantScope, UserId};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use crate::entity::{invitation, refresh_token, user};
use crate::{Store, StoreError, audit, outbox, parse_id, require};

/// Whether a user can sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Signed up or accepted an invitation.
    Active,
    /// Invited, has not chosen a password yet.
    Invited,
    /// Disabled by an admin: cannot sign in, tokens revoked.
    Disabled,
}

impl UserStatus {
    /// Text form in the database and API.
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Invited => "invited",
            UserStatus::Disabled => "disabled",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "active" => Ok(UserStatus::Active),
            "invited" => Ok(UserStatus::Invited),
            "disabled" => Ok(UserStatus::Disabled),
            other => Err(StoreError::Corrupt(format!("user status {other}"))),
        }
    }
}

/// A user as the API shows it (no secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Their id.
    pub id: UserId,
    /// The tenant they belong to.
    pub tenant: TenantId,
    /// Sign-in e-mail, lowercased; unique within the tenant.
    pub email: String,
    /// Display name.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// Whether they can sign in.
    pub status: UserStatus,
    /// When they were created.
    pub created_at: DateTime<Utc>,
}

impl TryFrom<user::Model> for User {
    type Error = StoreError;
    fn try_from(m: user::Model) -> Result<Self, StoreError> {
        Ok(User {
            id: parse_id(&m.id)?,
            tenant: parse_id(&m.tenant_id)?,
            role: m
                .role
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("role {}", m.role)))?,
            status: UserStatus::parse(&m.status)?,
            email: m.email,
            name: m.name,
            created_at: m.created_at,
        })
    }
}

/// A user to create (validated by the caller; the password already hashed).
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    /// Lowercased e-mail.
    pub email: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Role granted.
    pub role: Role,
    /// argon2id PHC string; `None` for an invited user.
    pub password_hash: Option<String>,
}

/// An invitation just created; the token itself travels only in the outbox message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Its id.
    pub id: InvitationId,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// What an admin asks to change about a user; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    /// New display name.
    pub name: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// Disable (`true`) or re-enable (`false`).
    pub disabled: Option<bool>,
}

/// The invitation e-mail to send: the link is built by the caller, who knows the public URL.
#[derive(Debug, Clone)]
pub struct InvitationMail {
    /// Subject line.
    pub subject: String,
    /// Plain-text body containing the link with the token.
    pub body: String,
}

impl Store {
    /// Every user of the scope's tenant, oldest first. Supervisors and up.
    pub async fn list_users(&self, scope: &TenantScope) -> Result<Vec<User>, StoreError> {
        require(scope, Role::is_supervisor, "list users")?;
        user::Entity::find()
            .filter(user::Column::TenantId.eq(scope.tenant().to_string()))
            .order_by_asc(user::Column::Id)
            .all(self.db())
            .await?
            .into_iter()
            .map(User::try_from)
            .collect()
    }

    /// One user of the scope's tenant. Anyone may read themselves; supervisors and up read all.
    pub async fn user(&self, scope: &TenantScope, id: UserId) -> Result<User, StoreError> {
        if scope.user() != Some(id) {
            require(scope, Role::is_supervisor, "read other users")?;
        }
        find_user(self.db(), scope.tenant(), id).await?.try_into()
    }

    /// Invite a user: create them (status invited), the invitation, and the e-mail in the
    /// outbox, in one transaction. `token_hash` is the SHA-256 of the link's token.
    pub async fn invite_user(
        &self,
        scope: &TenantScope,
        new: NewUser<'_>,
        token_hash: &str,
        expires_at: DateTime<Utc>,
        mail: InvitationMail,
    ) -> Result<(User, Invitation), StoreError> {
        require(scope, Role::is_admin, "invite users")?;
        if !scope.role().may_grant(new.role) {
            return Err(StoreError::Forbidden("grant that role"));
        }
        let tenant = scope.tenant().to_string();
        let txn = self.write_txn().await?;
        let taken = user::Entity::find()
            .filter(user::Column::TenantId.eq(&tenant))
            .filter(user::Column::Email.eq(new.email))
            .count(&txn)
            .await?;
        if taken > 0 {
            return Err(StoreError::Conflict {
                field: "email",
                message: "a user with this e-mail already exists in your company".into(),
            });
        }
        let now = Utc::now();
        let id = UserId::new();
        let u = user::ActiveModel {
            tenant_id: Set(tenant.clone()),
            id: Set(id.to_string()),
            email: Set(new.email.to_owned()),
            name: Set(new.name.to_owned()),
            role: Set(new.role.as_str().to_owned()),
            password_hash: Set(None),
            status: Set(UserStatus::Invited.as_str().to_owned()),
            tokens_valid_after: Set(now),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let inv_id = InvitationId::new();
        invitation::ActiveModel {
            tenant_id: Set(tenant.clone()),
            id: Set(inv_id.to_string()),
            user_id: Set(id.to_string()),
            token_hash: Set(token_hash.to_owned()),
            created_at: Set(now),
            expires_at: Set(expires_at),
            accepted_at: Set(None),
        }
        .insert(&txn)
        .await?;
        outbox::enqueue(
            &txn,
            scope.tenant(),
            "email",
            new.email,
            &mail.subject,
            &mail.body,
        )
        .await?;
        audit::append(
            &txn,
            scope.tenant(),
            Some(scope.principal()),
            "user.invited",
            &id.to_string(),
            serde_json::json!({ "email": new.email, "role": new.role }),
        )
        .await?;
        txn.commit().await?;
        Ok((
            u.try_into()?,
            Invitation {
                id: inv_id,
                expires_at,
            },
        ))
    }

    /// Change a user's name, role or disabled flag. Admins and the owner; only the owner
    /// touches owners; nobody disables or demotes themselves (so a tenant keeps an owner).
    /// Returns the user and whether their tokens were voided (role changed or disabled).
    pub async fn change_user(
        &self,
        scope: &TenantScope,
        id: UserId,
        change: UserChange,
    ) -> Result<(User, bool), StoreError> {
        require(scope, Role::is_admin, "change users")?;
        let txn = self.write_txn().await?;
        let current_model = find_user(&txn, scope.tenant(), id).await?;
        let current: User = current_model.clone().try_into()?;
        if current.role == Role::Owner && scope.role() != Role::Owner {
            return Err(StoreError::Forbidden("change an owner"));
        }
        if let Some(role) = change.role {
            if !scope.role().may_grant(role) {
                return Err(StoreError::Forbidden("grant that role"));
            }
            if scope.user() == Some(id) && role != current.role {
                return Err(StoreError::Invalid {
                    field: "role",
                    message: "you cannot change your own role".into(),
                });
            }
        }
        if change.disabled == Some(true) && scope.user() == Some(id) {
            return Err(StoreError::Invalid {
                field: "disabled",
                message: "you cannot disable yourself".into(),
            });
        }
        let now = Utc::now();
        let mut am = user::ActiveModel {
            tenant_id: Set(scope.tenant().to_string()),
            id: Set(id.to_string()),
            updated_at: Set(now),
            ..Default::default()
        };
        let mut revoke = false;
        if let Some(name) = &change.name {
            am.name = Set(name.clone());
        }
        if let Some(role) = change.role.filter(|r| *r != current.role) {
            am.role = Set(role.as_str().to_owned());
            revoke = true;
        }
        if let Some(disabled) = change.disabled {
            let status = match (disabled, current.status) {
                (true, _) => UserStatus::Disabled,
                // Re-enabled: someone who never chose a password is still only invited.
                (false, UserStatus::Disabled) if current_model.password_hash.is_none() => {
                    UserStatus::Invited
                }
                (false, UserStatus::Disabled) => UserStatus::Active,
                (false, other) => other,
            };
            if status != current.status {
                am.status = Set(status.as_str().to_owned());
                revoke |= status == UserStatus::Disabled;
            }
        }
        if revoke {
            // Tokens issued before now no longer carry the right role or are no longer allowed.
            am.tokens_valid_after = Set(now);
            refresh_token::Entity::update_many()
                .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
                .filter(refresh_token::Column::TenantId.eq(scope.tenant().to_string()))
                .filter(refresh_token::Column::UserId.eq(id.to_string()))
                .filter(refresh_token::Column::RevokedAt.is_null())
                .exec(&txn)
                .await?;
        }
        let updated: User = am.update(&txn).await?.try_into()?;
        audit::append(
            &txn,
            scope.tenant(),
            Some(scope.principal()),
            "user.changed",
            &id.to_string(),
            serde_json::json!({
                "name": change.name,
                "role": change.role,
                "disabled": change.disabled,
            }),
        )
        .await?;
        txn.commit().await?;
        Ok((updated, revoke))
    }
}

pub(crate) async fn find_user(
    db: &impl sea_orm::ConnectionTrait,
    tenant: TenantId,
    id: UserId,
) -> Result<user::Model, StoreError> {
    user::Entity::find_by_id((tenant.to_string(), id.to_string()))
        .one(db)
        .await?
        .ok_or(StoreError::NotFound)
}

impl Store {
    /// Create an active user with a password directly (admins; used to seed the demo tenant).
    pub async fn create_user(
        &self,
        scope: &TenantScope,
        new: NewUser<'_>,
    ) -> Result<User, StoreError> {
        require(scope, Role::is_admin, "create users")?;
        if !scope.role().may_grant(new.role) {
            return Err(StoreError::Forbidden("grant that role"));
        }
        let txn = self.write_txn().await?;
        let now = Utc::now();
        let id = UserId::new();
        let u = user::ActiveModel {
            tenant_id: Set(scope.tenant().to_string()),
            id: Set(id.to_string()),
            email: Set(new.email.to_owned()),
            name: Set(new.name.to_owned()),
            role: Set(new.role.as_str().to_owned()),
            password_hash: Set(new.password_hash),
            status: Set(UserStatus::Active.as_str().to_owned()),
            tokens_valid_after: Set(now),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await
        .map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => StoreError::Conflict {
                field: "email",
                message: "a user with this e-mail already exists in your company".into(),
            },
            _ => e.into(),
        })?;
        audit::append(
            &txn,
            scope.tenant(),
            Some(scope.principal()),
            "user.created",
            &id.to_string(),
            serde_json::json!({ "email": new.email, "role": new.role }),
        )
        .await?;
        txn.commit().await?;
        u.try_into()
    }
}

impl Store {
    /// Send an invited user a new invitation: earlier links stop working, a new one is stored
    /// (by its hash) and mailed through the outbox. Admins; only for users still invited.
    pub async fn reinvite_user(
        &self,
        scope: &TenantScope,
        id: UserId,
        token_hash: &str,
        expires_at: DateTime<Utc>,
        mail: InvitationMail,
    ) -> Result<Invitation, StoreError> {
        require(scope, Role::is_admin, "invite users")?;
        let txn = self.write_txn().await?;
        let user: User = find_user(&txn, scope.tenant(), id).await?.try_into()?;
        if user.status != UserStatus::Invited {
            return Err(StoreError::Invalid {
                field: "id",
                message: "only users who have not accepted their invitation can be invited again"
                    .into(),
            });
        }
        if !scope.role().may_grant(user.role) {
            return Err(StoreError::Forbidden("grant that role"));
        }
        let now = Utc::now();
        let tenant = scope.tenant().to_string();
        invitation::Entity::update_many()
            .col_expr(invitation::Column::ExpiresAt, Expr::value(now))
            .filter(invitation::Column::TenantId.eq(&tenant))
            .filter(invitation::Column::UserId.eq(id.to_string()))
            .filter(invitation::Column::AcceptedAt.is_null())
            .exec(&txn)
            .await?;
        let inv_id = InvitationId::new();
        invitation::ActiveModel {
            tenant_id: Set(tenant),
            id: Set(inv_id.to_string()),
            user_id: Set(id.to_string()),
            token_hash: Set(token_hash.to_owned()),
            created_at: Set(now),
            expires_at: Set(expires_at),
            accepted_at: Set(None),
        }
        .insert(&txn)
        .await?;
        outbox::enqueue(
            &txn,
            scope.tenant(),
            "email",
            &user.email,
            &mail.subject,
            &mail.body,
        )
        .await?;
        audit::append(
            &txn,
            scope.tenant(),
            Some(scope.principal()),
            "user.reinvited",
            &id.to_string(),
            serde_json::json!({ "email": user.email }),
        )
        .await?;
        txn.commit().await?;
        Ok(Invitation {
            id: inv_id,
            expires_at,
        })
    }
}
