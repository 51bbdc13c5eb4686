//! The tenant event log: domain events appended in batches and numbered per tenant, read back
//! in order by the event API and the stream, and the calls left open by a node that stopped.
//!
//! One append is one transaction: the tenant's counter is bumped by the batch's count (an
//! upsert, so concurrent writers never share a number), the events are inserted, a
//! `call.received` opens the call and a `call.ended` closes it and writes its detail record,
//! derived from the event alone. So the log, the open calls and the records never disagree.
//!
//! Appending takes each event's own scope and checks no role (the writer is the platform, not
//! a person). Reading checks the role: supervisors and admins read everything, an agent reads
//! only the `agent.*` events about themselves, a developer only `plugin.*`. Never deletes a
//! single event: only retention removes the oldest, by time.

use std::collections::HashMap;

use chrono::{DateTime, SubsecRound, Utc};
use kefu_core::event::{CallEnded, DomainEvent, Event};
use kefu_core::{AgentId, EventId, Role, TenantId, TenantScope};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::entity::{call_record, event, event_counter, open_call};
use crate::{Store, StoreError, parse_id};

/// Most events one page returns.
pub const MAX_PAGE: u64 = 1000;
/// Largest event data accepted (JSON bytes); a producer bug, not a caller, would exceed it.
pub const MAX_DATA_BYTES: usize = 64 * 1024;

/// An event to append: what happened and when.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// What happened.
    pub event: DomainEvent,
    /// When.
    pub at: DateTime<Utc>,
}

/// Which events to list, oldest first.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only events after this sequence number.
    pub after: Option<u64>,
    /// Only these types: exact names (`call.ended`) or families ending in a dot (`call.`).
    pub types: Vec<String>,
    /// Only events about this subject (a call, agent or recording id, a queue name).
    pub subject: Option<String>,
    /// Page size (1 to [`MAX_PAGE`]).
    pub limit: u64,
}

/// A call a node started and never ended, as the log knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenCall {
    /// The tenant.
    pub tenant: TenantId,
    /// The call's id.
    pub call: kefu_core::CallId,
    /// When it started.
    pub started_at: DateTime<Utc>,
}

/// Whether a reader in `scope` may see `event` (the rule the listing applies in SQL, for the
/// live stream).
pub fn may_see(scope: &TenantScope, event: &Event) -> bool {
    if event.tenant != scope.tenant() {
        return false;
    }
    match scope.role() {
        r if r.is_supervisor() => true,
        Role::Agent => {
            event.event.name().starts_with("agent.")
                && scope.user().is_some_and(|user| {
                    event.event.agent() == Some(AgentId::from_ulid(user.ulid()))
                })
        }
        Role::Developer => event.event.name().starts_with("plugin."),
        _ => false,
    }
}

fn ms(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(3)
}

impl Store {
    /// Appends events, each to its scope's tenant log, in one transaction, and returns them
    /// numbered, in the order given. A `call.ended` also writes the call's detail record (an
    /// id already recorded is left as it is). An event that cannot be stored (oversized data)
    /// fails the whole batch before anything is written.
    pub async fn append_events(
        &self,
        batch: &[(TenantScope, NewEvent)],
    ) -> Result<Vec<Event>, StoreError> {
        let batch: Vec<(TenantId, &NewEvent)> = batch
            .iter()
            .map(|(scope, new)| (scope.tenant(), new))
            .collect();
        self.append(&batch).await
    }

