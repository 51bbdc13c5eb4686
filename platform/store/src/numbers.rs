//! Phone numbers (DIDs): which tenant a dialled number belongs to and where its calls go.
//!
//! A number is globally unique — one number, one tenant — and a second tenant claiming it gets
//! a conflict that does not say who owns it. Its entry is an installed IVR plugin or a queue of
//! the tenant's routing document, checked in the same transaction that saves the number, and
//! the referenced objects cannot be removed while a number points at them (uninstalling the
//! plugin or deleting the queue is a conflict naming the numbers). A number answered by an IVR
//! may name a fallback queue, where its calls go when the IVR fails; it is guarded the same
//! way. To guard queue references this module knows one path of the routing document,
//! `queues[].id`, and nothing else of it.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use kefu_core::{DidId, E164, QueueId, Role, TenantScope, TrunkId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::entity::{inbound_trunk, number, plugin_installation, plugin_version, tenant_config};
use crate::{Store, StoreError, audit, parse_id, require};

/// Most numbers a tenant may have.
pub const MAX_NUMBERS: u64 = 10_000;
/// Most inbound trunks a number may be restricted to.
pub const MAX_NUMBER_TRUNKS: usize = 16;

/// Where a number's calls go.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NumberEntry {
    /// An installed IVR plugin (`ins_…`).
    Ivr {
        /// The installation id.
        installation: String,
    },
    /// A queue of the routing document.
    Queue {
        /// The queue id.
        queue: QueueId,
    },
}

impl NumberEntry {
    fn kind(&self) -> &'static str {
        match self {
            NumberEntry::Ivr { .. } => "ivr",
            NumberEntry::Queue { .. } => "queue",
        }
    }

    fn target(&self) -> String {
        match self {
            NumberEntry::Ivr { installation } => installation.clone(),
            NumberEntry::Queue { queue } => queue.to_string(),
        }
    }

    pub(crate) fn from_row(kind: &str, target: &str) -> Result<NumberEntry, StoreError> {
        match kind {
            "ivr" => Ok(NumberEntry::Ivr {
                installation: target.to_owned(),
            }),
            "queue" => Ok(NumberEntry::Queue {
                queue: parse_id(target)?,
            }),
            other => Err(StoreError::Corrupt(format!("number entry kind {other}"))),
        }
    }
}

/// A number as admins see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number {
    /// Its id.
    pub id: DidId,
    /// The number.
    pub number: E164,
    /// A label for people ("Sales hotline").
    pub label: String,
    /// Where calls go.
    pub entry: NumberEntry,
    /// Where calls go when the IVR fails (IVR entries only); `None`: they are hung up after
    /// an apology.
    pub fallback_queue: Option<QueueId>,
    /// Inbound trunks the number may be reached through; empty: any trunk of the tenant.
    pub trunks: Vec<TrunkId>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

/// A number to create, or the new state of one (validated by the caller).
#[derive(Debug, Clone)]
pub struct NumberInput {
    /// The number.
    pub number: E164,
    /// Label.
    pub label: String,
    /// Entry.
    pub entry: NumberEntry,
    /// Fallback queue (only with an IVR entry).
    pub fallback_queue: Option<QueueId>,
    /// Trunk restriction (at most [`MAX_NUMBER_TRUNKS`]).
    pub trunks: Vec<TrunkId>,
}

pub(crate) fn parse_trunks(text: &str) -> Result<Vec<TrunkId>, StoreError> {
    let ids: Vec<String> = serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("number trunks: {e}")))?;
    ids.iter().map(|t| parse_id(t)).collect()
}

