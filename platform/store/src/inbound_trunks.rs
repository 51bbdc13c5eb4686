//! Inbound trunks: who may send a tenant calls. A trunk is matched by the source address of a
//! request (a list of CIDRs) and/or by digest credentials; a trunk with both needs both.
//!
//! Passwords are never stored or returned: only the HA1 values digest verification needs
//! (see [`crate::sip_digest`]). A digest username names one trunk across all tenants, because
//! the SIP edge finds the trunk by it. Every write invalidates the edge's inbound directory.

use chrono::{DateTime, Utc};
use ipnet::IpNet;
use kefu_core::{Role, TenantScope, TrunkId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::entity::{inbound_trunk, number};
use crate::sip_digest::StoredDigest;
use crate::{Store, StoreError, audit, parse_id, require};

/// Most source CIDRs one trunk may list.
pub const MAX_SOURCES: usize = 64;
/// Most trunks (of each direction) a tenant may have.
pub const MAX_TRUNKS: u64 = 200;

/// An inbound trunk as admins see it (no secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundTrunk {
    /// Its id.
    pub id: TrunkId,
    /// Unique name in the tenant.
    pub name: String,
    /// Disabled trunks match nothing.
    pub enabled: bool,
    /// Allowed source networks.
    pub sources: Vec<IpNet>,
    /// Digest username, when the trunk authenticates with credentials.
    pub digest_username: Option<String>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

/// What the digest credentials of a trunk become on a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestChange {
    /// No credentials (remove any).
    None,
    /// Keep the stored credentials (an edit that did not resend the password).
    Keep,
    /// New credentials.
    Set(StoredDigest),
}

/// A trunk to create or the new state of one (validated by the caller).
#[derive(Debug, Clone)]
pub struct InboundTrunkInput {
    /// Name.
    pub name: String,
    /// Enabled?
    pub enabled: bool,
    /// Allowed source networks (at most [`MAX_SOURCES`]).
    pub sources: Vec<IpNet>,
    /// Credentials.
    pub digest: DigestChange,
}

pub(crate) fn parse_sources(text: &str) -> Result<Vec<IpNet>, StoreError> {
    let texts: Vec<String> = serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("trunk sources: {e}")))?;
    texts
        .iter()
        .map(|t| {
            t.parse()
                .map_err(|_| StoreError::Corrupt(format!("trunk source {t}")))
        })
        .collect()
}

