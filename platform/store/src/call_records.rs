//! Call detail records (CDRs): one row per finished call, written once by the call actor at
//! hang-up and read by supervisors and admins, newest first.
//!
//! Writing takes the call's own scope (the one the inbound route minted for the trunk) and
//! checks no role: the actor is not a person, and the row goes to the scope's tenant whatever
//! the role. Reading always checks the role. A record is never changed after it is written;
//! writing the same call id again returns the record already stored, so an actor that retries
//! after a lost reply does not fail.

use chrono::{DateTime, SubsecRound, Utc};
use kefu_core::event::CallEnded;
use kefu_core::{AgentId, CallId, DidId, Role, TenantId, TenantScope, TrunkId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, TryInsertResult,
};
use serde::Serialize;

use crate::entity::call_record;
use crate::{Store, StoreError, parse_id, require};

/// Most records one page returns.
pub const MAX_PAGE: u64 = 200;

/// The directions a call may have.
pub const DIRECTIONS: [&str; 2] = ["inbound", "outbound"];

/// A finished call, as the call actor reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCallRecord {
    /// The call's id.
    pub id: CallId,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// Who called (the From user part, as received).
    pub caller: String,
    /// The number dialled (the request-URI user part, as received).
    pub dialled: String,
    /// The tenant's number the call reached, if any.
    pub did: Option<DidId>,
    /// The trunk the call came through, if any.
    pub trunk: Option<TrunkId>,
    /// Where the number sent the call (IVR installation or queue), as the actor saw it.
    pub entry: Option<serde_json::Value>,
    /// The SIP Call-ID of the caller's leg.
    pub sip_call_id: String,
    /// When the INVITE arrived.
    pub started_at: DateTime<Utc>,
    /// When the call was answered (by the IVR or an agent), if it was.
    pub answered_at: Option<DateTime<Utc>>,
    /// When the last leg hung up.
    pub ended_at: DateTime<Utc>,
    /// How the call ended (`completed`, `abandoned`, `voicemail`, `failed`, …).
    pub disposition: String,
    /// Who hung up (`caller`, `agent`, `system`, …).
    pub hangup_by: String,
    /// The IVR menu nodes the caller went through, in order.
    pub ivr_path: Vec<String>,
    /// The queue the call waited in, if it did.
    pub queue: Option<String>,
    /// How long it waited there, milliseconds.
    pub queue_wait_ms: Option<i64>,
    /// The call's data (set by plugins), in the order it was set. Keys are unique; a repeated
    /// key keeps its last value.
    pub call_data: Vec<(String, String)>,
    /// Media summary (codec, packets, loss, …), a JSON object.
    pub media: serde_json::Value,
    /// Agents who talked to the caller, in order.
    pub agents: Vec<AgentId>,
    /// Time the caller talked to agents, milliseconds.
    pub talk_ms: Option<i64>,
    /// Time the caller was on hold, milliseconds.
    pub hold_ms: Option<i64>,
    /// How many times the caller was put on hold.
    pub holds: i32,
    /// Why the call failed or ended early, for people.
    pub reason: Option<String>,
}

/// A stored call detail record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallRecord {
    /// The call's id.
    pub id: CallId,
    /// The tenant.
    pub tenant: TenantId,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// Who called.
    pub caller: String,
    /// The number dialled.
    pub dialled: String,
    /// The tenant's number the call reached.
    pub did: Option<DidId>,
    /// The trunk the call came through.
    pub trunk: Option<TrunkId>,
    /// Where the number sent the call.
    pub entry: Option<serde_json::Value>,
    /// The SIP Call-ID of the caller's leg.
    pub sip_call_id: String,
    /// When the INVITE arrived (millisecond precision).
    pub started_at: DateTime<Utc>,
    /// When the call was answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// When the call ended.
    pub ended_at: DateTime<Utc>,
    /// From start to end, milliseconds (never negative).
    pub duration_ms: i64,
    /// How the call ended.
    pub disposition: String,
    /// Who hung up.
    pub hangup_by: String,
    /// The IVR menu nodes the caller went through.
    pub ivr_path: Vec<String>,
    /// The queue the call waited in.
    pub queue: Option<String>,
    /// How long it waited there, milliseconds.
    pub queue_wait_ms: Option<i64>,
    /// The call's data, in the order it was set; serialized as a JSON object.
    #[serde(serialize_with = "serialize_pairs")]
    pub call_data: Vec<(String, String)>,
    /// Media summary.
    pub media: serde_json::Value,
    /// Agents who talked to the caller, in order.
    pub agents: Vec<AgentId>,
    /// Time the caller talked to agents, milliseconds.
    pub talk_ms: Option<i64>,
    /// Time the caller was on hold, milliseconds.
    pub hold_ms: Option<i64>,
    /// How many times the caller was put on hold.
    pub holds: i32,
    /// Why the call failed or ended early.
    pub reason: Option<String>,
}

