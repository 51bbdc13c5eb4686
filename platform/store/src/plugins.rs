//! Plugin versions and installations.
//!
//! A version belongs to the tenant that published it and is immutable: name + version are
//! unique per publisher, and the blob (in the object store, by content hash) never changes.
//! A version is visible to its publisher, and to every tenant once it is public. Installations
//! belong to the installing tenant and name a visible version; upgrading or rolling back changes
//! the version they point at and remembers the previous one.

use chrono::{DateTime, Utc};
use kefu_core::{Role, TenantId, TenantScope};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::entity::{plugin_installation, plugin_version};
use crate::{Store, StoreError, audit, parse_id, require};

/// A published plugin version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginVersion {
    /// Publishing tenant.
    pub publisher: TenantId,
    /// Plugin name.
    pub name: String,
    /// Semver version.
    pub version: String,
    /// Extension point (`ivr`, `crm`, `router`, `integration`).
    pub world: String,
    /// The manifest as published (JSON).
    pub manifest: serde_json::Value,
    /// SHA-256 of the component, hex.
    pub content_hash: String,
    /// Component size in bytes.
    pub size: i64,
    /// Listed for all tenants?
    pub public: bool,
    /// Where the component is in the object store.
    pub blob_key: String,
    /// When it was published.
    pub created_at: DateTime<Utc>,
}

impl TryFrom<plugin_version::Model> for PluginVersion {
    type Error = StoreError;
    fn try_from(m: plugin_version::Model) -> Result<Self, StoreError> {
        Ok(PluginVersion {
            publisher: parse_id(&m.tenant_id)?,
            manifest: serde_json::from_str(&m.manifest)
                .map_err(|e| StoreError::Corrupt(format!("plugin manifest: {e}")))?,
            name: m.name,
            version: m.version,
            world: m.world,
            content_hash: m.content_hash,
            size: m.size,
            public: m.public,
            blob_key: m.blob_key,
            created_at: m.created_at,
        })
    }
}

