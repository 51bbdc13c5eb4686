//! The persisted plugin invocation log: one row per call into a plugin, written in batches by
//! the server's invocation sink, listed and read per tenant (admins and developers), pruned by
//! retention.
//!
//! Writing is not scoped by a user: the plugin host produced the record for an installation
//! whose tenant it already knows, and no request is involved. Reading always is.

use chrono::{DateTime, Utc};
use kefu_core::{Role, TenantId, TenantScope};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::entity::plugin_invocation;
use crate::{Store, StoreError, parse_id, require};

/// One logged invocation.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginInvocationRow {
    /// Id (`piv_…`), sorting by time.
    pub id: String,
    /// The tenant whose installation ran.
    pub tenant: TenantId,
    /// The installation (`ins_…`), if the call came through one.
    pub installation_id: Option<String>,
    /// Plugin name.
    pub plugin: String,
    /// Plugin version.
    pub version: String,
    /// World (`ivr`, `crm`, `router`, `integration`).
    pub world: String,
    /// Exported function.
    pub function: String,
    /// `returned`, `trapped` or `rejected`.
    pub outcome: String,
    /// The trap or rejection kind (`cpu_limit`, `tenant_mismatch`, …).
    pub detail: Option<String>,
    /// Duration, microseconds.
    pub duration_us: i64,
    /// When it ran.
    pub created_at: DateTime<Utc>,
    /// The full record (input, outcome, host calls, logs), as the plugin host wrote it.
    pub record: serde_json::Value,
}

/// Which invocations to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct InvocationFilter {
    /// Only this installation's.
    pub installation_id: Option<String>,
    /// Only this outcome (`returned`, `trapped`, `rejected`).
    pub outcome: Option<String>,
    /// Only ids before this one (the previous page's last id).
    pub before: Option<String>,
    /// Page size (capped at 200).
    pub limit: u64,
}

fn may_read_logs(role: Role) -> bool {
    role.is_admin() || role.may_publish_plugins()
}

impl TryFrom<plugin_invocation::Model> for PluginInvocationRow {
    type Error = StoreError;
    fn try_from(m: plugin_invocation::Model) -> Result<Self, StoreError> {
        Ok(PluginInvocationRow {
            tenant: parse_id(&m.tenant_id)?,
            record: serde_json::from_str(&m.record)
                .map_err(|e| StoreError::Corrupt(format!("invocation record: {e}")))?,
            id: m.id,
            installation_id: m.installation_id,
            plugin: m.plugin,
            version: m.version,
            world: m.world,
            function: m.function,
            outcome: m.outcome,
            detail: m.detail,
            duration_us: m.duration_us,
            created_at: m.created_at,
        })
    }
}

impl Store {
    /// Appends invocations (one multi-row insert).
    pub async fn record_plugin_invocations(
        &self,
        rows: &[PluginInvocationRow],
    ) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let models = rows.iter().map(|r| plugin_invocation::ActiveModel {
            tenant_id: Set(r.tenant.to_string()),
            id: Set(r.id.clone()),
            installation_id: Set(r.installation_id.clone()),
            plugin: Set(r.plugin.clone()),
            version: Set(r.version.clone()),
            world: Set(r.world.clone()),
            function: Set(r.function.clone()),
            outcome: Set(r.outcome.clone()),
            detail: Set(r.detail.clone()),
            duration_us: Set(r.duration_us),
            created_at: Set(r.created_at),
            record: Set(r.record.to_string()),
        });
        plugin_invocation::Entity::insert_many(models)
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// The scope's invocations, newest first (admins and developers: inputs hold callers'
    /// numbers and call data).
    pub async fn plugin_invocations(
        &self,
        scope: &TenantScope,
        filter: &InvocationFilter,
    ) -> Result<Vec<PluginInvocationRow>, StoreError> {
        require(scope, may_read_logs, "read plugin logs")?;
        let mut query = plugin_invocation::Entity::find()
            .filter(plugin_invocation::Column::TenantId.eq(scope.tenant().to_string()));
        if let Some(installation) = &filter.installation_id {
            query = query.filter(plugin_invocation::Column::InstallationId.eq(installation));
        }
        if let Some(outcome) = &filter.outcome {
            query = query.filter(plugin_invocation::Column::Outcome.eq(outcome));
        }
        if let Some(before) = &filter.before {
            query = query.filter(plugin_invocation::Column::Id.lt(before));
        }
        query
            .order_by_desc(plugin_invocation::Column::Id)
            .limit(filter.limit.clamp(1, 200))
            .all(self.db())
            .await?
            .into_iter()
            .map(PluginInvocationRow::try_from)
            .collect()
    }

    /// One invocation of the scope's tenant.
    pub async fn plugin_invocation(
        &self,
        scope: &TenantScope,
        id: &str,
    ) -> Result<PluginInvocationRow, StoreError> {
        require(scope, may_read_logs, "read plugin logs")?;
        plugin_invocation::Entity::find_by_id((scope.tenant().to_string(), id.to_owned()))
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound)?
            .try_into()
    }

    /// Retention: deletes invocations older than `before`, and for each tenant all but its
    /// newest `keep_per_tenant`. Returns how many rows went.
    pub async fn prune_plugin_invocations(
        &self,
        before: DateTime<Utc>,
        keep_per_tenant: u64,
    ) -> Result<u64, StoreError> {
        let mut removed = plugin_invocation::Entity::delete_many()
            .filter(plugin_invocation::Column::CreatedAt.lt(before))
            .exec(self.db())
            .await?
            .rows_affected;
        let tenants: Vec<String> = plugin_invocation::Entity::find()
            .select_only()
            .column(plugin_invocation::Column::TenantId)
            .distinct()
            .into_tuple()
            .all(self.db())
            .await?;
        for tenant in tenants {
            // The id of the newest row beyond the quota; it and everything older go.
            let cutoff: Option<String> = plugin_invocation::Entity::find()
                .select_only()
                .column(plugin_invocation::Column::Id)
                .filter(plugin_invocation::Column::TenantId.eq(&tenant))
                .order_by_desc(plugin_invocation::Column::Id)
                .offset(keep_per_tenant)
                .limit(1)
                .into_tuple()
                .one(self.db())
                .await?;
            if let Some(cutoff) = cutoff {
                removed += plugin_invocation::Entity::delete_many()
                    .filter(plugin_invocation::Column::TenantId.eq(&tenant))
                    .filter(plugin_invocation::Column::Id.lte(cutoff))
                    .exec(self.db())
                    .await?
                    .rows_affected;
            }
        }
        Ok(removed)
    }
}