/// Which records to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct CallRecordFilter {
    /// Only records after this one in the listing (the previous page's last id).
    pub before: Option<CallId>,
    /// Page size (1 to [`MAX_PAGE`]).
    pub limit: u64,
    /// Only this disposition.
    pub disposition: Option<String>,
    /// Only calls from this caller (exact match).
    pub caller: Option<String>,
}

/// Serialize `(key, value)` pairs as a JSON object, keeping their order.
pub fn serialize_pairs<S: serde::Serializer>(
    pairs: &[(String, String)],
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(pairs.len()))?;
    for (k, v) in pairs {
        map.serialize_entry(k, v)?;
    }
    map.end()
}

/// The pairs with each key once, at its first place, holding its last value.
fn unique_keys(pairs: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        match out.iter_mut().find(|(seen, _)| seen == k) {
            Some(slot) => slot.1 = v.clone(),
            None => out.push((k.clone(), v.clone())),
        }
    }
    out
}

/// A JSON object's text holding the pairs in order.
fn pairs_text(pairs: &[(String, String)]) -> Result<String, StoreError> {
    let mut out = Vec::new();
    serialize_pairs(pairs, &mut serde_json::Serializer::new(&mut out))
        .map_err(|e| StoreError::Corrupt(format!("call data: {e}")))?;
    String::from_utf8(out).map_err(|e| StoreError::Corrupt(format!("call data: {e}")))
}

/// A JSON object's text back into pairs, in the order they are written.
fn parse_pairs(text: &str) -> Result<Vec<(String, String)>, StoreError> {
    struct Pairs(Vec<(String, String)>);
    impl<'de> serde::Deserialize<'de> for Pairs {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Visit;
            impl<'de> serde::de::Visitor<'de> for Visit {
                type Value = Pairs;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("an object of strings")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Pairs, A::Error> {
                    let mut out = Vec::new();
                    while let Some(entry) = map.next_entry::<String, String>()? {
                        out.push(entry);
                    }
                    Ok(Pairs(out))
                }
            }
            d.deserialize_map(Visit)
        }
    }
    serde_json::from_str::<Pairs>(text)
        .map(|p| p.0)
        .map_err(|e| StoreError::Corrupt(format!("call data: {e}")))
}

fn parse_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

impl TryFrom<call_record::Model> for CallRecord {
    type Error = StoreError;
    fn try_from(m: call_record::Model) -> Result<Self, StoreError> {
        Ok(CallRecord {
            id: parse_id(&m.id)?,
            tenant: parse_id(&m.tenant_id)?,
            did: m.did_id.as_deref().map(parse_id).transpose()?,
            trunk: m.trunk_id.as_deref().map(parse_id).transpose()?,
            entry: m
                .entry
                .as_deref()
                .map(|e| parse_json("call entry", e))
                .transpose()?,
            ivr_path: parse_json("ivr path", &m.ivr_path)?,
            call_data: parse_pairs(&m.call_data)?,
            media: parse_json("call media", &m.media)?,
            agents: parse_json("call agents", &m.agents)?,
            talk_ms: m.talk_ms,
            hold_ms: m.hold_ms,
            holds: m.holds,
            direction: m.direction,
            caller: m.caller,
            dialled: m.dialled,
            sip_call_id: m.sip_call_id,
            started_at: m.started_at,
            answered_at: m.answered_at,
            ended_at: m.ended_at,
            duration_ms: m.duration_ms,
            disposition: m.disposition,
            hangup_by: m.hangup_by,
            queue: m.queue,
            queue_wait_ms: m.queue_wait_ms,
            reason: m.reason,
        })
    }
}

/// Times are kept to the millisecond: PostgreSQL keeps microseconds and SQLite the text it was
/// given, and the page cursor compares stored times for equality on both.
fn ms(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(3)
}

