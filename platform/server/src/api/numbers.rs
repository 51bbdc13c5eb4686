//! `/numbers`: the phone numbers (DIDs) the tenant receives calls on, each mapped to an entry —
//! an installed IVR plugin or a queue — and optionally restricted to some inbound trunks.
//! Admins only. A number belongs to one tenant in all of Kefu: claiming one another company
//! has is a 409 that does not say who has it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use kefu_core::{DidId, E164, QueueId, TrunkId};
use kefu_store::numbers::{MAX_NUMBER_TRUNKS, Number, NumberEntry, NumberInput};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::validate;
use crate::auth::Authed;
use crate::json::Json;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Where a number's calls go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum EntryBody {
    /// An installed IVR plugin.
    Ivr {
        /// Installation id (`ins_…`).
        installation: String,
    },
    /// A queue.
    Queue {
        /// Queue id (`que_…`).
        queue: String,
    },
}

/// Claim or change a number.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NumberRequest {
    /// E.164: `+` then 8–15 digits (`+15555550100`).
    pub number: String,
    /// A label for people ("Sales hotline").
    #[serde(default)]
    pub label: String,
    /// Where calls go.
    pub entry: EntryBody,
    /// Inbound trunk ids the number may be reached through (empty: any of yours).
    #[serde(default)]
    pub trunks: Vec<String>,
    /// Queue id (`que_…`) that takes the call when the number's IVR fails (the plugin traps,
    /// times out or is unavailable), after the caller has heard an apology. Only with an
    /// IVR entry; absent or null: such a call is hung up after the apology.
    #[serde(default)]
    pub fallback_queue: Option<String>,
}

/// A number.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NumberView {
    /// Number id.
    pub id: String,
    /// E.164.
    pub number: String,
    /// Label.
    pub label: String,
    /// Entry.
    pub entry: EntryBody,
    /// Trunk restriction.
    pub trunks: Vec<String>,
    /// Where calls go when the IVR fails (null: hung up after an apology).
    pub fallback_queue: Option<String>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Number> for NumberView {
    fn from(n: Number) -> Self {
        NumberView {
            id: n.id.to_string(),
            number: n.number.to_string(),
            label: n.label,
            entry: match n.entry {
                NumberEntry::Ivr { installation } => EntryBody::Ivr { installation },
                NumberEntry::Queue { queue } => EntryBody::Queue {
                    queue: queue.to_string(),
                },
            },
            trunks: n.trunks.iter().map(ToString::to_string).collect(),
            fallback_queue: n.fallback_queue.map(|q| q.to_string()),
            created_at: n.created_at,
            updated_at: n.updated_at,
        }
    }
}

/// The numbers.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NumberList {
    /// In number order.
    pub items: Vec<NumberView>,
}

fn parse(req: NumberRequest) -> Result<NumberInput, Problem> {
    let number = E164::parse(req.number.trim())
        .map_err(|e| Problem::invalid("number", format!("number: {e}")))?;
    let label = if req.label.trim().is_empty() {
        number.to_string()
    } else {
        validate::text("label", &req.label, 100)?
    };
    let entry = match req.entry {
        EntryBody::Ivr { installation } => {
            let ok = installation.len() <= 32
                && installation
                    .strip_prefix("ins_")
                    .is_some_and(|r| r.chars().all(|c| c.is_ascii_alphanumeric()) && !r.is_empty());
            if !ok {
                return Err(Problem::invalid(
                    "entry.installation",
                    "entry.installation must be a plugin installation id (ins_…)",
                ));
            }
            NumberEntry::Ivr { installation }
        }
        EntryBody::Queue { queue } => NumberEntry::Queue {
            queue: queue.parse::<QueueId>().map_err(|_| {
                Problem::invalid("entry.queue", "entry.queue must be a queue id (que_…)")
            })?,
        },
    };
    if req.trunks.len() > MAX_NUMBER_TRUNKS {
        return Err(Problem::invalid(
            "trunks",
            format!("at most {MAX_NUMBER_TRUNKS} trunks"),
        ));
    }
    let mut trunks: Vec<TrunkId> = Vec::with_capacity(req.trunks.len());
    for (i, t) in req.trunks.iter().enumerate() {
        let id = t.parse().map_err(|_| {
            let field = format!("trunks[{i}]");
            Problem::invalid(
                &field,
                format!("{field} must be an inbound trunk id (trk_…)"),
            )
        })?;
        if !trunks.contains(&id) {
            trunks.push(id);
        }
    }
    let fallback_queue = match req.fallback_queue.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(q) => {
            if !matches!(entry, NumberEntry::Ivr { .. }) {
                return Err(Problem::invalid(
                    "fallback_queue",
                    "fallback_queue is for numbers answered by an IVR; this number's calls go \
                     to a queue already",
                ));
            }
            Some(q.parse::<QueueId>().map_err(|_| {
                Problem::invalid(
                    "fallback_queue",
                    "fallback_queue must be a queue id (que_…)",
                )
            })?)
        }
    };
    Ok(NumberInput {
        number,
        label,
        entry,
        fallback_queue,
        trunks,
    })
}