impl TryFrom<number::Model> for Number {
    type Error = StoreError;
    fn try_from(m: number::Model) -> Result<Self, StoreError> {
        Ok(Number {
            id: parse_id(&m.id)?,
            number: E164::parse(&m.number)
                .map_err(|_| StoreError::Corrupt(format!("number {}", m.number)))?,
            entry: NumberEntry::from_row(&m.entry_kind, &m.entry_target)?,
            fallback_queue: m.fallback_queue.as_deref().map(parse_id).transpose()?,
            trunks: parse_trunks(&m.trunks)?,
            label: m.label,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

/// The queue ids of a routing document (`queues[].id`).
fn routing_queue_ids(doc: &str) -> Result<BTreeSet<String>, StoreError> {
    let v: serde_json::Value = serde_json::from_str(doc)
        .map_err(|e| StoreError::Corrupt(format!("routing document: {e}")))?;
    Ok(v.get("queues")
        .and_then(serde_json::Value::as_array)
        .map(|qs| {
            qs.iter()
                .filter_map(|q| q.get("id")?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

/// Refuse a routing document that drops a queue a number points at. Called by the document
/// save after its row update, so the row lock orders it against a number being created.
pub(crate) async fn guard_routing_doc(
    txn: &DatabaseTransaction,
    tenant: &str,
    doc: &str,
) -> Result<(), StoreError> {
    let queues = routing_queue_ids(doc)?;
    let rows = number::Entity::find()
        .filter(number::Column::TenantId.eq(tenant))
        .order_by_asc(number::Column::Number)
        .all(txn)
        .await?;
    let entries: Vec<String> = rows
        .iter()
        .filter(|n| n.entry_kind == "queue" && !queues.contains(&n.entry_target))
        .map(|n| n.number.clone())
        .collect();
    in_use(&entries, "go to this queue")?;
    let fallbacks: Vec<String> = rows
        .iter()
        .filter(|n| {
            n.fallback_queue
                .as_ref()
                .is_some_and(|q| !queues.contains(q))
        })
        .map(|n| n.number.clone())
        .collect();
    in_use(&fallbacks, "fall back to this queue when their IVR fails")
}

/// Refuse removing an installation a number points at (called after the delete, in its txn).
pub(crate) async fn guard_installation(
    txn: &DatabaseTransaction,
    tenant: &str,
    installation: &str,
) -> Result<(), StoreError> {
    let users: Vec<String> = number::Entity::find()
        .filter(number::Column::TenantId.eq(tenant))
        .filter(number::Column::EntryKind.eq("ivr"))
        .filter(number::Column::EntryTarget.eq(installation))
        .order_by_asc(number::Column::Number)
        .all(txn)
        .await?
        .into_iter()
        .map(|n| n.number)
        .collect();
    in_use(&users, "are answered by this installation")
}

fn in_use(numbers: &[String], what: &str) -> Result<(), StoreError> {
    if numbers.is_empty() {
        return Ok(());
    }
    Err(StoreError::InUse {
        field: "id",
        message: format!(
            "numbers {} {what}; point them elsewhere first",
            numbers.join(", ")
        ),
    })
}

/// Check the entry and trunks exist in the tenant, locking them against concurrent removal.
async fn check_references(
    txn: &DatabaseTransaction,
    tenant: &str,
    input: &NumberInput,
) -> Result<(), StoreError> {
    match &input.entry {
        NumberEntry::Ivr { installation } => {
            let found =
                plugin_installation::Entity::find_by_id((tenant.to_owned(), installation.clone()))
                    .lock_exclusive()
                    .one(txn)
                    .await?
                    .ok_or_else(|| StoreError::Invalid {
                        field: "entry.installation",
                        message: format!("no plugin installation {installation} in your company"),
                    })?;
            let world = plugin_version::Entity::find_by_id((
                found.publisher_id.clone(),
                found.name.clone(),
                found.version.clone(),
            ))
            .one(txn)
            .await?
            .map(|v| v.world);
            if world.as_deref() != Some("ivr") {
                return Err(StoreError::Invalid {
                    field: "entry.installation",
                    message: format!("{} is not an IVR plugin; a number needs an IVR", found.name),
                });
            }
        }
        NumberEntry::Queue { queue } => check_queue(txn, tenant, "entry.queue", queue).await?,
    }
    if let Some(queue) = &input.fallback_queue {
        check_queue(txn, tenant, "fallback_queue", queue).await?;
    }
    for (i, trunk) in input.trunks.iter().enumerate() {
        let found = inbound_trunk::Entity::find_by_id((tenant.to_owned(), trunk.to_string()))
            .lock_exclusive()
            .one(txn)
            .await?;
        if found.is_none() {
            return Err(StoreError::Invalid {
                field: "trunks",
                message: format!("trunks[{i}]: no inbound trunk {trunk} in your company"),
            });
        }
    }
    Ok(())
}

/// Check a queue is in the tenant's routing document, locking the document against a
/// concurrent save that would drop it.
async fn check_queue(
    txn: &DatabaseTransaction,
    tenant: &str,
    field: &'static str,
    queue: &QueueId,
) -> Result<(), StoreError> {
    let doc = tenant_config::Entity::find_by_id((tenant.to_owned(), "routing".to_owned()))
        .lock_exclusive()
        .one(txn)
        .await?;
    let exists = match doc {
        Some(d) => routing_queue_ids(&d.doc)?.contains(&queue.to_string()),
        None => false,
    };
    if !exists {
        return Err(StoreError::Invalid {
            field,
            message: format!("no queue {queue} in your company"),
        });
    }
    Ok(())
}

/// A number may belong to one tenant only; `except` is the number's own row on an update.
async fn check_number_free(
    txn: &DatabaseTransaction,
    tenant: &str,
    except: &str,
    number: &E164,
) -> Result<(), StoreError> {
    let holder = number::Entity::find()
        .filter(number::Column::Number.eq(number.as_str()))
        .one(txn)
        .await?;
    match holder {
        Some(h) if h.tenant_id == tenant && h.id == except => Ok(()),
        Some(h) if h.tenant_id == tenant => Err(StoreError::Conflict {
            field: "number",
            message: format!("{number} is already one of your numbers"),
        }),
        // Whose it is stays private.
        Some(_) => Err(StoreError::Conflict {
            field: "number",
            message: format!("{number} is not available: it is in use by another account"),
        }),
        None => Ok(()),
    }
}

fn trunks_text(trunks: &[TrunkId]) -> String {
    let ids: Vec<String> = trunks.iter().map(ToString::to_string).collect();
    serde_json::Value::from(ids).to_string()
}

fn audit_detail(input: &NumberInput) -> serde_json::Value {
    serde_json::json!({
        "number": input.number.as_str(),
        "entry": input.entry.kind(),
        "target": input.entry.target(),
        "fallback_queue": input.fallback_queue.map(|q| q.to_string()),
        "trunks": input.trunks.len(),
    })
}

fn check_bounds(input: &NumberInput) -> Result<(), StoreError> {
    if input.trunks.len() > MAX_NUMBER_TRUNKS {
        return Err(StoreError::Invalid {
            field: "trunks",
            message: format!("at most {MAX_NUMBER_TRUNKS} trunks"),
        });
    }
    if input.fallback_queue.is_some() && !matches!(input.entry, NumberEntry::Ivr { .. }) {
        return Err(StoreError::Invalid {
            field: "fallback_queue",
            message: "a fallback queue is for numbers answered by an IVR; this number's calls \
                      go to a queue already"
                .into(),
        });
    }
    Ok(())
}

impl Store {
    /// The tenant's numbers in number order (admins).
    pub async fn numbers(&self, scope: &TenantScope) -> Result<Vec<Number>, StoreError> {
        require(scope, Role::is_admin, "read numbers")?;
        number::Entity::find()
            .filter(number::Column::TenantId.eq(scope.tenant().to_string()))
            .order_by_asc(number::Column::Number)
            .all(self.db())
            .await?
            .into_iter()
            .map(Number::try_from)
            .collect()
    }

    /// One number of the tenant (admins).
    pub async fn number(&self, scope: &TenantScope, id: DidId) -> Result<Number, StoreError> {
        require(scope, Role::is_admin, "read numbers")?;
        number::Entity::find_by_id((scope.tenant().to_string(), id.to_string()))
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound)?
            .try_into()
    }

    /// Claim a number for the tenant (admins). 409 if any tenant has it already.
    pub async fn create_number(
        &self,
        scope: &TenantScope,
        input: &NumberInput,
    ) -> Result<Number, StoreError> {
        require(scope, Role::is_admin, "change numbers")?;
        check_bounds(input)?;
        let tenant = scope.tenant().to_string();
        let txn = self.write_txn().await?;
        let count = number::Entity::find()
            .filter(number::Column::TenantId.eq(&tenant))
            .count(&txn)
            .await?;
        if count >= MAX_NUMBERS {
            return Err(StoreError::Invalid {
                field: "number",
                message: format!("a company may have at most {MAX_NUMBERS} numbers"),
            });
        }
        let id = DidId::new();
        check_number_free(&txn, &tenant, &id.to_string(), &input.number).await?;
        check_references(&txn, &tenant, input).await?;
        let now = Utc::now();
        let row = number::ActiveModel {
            tenant_id: Set(tenant),
            id: Set(id.to_string()),
            number: Set(input.number.as_str().to_owned()),
            label: Set(input.label.clone()),
            entry_kind: Set(input.entry.kind().to_owned()),
            entry_target: Set(input.entry.target()),
            trunks: Set(trunks_text(&input.trunks)),
            fallback_queue: Set(input.fallback_queue.map(|q| q.to_string())),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        audit::append(
            &txn,
            scope.tenant(),
            Some(scope.principal()),
            "number.created",
            &row.id,
            audit_detail(input),
        )
        .await?;
        txn.commit().await?;
        self.inbound.invalidate();
        row.try_into()
    }

    /// Replace a number's settings (admins): its entry may change freely.
    pub async fn update_number(
        &self,
        scope: &TenantScope,
        id: DidId,
        input: &NumberInput,
    ) -> Result<Number, StoreError> {
        require(scope, Role::is_admin, "change numbers")?;
        check_bounds(input)?;
        let tenant = scope.tenant().to_string();
        let txn = self.write_txn().await?;
        let current = number::Entity::find_by_id((tenant.clone(), id.to_string()))
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        check_number_free(&txn, &tenant, &current.id, &input.number).await?;
        check_references(&txn, &tenant, input).await?;
        let mut am: number::ActiveModel = current.into();
        am.number = Set(input.number.as_str().to_owned());
        am.label = Set(input.label.clone());
        am.entry_kind = Set(input.entry.kind().to_owned());
        am.entry_target = Set(input.entry.target());
        am.trunks = Set(trunks_text(&input.trunks));
        am.fallback_queue = Set(input.fallback_queue.map(|q| q.to_string()));
        am.updated_at = Set(Utc::now());
        let row = am.update(&txn).await?;
        audit::append(
            &txn,
            scope.tenant(),
            Some(scope.principal()),
            "number.updated",
            &row.id,
            audit_detail(input),
        )
        .await?;
        txn.commit().await?;
        self.inbound.invalidate();
        row.try_into()
    }

    /// Release a number (admins).
    pub async fn delete_number(&self, scope: &TenantScope, id: DidId) -> Result<(), StoreError> {
        require(scope, Role::is_admin, "change numbers")?;
        let txn = self.write_txn().await?;
        let current = number::Entity::find_by_id((scope.tenant().to_string(), id.to_string()))
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        number::Entity::delete_by_id((scope.tenant().to_string(), id.to_string()))
            .exec(&txn)
            .await?;
        audit::append(
            &txn,
            scope.tenant(),
            Some(scope.principal()),
            "number.deleted",
            &current.id,
            serde_json::json!({ "number": current.number }),
        )
        .await?;
        txn.commit().await?;
        self.inbound.invalidate();
        Ok(())
    }
}