/// An installation of a plugin version in a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginInstallation {
    /// Installation id (`ins_…` text).
    pub id: String,
    /// The installing tenant.
    pub tenant: TenantId,
    /// Publishing tenant of the plugin.
    pub publisher: TenantId,
    /// Plugin name.
    pub name: String,
    /// Version in use.
    pub version: String,
    /// The version before the last upgrade or rollback.
    pub previous_version: Option<String>,
    /// Per-installation configuration (JSON object).
    pub config: serde_json::Value,
    /// The installation's secrets as sealed by the server (opaque here; empty when none).
    pub sealed_secrets: String,
    /// When installed.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<plugin_installation::Model> for PluginInstallation {
    type Error = StoreError;
    fn try_from(m: plugin_installation::Model) -> Result<Self, StoreError> {
        Ok(PluginInstallation {
            publisher: parse_id(&m.publisher_id)?,
            config: serde_json::from_str(&m.config)
                .map_err(|e| StoreError::Corrupt(format!("installation config: {e}")))?,
            sealed_secrets: m.secrets,
            tenant: parse_id(&m.tenant_id)?,
            id: m.id,
            name: m.name,
            version: m.version,
            previous_version: m.previous_version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

fn visible_to(scope: &TenantScope) -> Condition {
    Condition::any()
        .add(plugin_version::Column::TenantId.eq(scope.tenant().to_string()))
        .add(plugin_version::Column::Public.eq(true))
}

impl Store {
    /// Record a published version (the blob is already stored). Developers, admins, owner.
    /// A version that exists already is a conflict: versions are immutable.
    pub async fn publish_plugin_version(
        &self,
        scope: &TenantScope,
        version: &PluginVersion,
    ) -> Result<(), StoreError> {
        require(scope, Role::may_publish_plugins, "publish plugins")?;
        // Only users hold a publishing role; the telephony principal never reaches this.
        let publisher = scope
            .user()
            .ok_or(StoreError::Forbidden("publish plugins"))?;
        let txn = self.write_txn().await?;
        let exists = plugin_version::Entity::find_by_id((
            scope.tenant().to_string(),
            version.name.clone(),
            version.version.clone(),
        ))
        .one(&txn)
        .await?
        .is_some();
        if exists {
            return Err(StoreError::Conflict {
                field: "manifest.version",
                message: format!(
                    "{}@{} is already published; versions are immutable, publish a new version",
                    version.name, version.version
                ),
            });
        }
        plugin_version::ActiveModel {
            tenant_id: Set(scope.tenant().to_string()),
            name: Set(version.name.clone()),
            version: Set(version.version.clone()),
            world: Set(version.world.clone()),
            manifest: Set(version.manifest.to_string()),
            content_hash: Set(version.content_hash.clone()),
            size: Set(version.size),
            public: Set(version.public),
            blob_key: Set(version.blob_key.clone()),
            published_by: Set(publisher.to_string()),
            created_at: Set(version.created_at),
        }
        .insert(&txn)
        .await?;
        audit::append(
            &txn,
            scope.tenant(),
            Some(scope.principal()),
            "plugin.published",
            &format!("{}@{}", version.name, version.version),
            serde_json::json!({ "sha256": version.content_hash, "public": version.public }),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Versions the scope may see: its own and every public one, newest first per plugin.
    pub async fn plugin_versions(
        &self,
        scope: &TenantScope,
    ) -> Result<Vec<PluginVersion>, StoreError> {
        plugin_version::Entity::find()
            .filter(visible_to(scope))
            .order_by_asc(plugin_version::Column::Name)
            .order_by_desc(plugin_version::Column::CreatedAt)
            .all(self.db())
            .await?
            .into_iter()
            .map(PluginVersion::try_from)
            .collect()
    }

    /// One version, if the scope may see it.
    pub async fn plugin_version(
        &self,
        scope: &TenantScope,
        publisher: TenantId,
        name: &str,
        version: &str,
    ) -> Result<PluginVersion, StoreError> {
        plugin_version::Entity::find_by_id((
            publisher.to_string(),
            name.to_owned(),
            version.to_owned(),
        ))
        .filter(visible_to(scope))
        .one(self.db())
        .await?
        .ok_or(StoreError::NotFound)?
        .try_into()
    }

    /// Install a visible version with its configuration (admins).
    pub async fn install_plugin(
        &self,
        scope: &TenantScope,
        version: &PluginVersion,
        config: &serde_json::Value,
        sealed_secrets: &str,
    ) -> Result<PluginInstallation, StoreError> {
        require(scope, Role::is_admin, "install plugins")?;
        let txn = self.write_txn().await?;
        let now = Utc::now();
        let id = format!("ins_{}", kefu_core::id::next_ulid());
        let row = plugin_installation::ActiveModel {
            tenant_id: Set(scope.tenant().to_string()),
            id: Set(id.clone()),
            publisher_id: Set(version.publisher.to_string()),
            name: Set(version.name.clone()),
            version: Set(version.version.clone()),
            previous_version: Set(None),
            config: Set(config.to_string()),
            secrets: Set(sealed_secrets.to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        audit::append(
            &txn,
            scope.tenant(),
            Some(scope.principal()),
            "plugin.installed",
            &id,
            serde_json::json!({ "plugin": version.name, "version": version.version }),
        )
        .await?;
        txn.commit().await?;
        self.plugins_changed();
        row.try_into()
    }

    /// The scope's installations.
    pub async fn plugin_installations(
        &self,
        scope: &TenantScope,
    ) -> Result<Vec<PluginInstallation>, StoreError> {
        plugin_installation::Entity::find()
            .filter(plugin_installation::Column::TenantId.eq(scope.tenant().to_string()))
            .order_by_asc(plugin_installation::Column::Id)
            .all(self.db())
            .await?
            .into_iter()
            .map(PluginInstallation::try_from)
            .collect()
    }

    /// One installation of the scope's tenant.
    pub async fn plugin_installation(
        &self,
        scope: &TenantScope,
        id: &str,
    ) -> Result<PluginInstallation, StoreError> {
        plugin_installation::Entity::find_by_id((scope.tenant().to_string(), id.to_owned()))
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound)?
            .try_into()
    }

    /// Point an installation at another version (upgrade or rollback) and/or replace its
    /// configuration (admins). The version must be one of the same plugin the scope can see.
    pub async fn change_plugin_installation(
        &self,
        scope: &TenantScope,
        id: &str,
        version: Option<&PluginVersion>,
        config: Option<&serde_json::Value>,
        sealed_secrets: Option<&str>,
    ) -> Result<PluginInstallation, StoreError> {
        require(scope, Role::is_admin, "change plugin installations")?;
        let txn = self.write_txn().await?;
        let current =
            plugin_installation::Entity::find_by_id((scope.tenant().to_string(), id.to_owned()))
                .one(&txn)
                .await?
                .ok_or(StoreError::NotFound)?;
        let mut am: plugin_installation::ActiveModel = current.clone().into();
        if let Some(v) = version {
            if v.name != current.name || v.publisher.to_string() != current.publisher_id {
                return Err(StoreError::Invalid {
                    field: "version",
                    message: "an installation can only move between versions of its own plugin"
                        .into(),
                });
            }
            if v.version != current.version {
                am.previous_version = Set(Some(current.version.clone()));
                am.version = Set(v.version.clone());
            }
        }
        if let Some(c) = config {
            am.config = Set(c.to_string());
        }
        if let Some(sealed) = sealed_secrets {
            am.secrets = Set(sealed.to_owned());
        }
        am.updated_at = Set(Utc::now());
        let row = am.update(&txn).await?;
        audit::append(
            &txn,
            scope.tenant(),
            Some(scope.principal()),
            "plugin.installation_changed",
            id,
            serde_json::json!({
                "from": current.version, "to": row.version,
                "config_changed": config.is_some(), "secrets_changed": sealed_secrets.is_some(),
            }),
        )
        .await?;
        txn.commit().await?;
        self.plugins_changed();
        row.try_into()
    }

    /// Remove an installation (admins). Live calls keep the version they started with.
    /// Refused (`InUse`, naming the numbers) while a number's calls go to it.
    pub async fn uninstall_plugin(&self, scope: &TenantScope, id: &str) -> Result<(), StoreError> {
        require(scope, Role::is_admin, "uninstall plugins")?;
        let tenant = scope.tenant().to_string();
        let txn = self.write_txn().await?;
        // Delete first: the row lock orders this against a number being pointed at it.
        let res = plugin_installation::Entity::delete_by_id((tenant.clone(), id.to_owned()))
            .exec(&txn)
            .await?;
        if res.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        crate::numbers::guard_installation(&txn, &tenant, id).await?;
        audit::append(
            &txn,
            scope.tenant(),
            Some(scope.principal()),
            "plugin.uninstalled",
            id,
            serde_json::json!({}),
        )
        .await?;
        txn.commit().await?;
        self.plugins_changed();
        Ok(())
    }
}