fn did_id(id: &str) -> Result<DidId, Problem> {
    id.parse().map_err(|_| Problem::not_found("number"))
}

/// List numbers (admins).
#[utoipa::path(get, path = "/api/v1/numbers", tag = "trunks", security(("bearer" = [])),
    responses((status = 200, body = NumberList), (status = 403, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
) -> ApiResult<axum::Json<NumberList>> {
    let items = state
        .store
        .numbers(&scope)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(axum::Json(NumberList { items }))
}

/// Claim a number (admins). 409 if it is already in use anywhere.
#[utoipa::path(post, path = "/api/v1/numbers", tag = "trunks", security(("bearer" = [])),
    request_body = NumberRequest,
    responses((status = 201, body = NumberView), (status = 422, body = Problem), (status = 409, body = Problem), (status = 403, body = Problem)))]
async fn create(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Json(req): Json<NumberRequest>,
) -> ApiResult<(StatusCode, axum::Json<NumberView>)> {
    if !scope.role().is_admin() {
        return Err(Problem::forbidden("your role may not change numbers"));
    }
    let input = parse(req)?;
    let n = state.store.create_number(&scope, &input).await?;
    Ok((StatusCode::CREATED, axum::Json(n.into())))
}

/// One number (admins).
#[utoipa::path(get, path = "/api/v1/numbers/{id}", tag = "trunks", security(("bearer" = [])),
    params(("id" = String, Path, description = "Number id")),
    responses((status = 200, body = NumberView), (status = 404, body = Problem)))]
async fn get_one(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<NumberView>> {
    Ok(axum::Json(
        state.store.number(&scope, did_id(&id)?).await?.into(),
    ))
}

/// Replace a number's settings (admins); the entry may change freely.
#[utoipa::path(put, path = "/api/v1/numbers/{id}", tag = "trunks", security(("bearer" = [])),
    params(("id" = String, Path, description = "Number id")), request_body = NumberRequest,
    responses((status = 200, body = NumberView), (status = 404, body = Problem), (status = 422, body = Problem), (status = 409, body = Problem)))]
async fn replace(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
    Json(req): Json<NumberRequest>,
) -> ApiResult<axum::Json<NumberView>> {
    let id = did_id(&id)?;
    if !scope.role().is_admin() {
        return Err(Problem::forbidden("your role may not change numbers"));
    }
    let input = parse(req)?;
    Ok(axum::Json(
        state.store.update_number(&scope, id, &input).await?.into(),
    ))
}

/// Release a number (admins).
#[utoipa::path(delete, path = "/api/v1/numbers/{id}", tag = "trunks", security(("bearer" = [])),
    params(("id" = String, Path, description = "Number id")),
    responses((status = 204), (status = 404, body = Problem)))]
async fn delete(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.store.delete_number(&scope, did_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, replace, delete))
}
