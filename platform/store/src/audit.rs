//! The audit log: who did what to which object in a tenant, and when. Appended by the
//! repositories in the same transaction as the write it records; readable by admins.

use chrono::{DateTime, Utc};
use kefu_core::{Principal, Role, TenantId, TenantScope};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::entity::audit_log;
use crate::{Store, StoreError, require};

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Sortable id (ULID): newer entries have greater ids.
    pub id: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Who: a user, or the telephony principal acting on the tenant's calls (absent for
    /// system actions such as token-reuse detection).
    pub actor: Option<Principal>,
    /// What, as a stable dotted name (`user.invited`).
    pub action: String,
    /// The object acted on (an id).
    pub target: String,
    /// Details as JSON (never secrets).
    pub detail: serde_json::Value,
}

/// Most entries one page returns.
pub const MAX_PAGE: u64 = 200;

pub(crate) async fn append(
    db: &impl sea_orm::ConnectionTrait,
    tenant: TenantId,
    actor: Option<Principal>,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    audit_log::ActiveModel {
        tenant_id: Set(tenant.to_string()),
        id: Set(kefu_core::id::next_ulid().to_string()),
        at: Set(Utc::now()),
        actor_id: Set(actor.map(|a| a.to_string())),
        action: Set(action.to_owned()),
        target: Set(target.to_owned()),
        detail: Set(detail.to_string()),
    }
    .insert(db)
    .await?;
    Ok(())
}

impl Store {
    /// The newest entries of the scope's tenant, newest first, optionally before an entry id.
    /// Admins and the owner.
    pub async fn audit_log(
        &self,
        scope: &TenantScope,
        limit: u64,
        before: Option<&str>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        require(scope, Role::is_admin, "read the audit log")?;
        let mut q = audit_log::Entity::find()
            .filter(audit_log::Column::TenantId.eq(scope.tenant().to_string()));
        if let Some(before) = before {
            q = q.filter(audit_log::Column::Id.lt(before));
        }
        q.order_by_desc(audit_log::Column::Id)
            .limit(limit.clamp(1, MAX_PAGE))
            .all(self.db())
            .await?
            .into_iter()
            .map(|m| {
                Ok(AuditEntry {
                    actor: m
                        .actor_id
                        .as_deref()
                        .map(|a| {
                            a.parse().map_err(|_| {
                                StoreError::Corrupt(format!("audit actor {a:?} is no principal"))
                            })
                        })
                        .transpose()?,
                    detail: serde_json::from_str(&m.detail)
                        .map_err(|e| StoreError::Corrupt(format!("audit detail: {e}")))?,
                    id: m.id,
                    at: m.at,
                    action: m.action,
                    target: m.target,
                })
            })
            .collect()
    }
}
