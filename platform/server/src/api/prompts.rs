//! `/prompts`: the tenant's own recorded prompts (greetings, menus, hold messages) that IVR
//! plugins play by name (`tenant("welcome")`). Uploaded as WAV — 8 kHz mono, 16-bit PCM, A-law
//! or µ-law, the telephone format, so nothing is resampled behind the admin's back — and kept
//! in the object store under the tenant's prefix. Admins write; supervisors and admins read.

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kefu_core::TenantScope;
use kefu_media::{Prompt, SAMPLE_RATE};
use kefu_store::objects::ObjectKey;
use kefu_telephony::prompts::PromptKeyError;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Authed;
use crate::json::RawBody;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;

/// Largest prompt upload (about 8 minutes of 16-bit audio).
pub const MAX_PROMPT_BYTES: usize = 8 * 1024 * 1024;
/// Most prompts listed.
const MAX_LISTED: usize = 1_000;

/// A prompt.
#[derive(Debug, Serialize, ToSchema)]
pub struct PromptView {
    /// Its name, as plugins use it (`welcome`, `main-menu`).
    pub name: String,
    /// Length in milliseconds (on upload).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Where to fetch the audio.
    pub audio_url: String,
}

/// The tenant's prompts.
#[derive(Debug, Serialize, ToSchema)]
pub struct PromptList {
    /// Prompts, by name.
    pub items: Vec<PromptView>,
}

/// The object key of the tenant's prompt `name` (validated first).
pub fn prompt_key(scope: &TenantScope, name: &str) -> Result<ObjectKey, Problem> {
    kefu_telephony::prompts::prompt_key(scope, name).map_err(|e| match e {
        e @ PromptKeyError::BadName => Problem::invalid("name", e.to_string()),
        PromptKeyError::Key(e) => Problem::internal(e),
    })
}

fn check_admin(scope: &TenantScope) -> Result<(), Problem> {
    if scope.role().is_admin() {
        Ok(())
    } else {
        Err(Problem::forbidden("your role may not change prompts"))
    }
}

fn check_reader(scope: &TenantScope) -> Result<(), Problem> {
    if scope.role().is_supervisor() {
        Ok(())
    } else {
        Err(Problem::forbidden("your role may not read prompts"))
    }
}

/// Upload (or replace) a prompt: the body is the WAV file (`audio/wav`).
#[utoipa::path(put, path = "/api/v1/prompts/{name}", tag = "calls", security(("bearer" = [])),
    params(("name" = String, Path, description = "Prompt name (a-z, 0-9, - and _)")),
    request_body(content = Vec<u8>, content_type = "audio/wav"),
    responses((status = 200, body = PromptView), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem)))]
async fn upload(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> ApiResult<Json<PromptView>> {
    check_admin(&scope)?;
    let key = prompt_key(&scope, &name)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !matches!(essence, "audio/wav" | "audio/x-wav" | "audio/wave") {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            format!("send the prompt as audio/wav, not {content_type:?}"),
        ));
    }
    let prompt = Prompt::from_wav(&body, MAX_PROMPT_BYTES).map_err(|e| {
        Problem::invalid(
            "body",
            format!("not a usable prompt: {e} (8 kHz mono WAV: 16-bit PCM, A-law or µ-law)"),
        )
    })?;
    if prompt.samples().is_empty() {
        return Err(Problem::invalid("body", "the WAV holds no audio"));
    }
    state
        .objects
        .put(&key, body, "audio/wav")
        .await
        .map_err(Problem::internal)?;
    Ok(Json(PromptView {
        duration_ms: Some(prompt.samples().len() as u64 * 1_000 / u64::from(SAMPLE_RATE)),
        audio_url: format!("/api/v1/prompts/{name}"),
        name,
    }))
}

/// The tenant's prompts.
#[utoipa::path(get, path = "/api/v1/prompts", tag = "calls", security(("bearer" = [])),
    responses((status = 200, body = PromptList), (status = 403, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
) -> ApiResult<Json<PromptList>> {
    check_reader(&scope)?;
    // The tenant's prompt folder, as `prompt_key` lays it out.
    let probe = ObjectKey::for_tenant(&scope, "prompts/x").map_err(Problem::internal)?;
    let prefix = probe.as_str().trim_end_matches('x');
    let keys = state
        .objects
        .list(prefix, MAX_LISTED)
        .await
        .map_err(Problem::internal)?;
    let mut items: Vec<PromptView> = keys
        .iter()
        .filter_map(|k| k.strip_prefix(prefix)?.strip_suffix(".wav"))
        .map(|name| PromptView {
            name: name.to_string(),
            duration_ms: None,
            audio_url: format!("/api/v1/prompts/{name}"),
        })
        .collect();
    items.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Json(PromptList { items }))
}

/// A prompt's audio (`audio/wav`).
#[utoipa::path(get, path = "/api/v1/prompts/{name}", tag = "calls", security(("bearer" = [])),
    params(("name" = String, Path, description = "Prompt name")),
    responses((status = 200, content_type = "audio/wav", body = Vec<u8>),
        (status = 404, body = Problem), (status = 403, body = Problem)))]
async fn audio(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(name): Path<String>,
) -> ApiResult<Response> {
    check_reader(&scope)?;
    let key = prompt_key(&scope, &name)?;
    let bytes = state
        .objects
        .get(&key)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found("prompt"))?;
    Ok(([(header::CONTENT_TYPE, "audio/wav")], bytes).into_response())
}

/// Delete a prompt (admins). Plugins naming it then skip it (logged).
#[utoipa::path(delete, path = "/api/v1/prompts/{name}", tag = "calls", security(("bearer" = [])),
    params(("name" = String, Path, description = "Prompt name")),
    responses((status = 204), (status = 404, body = Problem), (status = 403, body = Problem)))]
async fn delete(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    check_admin(&scope)?;
    let key = prompt_key(&scope, &name)?;
    let exists = state
        .objects
        .get(&key)
        .await
        .map_err(Problem::internal)?
        .is_some();
    if !exists {
        return Err(Problem::not_found("prompt"));
    }
    state
        .objects
        .delete(&key)
        .await
        .map_err(Problem::internal)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Routes of this resource (uploads may exceed the JSON body limit).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(upload, audio, delete))
        .layer(DefaultBodyLimit::max(MAX_PROMPT_BYTES))
}