/// The record a `call.ended` event holds (the event is the record's source of truth).
pub fn record_of_ended(ended: &CallEnded) -> NewCallRecord {
    let r = &ended.received;
    NewCallRecord {
        id: r.call,
        direction: r.direction.as_str().to_owned(),
        caller: r.caller.clone(),
        dialled: r.dialled.clone(),
        did: r.did,
        trunk: r.trunk,
        entry: r.entry.as_ref().and_then(|e| serde_json::to_value(e).ok()),
        sip_call_id: r.sip_call_id.clone(),
        started_at: ended.started_at,
        answered_at: ended.answered_at,
        ended_at: ended.ended_at,
        disposition: ended.disposition.as_str().to_owned(),
        hangup_by: ended.hangup_by.as_str().to_owned(),
        ivr_path: ended.ivr_path.clone(),
        queue: ended.queue.clone(),
        queue_wait_ms: ended
            .queue_wait_ms
            .map(|ms| i64::try_from(ms).unwrap_or(i64::MAX)),
        call_data: ended.call_data.clone(),
        media: serde_json::to_value(ended.media).unwrap_or(serde_json::Value::Null),
        agents: ended.agents.clone(),
        talk_ms: ended
            .talk_ms
            .map(|ms| i64::try_from(ms).unwrap_or(i64::MAX)),
        hold_ms: ended
            .hold_ms
            .map(|ms| i64::try_from(ms).unwrap_or(i64::MAX)),
        holds: i32::try_from(ended.holds).unwrap_or(i32::MAX),
        reason: ended.reason.clone(),
    }
}

/// The row of the record a `call.ended` event holds, in `tenant`.
pub(crate) fn row_of_ended(
    tenant: TenantId,
    ended: &CallEnded,
) -> Result<call_record::ActiveModel, StoreError> {
    new_row(tenant, &record_of_ended(ended))
}

/// The row for a new record in `tenant`, validated.
fn new_row(
    tenant: TenantId,
    record: &NewCallRecord,
) -> Result<call_record::ActiveModel, StoreError> {
    if !DIRECTIONS.contains(&record.direction.as_str()) {
        return Err(StoreError::Invalid {
            field: "direction",
            message: format!("direction must be one of {}", DIRECTIONS.join(", ")),
        });
    }
    let (started_at, ended_at) = (ms(record.started_at), ms(record.ended_at));
    // Wall clocks can step backwards during a call; a negative duration helps nobody.
    let duration_ms = (ended_at - started_at).num_milliseconds().max(0);
    Ok(call_record::ActiveModel {
        tenant_id: Set(tenant.to_string()),
        id: Set(record.id.to_string()),
        direction: Set(record.direction.clone()),
        caller: Set(record.caller.clone()),
        dialled: Set(record.dialled.clone()),
        did_id: Set(record.did.map(|d| d.to_string())),
        trunk_id: Set(record.trunk.map(|t| t.to_string())),
        entry: Set(record.entry.as_ref().map(ToString::to_string)),
        sip_call_id: Set(record.sip_call_id.clone()),
        started_at: Set(started_at),
        answered_at: Set(record.answered_at.map(ms)),
        ended_at: Set(ended_at),
        duration_ms: Set(duration_ms),
        disposition: Set(record.disposition.clone()),
        hangup_by: Set(record.hangup_by.clone()),
        ivr_path: Set(serde_json::Value::from(record.ivr_path.clone()).to_string()),
        queue: Set(record.queue.clone()),
        queue_wait_ms: Set(record.queue_wait_ms),
        call_data: Set(pairs_text(&unique_keys(&record.call_data))?),
        media: Set(record.media.to_string()),
        agents: Set(
            serde_json::to_string(&record.agents).map_err(|e| StoreError::Invalid {
                field: "agents",
                message: e.to_string(),
            })?,
        ),
        talk_ms: Set(record.talk_ms),
        hold_ms: Set(record.hold_ms),
        holds: Set(record.holds),
        reason: Set(record.reason.clone()),
    })
}