    async fn append(&self, batch: &[(TenantId, &NewEvent)]) -> Result<Vec<Event>, StoreError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let mut prepared = Vec::with_capacity(batch.len());
        for (tenant, new) in batch {
            let data = new.event.data_json();
            if data.len() > MAX_DATA_BYTES {
                return Err(StoreError::Invalid {
                    field: "data",
                    message: format!(
                        "a {} event's data is {} bytes; at most {MAX_DATA_BYTES} are kept",
                        new.event.name(),
                        data.len()
                    ),
                });
            }
            prepared.push((*tenant, *new, data));
        }
        let mut per_tenant: HashMap<TenantId, i64> = HashMap::new();
        for (tenant, _, _) in &prepared {
            *per_tenant.entry(*tenant).or_default() += 1;
        }
        let txn = self.write_txn().await?;
        // Each tenant's first number in this batch.
        let mut next: HashMap<TenantId, i64> = HashMap::with_capacity(per_tenant.len());
        for (tenant, count) in per_tenant {
            let counter = event_counter::ActiveModel {
                tenant_id: Set(tenant.to_string()),
                last_seq: Set(count),
            };
            let row = event_counter::Entity::insert(counter)
                .on_conflict(
                    OnConflict::column(event_counter::Column::TenantId)
                        .value(
                            event_counter::Column::LastSeq,
                            Expr::col((event_counter::Entity, event_counter::Column::LastSeq))
                                .add(count),
                        )
                        .to_owned(),
                )
                .exec_with_returning(&txn)
                .await?;
            next.insert(tenant, row.last_seq - count + 1);
        }
        let mut stored = Vec::with_capacity(prepared.len());
        let mut rows = Vec::with_capacity(prepared.len());
        let mut opened = Vec::new();
        let mut closed = Vec::new();
        let mut records = Vec::new();
        for (tenant, new, data) in prepared {
            let slot = next.entry(tenant).or_insert(1);
            let seq = *slot;
            *slot += 1;
            let at = ms(new.at);
            let id = EventId::new();
            let subject = new.event.subject();
            rows.push(event::ActiveModel {
                tenant_id: Set(tenant.to_string()),
                seq: Set(seq),
                id: Set(id.to_string()),
                kind: Set(new.event.name().to_owned()),
                subject: Set(subject.clone()),
                at: Set(at),
                data: Set(data),
            });
            match &new.event {
                DomainEvent::CallReceived(r) => opened.push(open_call::ActiveModel {
                    tenant_id: Set(tenant.to_string()),
                    call_id: Set(r.call.to_string()),
                    node: Set(r.node.chars().take(64).collect()),
                    started_at: Set(at),
                }),
                DomainEvent::CallEnded(e) => {
                    closed.push((tenant, e.received.call));
                    records.push(crate::call_records::row_of_ended(tenant, e)?);
                }
                _ => {}
            }
            stored.push(Event {
                seq: u64::try_from(seq).unwrap_or_default(),
                id,
                tenant,
                at,
                subject,
                event: new.event.clone(),
            });
        }
        // SQLite caps bound parameters per statement; 7 columns × 500 rows stays well inside.
        for chunk in rows.chunks(500) {
            event::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        if !opened.is_empty() {
            open_call::Entity::insert_many(opened)
                .on_conflict_do_nothing()
                .exec_without_returning(&txn)
                .await?;
        }
        // One statement per tenant (and 500 calls), not one per ended call: a batch of calls
        // ends about a quarter of them, and a statement each was most of the batch's time.
        let mut closed_by_tenant: HashMap<TenantId, Vec<String>> = HashMap::new();
        for (tenant, call) in &closed {
            closed_by_tenant
                .entry(*tenant)
                .or_default()
                .push(call.to_string());
        }
        for (tenant, calls) in closed_by_tenant {
            for chunk in calls.chunks(500) {
                open_call::Entity::delete_many()
                    .filter(open_call::Column::TenantId.eq(tenant.to_string()))
                    .filter(open_call::Column::CallId.is_in(chunk.iter().cloned()))
                    .exec(&txn)
                    .await?;
            }
        }
        for chunk in records.chunks(200) {
            call_record::Entity::insert_many(chunk.to_vec())
                .on_conflict_do_nothing()
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(stored)
    }

    /// The scope's tenant's events the scope's role may read, oldest first.
    pub async fn events(
        &self,
        scope: &TenantScope,
        filter: &EventFilter,
    ) -> Result<Vec<Event>, StoreError> {
        let limit = filter.limit.clamp(1, MAX_PAGE);
        let mut cond = Condition::all().add(event::Column::TenantId.eq(scope.tenant().to_string()));
        match scope.role() {
            r if r.is_supervisor() => {}
            Role::Agent => {
                let user = scope
                    .user()
                    .ok_or(StoreError::Forbidden("read the event log"))?;
                let me = AgentId::from_ulid(user.ulid()).to_string();
                cond = cond
                    .add(event::Column::Subject.eq(me))
                    .add(event::Column::Kind.starts_with("agent."));
            }
            Role::Developer => cond = cond.add(event::Column::Kind.starts_with("plugin.")),
            _ => return Err(StoreError::Forbidden("read the event log")),
        }
        if let Some(after) = filter.after {
            cond = cond.add(event::Column::Seq.gt(i64::try_from(after).unwrap_or(i64::MAX)));
        }
        if let Some(subject) = &filter.subject {
            cond = cond.add(event::Column::Subject.eq(subject.clone()));
        }
        if !filter.types.is_empty() {
            let mut any = Condition::any();
            for t in &filter.types {
                any = if t.ends_with('.') {
                    any.add(event::Column::Kind.starts_with(t.as_str()))
                } else {
                    any.add(event::Column::Kind.eq(t.clone()))
                };
            }
            cond = cond.add(any);
        }
        let rows = event::Entity::find()
            .filter(cond)
            .order_by_asc(event::Column::Seq)
            .limit(limit)
            .all(self.db())
            .await?;
        rows.into_iter().map(event_of_row).collect()
    }

    /// The oldest sequence number still kept for the scope's tenant, and the newest
    /// (`None`: the log is empty). A stream asked to resume before the oldest must resync.
    pub async fn event_bounds(
        &self,
        scope: &TenantScope,
    ) -> Result<Option<(u64, u64)>, StoreError> {
        let tenant = scope.tenant().to_string();
        let first = event::Entity::find()
            .filter(event::Column::TenantId.eq(tenant.clone()))
            .order_by_asc(event::Column::Seq)
            .one(self.db())
            .await?;
        let Some(first) = first else {
            return Ok(None);
        };
        let last = event_counter::Entity::find_by_id(tenant)
            .one(self.db())
            .await?
            .map_or(first.seq, |c| c.last_seq);
        Ok(Some((
            u64::try_from(first.seq).unwrap_or_default(),
            u64::try_from(last).unwrap_or_default(),
        )))
    }

    /// Calls `node` started and never ended (maintenance at start-up; not tenant-scoped).
    pub async fn open_calls(&self, node: &str) -> Result<Vec<OpenCall>, StoreError> {
        let rows = open_call::Entity::find()
            .filter(open_call::Column::Node.eq(node))
            .order_by_asc(open_call::Column::StartedAt)
            .all(self.db())
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(OpenCall {
                    tenant: parse_id(&r.tenant_id)?,
                    call: parse_id(&r.call_id)?,
                    started_at: r.started_at,
                })
            })
            .collect()
    }

    /// Every event of one call in its tenant's log, oldest first (maintenance: closing calls
    /// after a crash).
    pub async fn call_story(&self, call: &OpenCall) -> Result<Vec<Event>, StoreError> {
        let rows = event::Entity::find()
            .filter(event::Column::TenantId.eq(call.tenant.to_string()))
            .filter(event::Column::Subject.eq(call.call.to_string()))
            .order_by_asc(event::Column::Seq)
            .all(self.db())
            .await?;
        rows.into_iter().map(event_of_row).collect()
    }

    /// Appends the `call.ended` that closes a call found open after a crash, in the call's own
    /// tenant, with its detail record (maintenance; the tenant comes from the open-call row).
    pub async fn close_open_call(
        &self,
        call: &OpenCall,
        ended: CallEnded,
        at: DateTime<Utc>,
    ) -> Result<Event, StoreError> {
        if ended.received.call != call.call {
            return Err(StoreError::Invalid {
                field: "call",
                message: "the ending names another call".into(),
            });
        }
        // The tenant comes from our own open-call row, read by `open_calls`: the system closes
        // its own unfinished business; no request acts for anyone here.
        let new = NewEvent {
            event: DomainEvent::CallEnded(Box::new(ended)),
            at,
        };
        let mut stored = self.append(&[(call.tenant, &new)]).await?;
        stored.pop().ok_or(StoreError::NotFound)
    }

    /// Drops an open-call row without an ending (its story is gone: nothing to derive a record
    /// from). Maintenance only.
    pub async fn forget_open_call(&self, call: &OpenCall) -> Result<(), StoreError> {
        open_call::Entity::delete_many()
            .filter(open_call::Column::TenantId.eq(call.tenant.to_string()))
            .filter(open_call::Column::CallId.eq(call.call.to_string()))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Retention: deletes events older than `before` in every tenant; returns how many.
    pub async fn delete_events_before(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = event::Entity::delete_many()
            .filter(event::Column::At.lt(before))
            .exec(self.db())
            .await?;
        Ok(done.rows_affected)
    }

    /// How many events every tenant's log holds (metrics and tests).
    pub async fn event_count(&self) -> Result<u64, StoreError> {
        use sea_orm::PaginatorTrait;
        Ok(event::Entity::find().count(self.db()).await?)
    }
}

fn event_of_row(m: event::Model) -> Result<Event, StoreError> {
    let event = DomainEvent::from_parts(&m.kind, &m.data)
        .map_err(|e| StoreError::Corrupt(format!("event {} ({}): {e}", m.seq, m.kind)))?;
    Ok(Event {
        seq: u64::try_from(m.seq).unwrap_or_default(),
        id: parse_id(&m.id)?,
        tenant: parse_id(&m.tenant_id)?,
        at: m.at,
        subject: m.subject,
        event,
    })
}