impl TryFrom<inbound_trunk::Model> for InboundTrunk {
    type Error = StoreError;
    fn try_from(m: inbound_trunk::Model) -> Result<Self, StoreError> {
        Ok(InboundTrunk {
            id: parse_id(&m.id)?,
            sources: parse_sources(&m.sources)?,
            name: m.name,
            enabled: m.enabled,
            digest_username: m.digest_username,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

pub(crate) fn stored_digest(m: &inbound_trunk::Model) -> Option<StoredDigest> {
    Some(StoredDigest {
        username: m.digest_username.clone()?,
        realm: m.digest_realm.clone()?,
        ha1_md5: m.digest_ha1_md5.clone()?,
        ha1_sha256: m.digest_ha1_sha256.clone()?,
    })
}

async fn check_unique(
    txn: &DatabaseTransaction,
    scope: &TenantScope,
    id: &str,
    input: &InboundTrunkInput,
) -> Result<(), StoreError> {
    let same_name = inbound_trunk::Entity::find()
        .filter(inbound_trunk::Column::TenantId.eq(scope.tenant().to_string()))
        .filter(inbound_trunk::Column::Id.ne(id))
        .all(txn)
        .await?
        .into_iter()
        .any(|t| t.name.eq_ignore_ascii_case(&input.name));
    if same_name {
        return Err(StoreError::Conflict {
            field: "name",
            message: format!("an inbound trunk named {} already exists", input.name),
        });
    }
    if let DigestChange::Set(d) = &input.digest {
        // Usernames are global; the message must not say whose trunk has it.
        let taken = inbound_trunk::Entity::find()
            .filter(inbound_trunk::Column::DigestUsername.eq(d.username.as_str()))
            .filter(inbound_trunk::Column::Id.ne(id))
            .count(txn)
            .await?;
        if taken > 0 {
            return Err(StoreError::Conflict {
                field: "digest_username",
                message: "this digest username is taken; choose another".into(),
            });
        }
    }
    Ok(())
}

fn sources_text(sources: &[IpNet]) -> String {
    let texts: Vec<String> = sources.iter().map(ToString::to_string).collect();
    serde_json::Value::from(texts).to_string()
}

fn apply(am: &mut inbound_trunk::ActiveModel, input: &InboundTrunkInput) {
    am.name = Set(input.name.clone());
    am.enabled = Set(input.enabled);
    am.sources = Set(sources_text(&input.sources));
    let (user, realm, md5, sha) = match &input.digest {
        DigestChange::Keep => return,
        DigestChange::None => (None, None, None, None),
        DigestChange::Set(d) => (
            Some(d.username.clone()),
            Some(d.realm.clone()),
            Some(d.ha1_md5.clone()),
            Some(d.ha1_sha256.clone()),
        ),
    };
    am.digest_username = Set(user);
    am.digest_realm = Set(realm);
    am.digest_ha1_md5 = Set(md5);
    am.digest_ha1_sha256 = Set(sha);
}

fn audit_detail(input: &InboundTrunkInput) -> serde_json::Value {
    serde_json::json!({
        "name": input.name,
        "enabled": input.enabled,
        "sources": input.sources.len(),
        // Whether credentials changed, never what they are.
        "credentials": match input.digest {
            DigestChange::None => "none",
            DigestChange::Keep => "kept",
            DigestChange::Set(_) => "set",
        },
    })
}

impl Store {
    /// The tenant's inbound trunks, oldest first (admins).
    pub async fn inbound_trunks(
        &self,
        scope: &TenantScope,
    ) -> Result<Vec<InboundTrunk>, StoreError> {
        require(scope, Role::is_admin, "read trunks")?;
        inbound_trunk::Entity::find()
            .filter(inbound_trunk::Column::TenantId.eq(scope.tenant().to_string()))
            .order_by_asc(inbound_trunk::Column::Id)
            .all(self.db())
            .await?
            .into_iter()
            .map(InboundTrunk::try_from)
            .collect()
    }

    /// One inbound trunk of the tenant (admins).
    pub async fn inbound_trunk(
        &self,
        scope: &TenantScope,
        id: TrunkId,
    ) -> Result<InboundTrunk, StoreError> {
        require(scope, Role::is_admin, "read trunks")?;
        inbound_trunk::Entity::find_by_id((scope.tenant().to_string(), id.to_string()))
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound)?
            .try_into()
    }

    /// Create an inbound trunk (admins). It must match something: sources or credentials.
    pub async fn create_inbound_trunk(
        &self,
        scope: &TenantScope,
        input: &InboundTrunkInput,
    ) -> Result<InboundTrunk, StoreError> {
        require(scope, Role::is_admin, "change trunks")?;
        if input.digest == DigestChange::Keep {
            return Err(StoreError::Invalid {
                field: "digest_password",
                message: "a new trunk's digest username needs a password".into(),
            });
        }
        check_matches_something(input, false)?;
        let txn = self.write_txn().await?;
        let count = inbound_trunk::Entity::find()
            .filter(inbound_trunk::Column::TenantId.eq(scope.tenant().to_string()))
            .count(&txn)
            .await?;
        if count >= MAX_TRUNKS {
            return Err(StoreError::Invalid {
                field: "name",
                message: format!("a company may have at most {MAX_TRUNKS} inbound trunks"),
            });
        }
        let id = TrunkId::new();
        check_unique(&txn, scope, &id.to_string(), input).await?;
        let now = Utc::now();
        let mut am = inbound_trunk::ActiveModel {
            tenant_id: Set(scope.tenant().to_string()),
            id: Set(id.to_string()),
            created_at: Set(now),
            updated_at: Set(now),
            digest_username: Set(None),
            digest_realm: Set(None),
            digest_ha1_md5: Set(None),
            digest_ha1_sha256: Set(None),
            ..Default::default()
        };
        apply(&mut am, input);
        let row = am.insert(&txn).await?;
        let detail = audit_detail(input);
        audit::append(
            &txn,
            scope.tenant(),
            Some(scope.principal()),
            "trunk.inbound_created",
            &row.id,
            detail,
        )
        .await?;
        txn.commit().await?;
        self.inbound.invalidate();
        row.try_into()
    }

    /// Replace an inbound trunk's settings (admins).
    pub async fn update_inbound_trunk(
        &self,
        scope: &TenantScope,
        id: TrunkId,
        input: &InboundTrunkInput,
    ) -> Result<InboundTrunk, StoreError> {
        require(scope, Role::is_admin, "change trunks")?;
        let txn = self.write_txn().await?;
        let current =
            inbound_trunk::Entity::find_by_id((scope.tenant().to_string(), id.to_string()))
                .one(&txn)
                .await?
                .ok_or(StoreError::NotFound)?;
        check_matches_something(input, current.digest_username.is_some())?;
        check_unique(&txn, scope, &current.id, input).await?;
        let mut am: inbound_trunk::ActiveModel = current.into();
        apply(&mut am, input);
        am.updated_at = Set(Utc::now());
        let row = am.update(&txn).await?;
        let detail = audit_detail(input);
        audit::append(
            &txn,
            scope.tenant(),
            Some(scope.principal()),
            "trunk.inbound_updated",
            &row.id,
            detail,
        )
        .await?;
        txn.commit().await?;
        self.inbound.invalidate();
        row.try_into()
    }

    /// Delete an inbound trunk (admins); refused while a number is restricted to it, because
    /// dropping it from the restriction would widen who may reach that number.
    pub async fn delete_inbound_trunk(
        &self,
        scope: &TenantScope,
        id: TrunkId,
    ) -> Result<(), StoreError> {
        require(scope, Role::is_admin, "change trunks")?;
        let tenant = scope.tenant().to_string();
        let txn = self.write_txn().await?;
        // Delete first: the row lock orders this against a number being restricted to it.
        let res = inbound_trunk::Entity::delete_by_id((tenant.clone(), id.to_string()))
            .exec(&txn)
            .await?;
        if res.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        let users: Vec<String> = number::Entity::find()
            .filter(number::Column::TenantId.eq(&tenant))
            .filter(number::Column::Trunks.contains(id.to_string()))
            .order_by_asc(number::Column::Number)
            .all(&txn)
            .await?
            .into_iter()
            .map(|n| n.number)
            .collect();
        if !users.is_empty() {
            return Err(StoreError::InUse {
                field: "id",
                message: format!(
                    "numbers {} accept calls only through this trunk; change them first",
                    users.join(", ")
                ),
            });
        }
        audit::append(
            &txn,
            scope.tenant(),
            Some(scope.principal()),
            "trunk.inbound_deleted",
            &id.to_string(),
            serde_json::json!({}),
        )
        .await?;
        txn.commit().await?;
        self.inbound.invalidate();
        Ok(())
    }
}

fn check_matches_something(input: &InboundTrunkInput, had_digest: bool) -> Result<(), StoreError> {
    let has_digest = match input.digest {
        DigestChange::None => false,
        DigestChange::Set(_) => true,
        DigestChange::Keep => had_digest,
    };
    if input.digest == DigestChange::Keep && !had_digest {
        return Err(StoreError::Invalid {
            field: "digest_password",
            message: "set a password with the digest username".into(),
        });
    }
    if input.sources.is_empty() && !has_digest {
        return Err(StoreError::Invalid {
            field: "sources",
            message: "list at least one source address, or set digest credentials".into(),
        });
    }
    if input.sources.len() > MAX_SOURCES {
        return Err(StoreError::Invalid {
            field: "sources",
            message: format!("at most {MAX_SOURCES} source networks"),
        });
    }
    Ok(())
}
