//! Configuration documents: one JSON document per tenant and kind (e.g. `routing`), with a
//! version for optimistic concurrency. A change is read–modify–validate–write: the write
//! succeeds only if nobody saved in between, so two admins editing at once never silently
//! overwrite each other, and validation always sees the whole document.
//!
//! The store does not interpret documents; their owners (the server's routing module) parse
//! and validate them. One exception: a `routing` document may not drop a queue a phone number
//! points at (see [`crate::numbers`]), checked in the same transaction as the save.

use chrono::Utc;
use kefu_core::{Role, TenantScope};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::entity::tenant_config;
use crate::{Store, StoreError, audit, require};

/// A document and its version (0 for a tenant that never saved one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigDoc {
    /// Version; each save adds one.
    pub version: i64,
    /// The JSON text, or `None` if never saved.
    pub doc: Option<String>,
}

/// What a save records in the audit log.
#[derive(Debug, Clone)]
pub struct ConfigChange<'a> {
    /// Stable action name (`queue.updated`).
    pub action: &'a str,
    /// The object changed (an id).
    pub target: &'a str,
    /// Details (never secrets).
    pub detail: serde_json::Value,
}

impl Store {
    /// The scope's document of `kind`. Every member of the tenant may read it (agents need the
    /// reason codes and their queues); only admins change it.
    pub async fn config_doc(
        &self,
        scope: &TenantScope,
        kind: &str,
    ) -> Result<ConfigDoc, StoreError> {
        let row = tenant_config::Entity::find_by_id((scope.tenant().to_string(), kind.to_owned()))
            .one(self.db())
            .await?;
        Ok(match row {
            Some(r) => ConfigDoc {
                version: r.version,
                doc: Some(r.doc),
            },
            None => ConfigDoc {
                version: 0,
                doc: None,
            },
        })
    }

    /// Save the document if its version is still `expected`; returns the new version, or
    /// `Conflict` if someone saved in between. Admins and the owner; audited in the same
    /// transaction.
    pub async fn save_config_doc(
        &self,
        scope: &TenantScope,
        kind: &str,
        expected: i64,
        doc: String,
        change: ConfigChange<'_>,
    ) -> Result<i64, StoreError> {
        require(scope, Role::is_admin, "change configuration")?;
        let tenant = scope.tenant().to_string();
        let txn = self.write_txn().await?;
        let now = Utc::now();
        let next = expected + 1;
        let routing = (kind == "routing").then(|| doc.clone());
        let saved = if expected == 0 {
            tenant_config::ActiveModel {
                tenant_id: Set(tenant.clone()),
                kind: Set(kind.to_owned()),
                version: Set(next),
                doc: Set(doc),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await
            .is_ok()
        } else {
            tenant_config::Entity::update_many()
                .col_expr(tenant_config::Column::Version, Expr::value(next))
                .col_expr(tenant_config::Column::Doc, Expr::value(doc))
                .col_expr(tenant_config::Column::UpdatedAt, Expr::value(now))
                .filter(tenant_config::Column::TenantId.eq(&tenant))
                .filter(tenant_config::Column::Kind.eq(kind))
                .filter(tenant_config::Column::Version.eq(expected))
                .exec(&txn)
                .await?
                .rows_affected
                == 1
        };
        if !saved {
            return Err(StoreError::Conflict {
                field: "version",
                message: "the configuration changed while you were editing it; reload and retry"
                    .into(),
            });
        }
        if let Some(doc) = routing {
            crate::numbers::guard_routing_doc(&txn, &tenant, &doc).await?;
        }
        audit::append(
            &txn,
            scope.tenant(),
            Some(scope.principal()),
            change.action,
            change.target,
            change.detail,
        )
        .await?;
        txn.commit().await?;
        self.plugins_changed();
        Ok(next)
    }
}