impl Store {
    /// Store the record of a finished call in the scope's tenant (the call actor, with the
    /// call's scope). Writing an id already stored returns the stored record unchanged.
    pub async fn record_call(
        &self,
        scope: &TenantScope,
        record: &NewCallRecord,
    ) -> Result<CallRecord, StoreError> {
        let model = new_row(scope.tenant(), record)?;
        let txn = self.write_txn().await?;
        if let Some(existing) =
            call_record::Entity::find_by_id((scope.tenant().to_string(), record.id.to_string()))
                .one(&txn)
                .await?
        {
            return existing.try_into();
        }
        let row = model.insert(&txn).await?;
        txn.commit().await?;
        row.try_into()
    }

    /// Store many finished calls, each in its own scope's tenant, in one transaction (the call
    /// service's writer: one commit per batch instead of one per call keeps call setup off the
    /// database under load). Ids already stored are skipped; returns how many rows were new.
    /// A record that fails validation fails the whole batch before anything is written, so the
    /// caller can fall back to [`Store::record_call`] one by one and lose only that record.
    pub async fn record_calls(
        &self,
        records: &[(TenantScope, NewCallRecord)],
    ) -> Result<u64, StoreError> {
        let models = records
            .iter()
            .map(|(scope, record)| new_row(scope.tenant(), record))
            .collect::<Result<Vec<_>, _>>()?;
        if models.is_empty() {
            return Ok(0);
        }
        let txn = self.write_txn().await?;
        let inserted = match call_record::Entity::insert_many(models)
            .on_conflict_do_nothing()
            .exec_without_returning(&txn)
            .await?
        {
            TryInsertResult::Inserted(n) => n,
            TryInsertResult::Empty | TryInsertResult::Conflicted => 0,
        };
        txn.commit().await?;
        Ok(inserted)
    }

    /// The tenant's call records, newest first (supervisors and admins).
    pub async fn call_records(
        &self,
        scope: &TenantScope,
        filter: &CallRecordFilter,
    ) -> Result<Vec<CallRecord>, StoreError> {
        require(scope, Role::is_supervisor, "read call records")?;
        let tenant = scope.tenant().to_string();
        let mut query =
            call_record::Entity::find().filter(call_record::Column::TenantId.eq(&tenant));
        if let Some(before) = filter.before {
            let anchor = call_record::Entity::find_by_id((tenant.clone(), before.to_string()))
                .one(self.db())
                .await?
                .ok_or_else(|| StoreError::Invalid {
                    field: "before",
                    message: format!("no call record {before} to page from"),
                })?;
            query = query.filter(
                Condition::any()
                    .add(call_record::Column::StartedAt.lt(anchor.started_at))
                    .add(
                        Condition::all()
                            .add(call_record::Column::StartedAt.eq(anchor.started_at))
                            .add(call_record::Column::Id.lt(anchor.id)),
                    ),
            );
        }
        if let Some(disposition) = &filter.disposition {
            query = query.filter(call_record::Column::Disposition.eq(disposition));
        }
        if let Some(caller) = &filter.caller {
            query = query.filter(call_record::Column::Caller.eq(caller));
        }
        query
            .order_by_desc(call_record::Column::StartedAt)
            .order_by_desc(call_record::Column::Id)
            .limit(filter.limit.clamp(1, MAX_PAGE))
            .all(self.db())
            .await?
            .into_iter()
            .map(CallRecord::try_from)
            .collect()
    }

    /// One call record of the tenant (supervisors and admins); another tenant's is `NotFound`.
    pub async fn call_record(
        &self,
        scope: &TenantScope,
        id: &CallId,
    ) -> Result<CallRecord, StoreError> {
        require(scope, Role::is_supervisor, "read call records")?;
        call_record::Entity::find_by_id((scope.tenant().to_string(), id.to_string()))
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound)?
            .try_into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn call_data_keeps_its_order_through_text() {
        let data = pairs(&[("zeta", "1"), ("alpha", "2"), ("mid", "\"quoted\"")]);
        let text = pairs_text(&data).unwrap();
        assert_eq!(text, r#"{"zeta":"1","alpha":"2","mid":"\"quoted\""}"#);
        assert_eq!(parse_pairs(&text).unwrap(), data);
        assert!(matches!(parse_pairs("[1]"), Err(StoreError::Corrupt(_))));
    }

    #[test]
    fn repeated_keys_keep_their_first_place_and_last_value() {
        let data = pairs(&[("a", "1"), ("b", "2"), ("a", "3")]);
        assert_eq!(unique_keys(&data), pairs(&[("a", "3"), ("b", "2")]));
    }
}
