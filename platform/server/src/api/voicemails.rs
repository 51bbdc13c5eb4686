//! `/voicemails`: messages callers left, for supervisors and admins: list (by mailbox, heard or
//! not), play the WAV, mark heard, delete (the row, then the audio). The call actor creates
//! them through the store; agents get 403.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use kefu_core::{TenantScope, VoicemailId};
use kefu_store::objects::ObjectKey;
use kefu_store::voicemails::{MAX_PAGE, Voicemail, VoicemailFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Authed;
use crate::json::{Json, Query};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Filters and paging of the listing.
#[derive(Debug, Deserialize, IntoParams)]
// Said outright: the handler takes `Result<Query<_>, _>`, from which utoipa cannot tell that
// these are query parameters (it documented them as required path parameters).
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VoicemailQuery {
    /// Only this mailbox's messages.
    pub mailbox: Option<String>,
    /// Only heard (`true`) or unheard (`false`) messages.
    pub heard: Option<bool>,
    /// The previous page's `next`.
    pub before: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u64>,
}

/// A voicemail.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoicemailView {
    /// Voicemail id (`vm_…`).
    pub id: String,
    /// The call (`cal_…`) it was left on.
    pub call_id: String,
    /// The mailbox.
    pub mailbox: String,
    /// Who left it.
    pub caller: String,
    /// The number they dialled.
    pub dialled: String,
    /// Length, milliseconds.
    pub duration_ms: i64,
    /// Size of the WAV, bytes.
    pub size_bytes: i64,
    /// Has someone marked it heard?
    pub heard: bool,
    /// When it was left.
    pub created_at: DateTime<Utc>,
    /// Where to fetch the audio (`audio/wav`).
    pub audio_url: String,
}

/// A page of voicemails, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoicemailPage {
    /// Voicemails.
    pub items: Vec<VoicemailView>,
    /// Pass as `before` for the next page; absent on the last.
    pub next: Option<String>,
}

/// Change a voicemail.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoicemailChange {
    /// Mark it heard (`true`) or unheard (`false`).
    pub heard: bool,
}

impl From<Voicemail> for VoicemailView {
    fn from(v: Voicemail) -> Self {
        VoicemailView {
            audio_url: format!("/api/v1/voicemails/{}/audio", v.id),
            id: v.id.to_string(),
            call_id: v.call.to_string(),
            mailbox: v.mailbox,
            caller: v.caller,
            dialled: v.dialled,
            duration_ms: v.duration_ms,
            size_bytes: v.size_bytes,
            heard: v.heard,
            created_at: v.created_at,
        }
    }
}

fn check_reader(scope: &TenantScope) -> Result<(), Problem> {
    if scope.role().is_supervisor() {
        Ok(())
    } else {
        Err(Problem::forbidden("your role may not read voicemail"))
    }
}

fn voicemail_id(id: &str) -> Result<VoicemailId, Problem> {
    id.parse().map_err(|_| Problem::not_found("voicemail"))
}

/// Voicemails, newest first (owner, admins, supervisors).
#[utoipa::path(get, path = "/api/v1/voicemails", tag = "calls", params(VoicemailQuery),
    security(("bearer" = [])),
    responses((status = 200, body = VoicemailPage), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Query(q): Query<VoicemailQuery>,
) -> ApiResult<axum::Json<VoicemailPage>> {
    check_reader(&scope)?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Problem::invalid("limit", "limit must be 1 to 200"));
    }
    let before = q
        .before
        .map(|b| b.parse::<VoicemailId>())
        .transpose()
        .map_err(|_| Problem::invalid("before", "before must be a voicemail id (vm_…)"))?;
    if let Some(m) = &q.mailbox
        && (m.is_empty() || m.len() > 128)
    {
        return Err(Problem::invalid(
            "mailbox",
            "mailbox must be 1 to 128 characters",
        ));
    }
    let rows = state
        .store
        .voicemails(
            &scope,
            &VoicemailFilter {
                mailbox: q.mailbox,
                heard: q.heard,
                before,
                limit,
            },
        )
        .await?;
    let next = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten();
    Ok(axum::Json(VoicemailPage {
        items: rows.into_iter().map(Into::into).collect(),
        next,
    }))
}

/// One voicemail (owner, admins, supervisors).
#[utoipa::path(get, path = "/api/v1/voicemails/{id}", tag = "calls", security(("bearer" = [])),
    params(("id" = String, Path, description = "Voicemail id")),
    responses((status = 200, body = VoicemailView), (status = 404, body = Problem), (status = 403, body = Problem)))]
async fn get_one(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<VoicemailView>> {
    check_reader(&scope)?;
    let id = voicemail_id(&id)?;
    Ok(axum::Json(state.store.voicemail(&scope, &id).await?.into()))
}

/// Mark a voicemail heard or unheard (owner, admins, supervisors).
#[utoipa::path(patch, path = "/api/v1/voicemails/{id}", tag = "calls", security(("bearer" = [])),
    params(("id" = String, Path, description = "Voicemail id")), request_body = VoicemailChange,
    responses((status = 200, body = VoicemailView), (status = 404, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn change(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
    Json(req): Json<VoicemailChange>,
) -> ApiResult<axum::Json<VoicemailView>> {
    check_reader(&scope)?;
    let id = voicemail_id(&id)?;
    Ok(axum::Json(
        state
            .store
            .set_voicemail_heard(&scope, &id, req.heard)
            .await?
            .into(),
    ))
}

/// Delete a voicemail and its audio (owner, admins, supervisors).
#[utoipa::path(delete, path = "/api/v1/voicemails/{id}", tag = "calls", security(("bearer" = [])),
    params(("id" = String, Path, description = "Voicemail id")),
    responses((status = 204), (status = 404, body = Problem), (status = 403, body = Problem)))]
async fn delete(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    check_reader(&scope)?;
    let id = voicemail_id(&id)?;
    let key = state.store.delete_voicemail(&scope, &id).await?;
    // The row is gone; a blob left behind is a caller's voice kept against the admin's wish,
    // so a failure here is reported (and logged with the key for clean-up), not swallowed.
    let key = ObjectKey::new(key).map_err(Problem::internal)?;
    state.objects.delete(&key).await.map_err(|e| {
        Problem::internal(format!(
            "voicemail {id} deleted but its audio {} was not: {e}",
            key.as_str()
        ))
    })?;
    Ok(StatusCode::NO_CONTENT)
}

/// The voicemail's audio (`audio/wav`; owner, admins, supervisors).
#[utoipa::path(get, path = "/api/v1/voicemails/{id}/audio", tag = "calls", security(("bearer" = [])),
    params(("id" = String, Path, description = "Voicemail id")),
    responses((status = 200, content_type = "audio/wav", body = Vec<u8>),
        (status = 404, body = Problem), (status = 403, body = Problem)))]
async fn audio(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    check_reader(&scope)?;
    let id = voicemail_id(&id)?;
    let key = state.store.voicemail_blob_key(&scope, &id).await?;
    let key = ObjectKey::new(key).map_err(Problem::internal)?;
    let bytes = state
        .objects
        .get(&key)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found("voicemail audio"))?;
    let headers = [
        (header::CONTENT_TYPE, "audio/wav".to_owned()),
        // A caller's voice: never kept by shared caches.
        (header::CACHE_CONTROL, "private, no-store".to_owned()),
        (
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{id}.wav\""),
        ),
    ];
    Ok((headers, bytes).into_response())
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get_one, change, delete))
        .routes(routes!(audio))
}
