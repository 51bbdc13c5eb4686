//! `/calls`: the tenant's call detail records, newest first, for supervisors and admins. The
//! call actor writes them at hang-up through the store; this API only reads. Records hold
//! callers' numbers and call data, so agents get 403.

use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use kefu_core::CallId;
use kefu_store::call_records::{CallRecord, CallRecordFilter, MAX_PAGE};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Authed;
use crate::json::Query;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Filters and paging of the listing.
#[derive(Debug, Deserialize, IntoParams)]
// Said outright: the handler takes `Result<Query<_>, _>`, from which utoipa cannot tell that
// these are query parameters (it documented them as required path parameters).
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CallQuery {
    /// The previous page's `next`.
    pub before: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u64>,
    /// Only calls that ended this way (`completed`, `abandoned`, `voicemail`, …).
    pub disposition: Option<String>,
    /// Only calls from this caller (exact, as received: `+8613800138000`).
    pub caller: Option<String>,
}

/// A call detail record.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallRecordView {
    /// Call id (`cal_…`).
    pub id: String,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// Who called.
    pub caller: String,
    /// The number dialled.
    pub dialled: String,
    /// The number (`did_…`) the call reached.
    pub did_id: Option<String>,
    /// The trunk (`trk_…`) the call came through.
    pub trunk_id: Option<String>,
    /// Where the number sent the call (IVR installation or queue).
    #[schema(value_type = Option<Object>)]
    pub entry: Option<Value>,
    /// SIP Call-ID of the caller's leg.
    pub sip_call_id: String,
    /// When the call arrived.
    pub started_at: DateTime<Utc>,
    /// When it was answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub ended_at: DateTime<Utc>,
    /// Start to end, milliseconds.
    pub duration_ms: i64,
    /// How it ended.
    pub disposition: String,
    /// Who hung up.
    pub hangup_by: String,
    /// IVR nodes the caller went through, in order.
    pub ivr_path: Vec<String>,
    /// The queue it waited in.
    pub queue: Option<String>,
    /// How long it waited there, milliseconds.
    pub queue_wait_ms: Option<i64>,
    /// The call's data, in the order it was set.
    #[serde(serialize_with = "kefu_store::call_records::serialize_pairs")]
    #[schema(value_type = std::collections::BTreeMap<String, String>)]
    pub call_data: Vec<(String, String)>,
    /// Media summary.
    #[schema(value_type = Object)]
    pub media: Value,
    /// Agents who talked to the caller, in order (`agt_…`).
    pub agents: Vec<String>,
    /// Time the caller talked to agents, milliseconds, holds not counted (absent when no
    /// agent did).
    pub talk_ms: Option<i64>,
    /// Time the caller was on hold, milliseconds (absent when never held).
    pub hold_ms: Option<i64>,
    /// How many times the caller was put on hold.
    pub holds: i32,
    /// Why the call failed or ended early.
    pub reason: Option<String>,
}

/// A page of call records, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallPage {
    /// Records.
    pub items: Vec<CallRecordView>,
    /// Pass as `before` for the next page; absent on the last.
    pub next: Option<String>,
}

impl From<CallRecord> for CallRecordView {
    fn from(r: CallRecord) -> Self {
        CallRecordView {
            id: r.id.to_string(),
            direction: r.direction,
            caller: r.caller,
            dialled: r.dialled,
            did_id: r.did.map(|d| d.to_string()),
            trunk_id: r.trunk.map(|t| t.to_string()),
            entry: r.entry,
            sip_call_id: r.sip_call_id,
            started_at: r.started_at,
            answered_at: r.answered_at,
            ended_at: r.ended_at,
            duration_ms: r.duration_ms,
            disposition: r.disposition,
            hangup_by: r.hangup_by,
            ivr_path: r.ivr_path,
            queue: r.queue,
            queue_wait_ms: r.queue_wait_ms,
            call_data: r.call_data,
            media: r.media,
            agents: r.agents.iter().map(ToString::to_string).collect(),
            talk_ms: r.talk_ms,
            hold_ms: r.hold_ms,
            holds: r.holds,
            reason: r.reason,
        }
    }
}

fn check_reader(scope: &kefu_core::TenantScope) -> Result<(), Problem> {
    if scope.role().is_supervisor() {
        Ok(())
    } else {
        Err(Problem::forbidden("your role may not read call records"))
    }
}

/// A short filter value: bounded so a query cannot carry a page of text into the database.
fn filter_text(field: &str, value: Option<String>, max: usize) -> Result<Option<String>, Problem> {
    match value {
        Some(v) if v.is_empty() || v.len() > max => Err(Problem::invalid(
            field,
            format!("{field} must be 1 to {max} characters"),
        )),
        other => Ok(other),
    }
}

/// Call records, newest first (owner, admins, supervisors).
#[utoipa::path(get, path = "/api/v1/calls", tag = "calls", params(CallQuery),
    security(("bearer" = [])),
    responses((status = 200, body = CallPage), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Query(q): Query<CallQuery>,
) -> ApiResult<axum::Json<CallPage>> {
    check_reader(&scope)?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Problem::invalid("limit", "limit must be 1 to 200"));
    }
    let before = q
        .before
        .map(|b| b.parse::<CallId>())
        .transpose()
        .map_err(|_| Problem::invalid("before", "before must be a call id (cal_…)"))?;
    let rows = state
        .store
        .call_records(
            &scope,
            &CallRecordFilter {
                before,
                limit,
                disposition: filter_text("disposition", q.disposition, 32)?,
                caller: filter_text("caller", q.caller, 128)?,
            },
        )
        .await?;
    let next = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten();
    Ok(axum::Json(CallPage {
        items: rows.into_iter().map(Into::into).collect(),
        next,
    }))
}

/// One call record (owner, admins, supervisors).
#[utoipa::path(get, path = "/api/v1/calls/{id}", tag = "calls", security(("bearer" = [])),
    params(("id" = String, Path, description = "Call id")),
    responses((status = 200, body = CallRecordView), (status = 404, body = Problem), (status = 403, body = Problem)))]
async fn get_one(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<CallRecordView>> {
    check_reader(&scope)?;
    let id: CallId = id.parse().map_err(|_| Problem::not_found("call"))?;
    Ok(axum::Json(
        state.store.call_record(&scope, &id).await?.into(),
    ))
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get_one))
}
