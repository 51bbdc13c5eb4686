//! `/reason-codes`: why an agent is not ready ("lunch", "training"), defined per tenant.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::validate;
use crate::auth::Authed;
use crate::json::Json;
use crate::problem::{ApiResult, Problem};
use crate::routing::{self, Edit, ReasonCodeDef};
use crate::state::AppState;

/// The reason codes.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReasonCodeList {
    /// Codes in creation order.
    pub items: Vec<ReasonCodeDef>,
}

/// A new reason code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonCodeInput {
    /// 1–32 lowercase letters, digits, `-` or `_`.
    pub code: String,
    /// Label shown to agents.
    pub label: String,
}

fn valid_code(code: &str) -> bool {
    (1..=32).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// List reason codes (everyone: agents pick from them).
#[utoipa::path(get, path = "/api/v1/reason-codes", tag = "routing", security(("bearer" = [])),
    responses((status = 200, body = ReasonCodeList), (status = 401, body = Problem)))]
async fn list_codes(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
) -> ApiResult<axum::Json<ReasonCodeList>> {
    let (_, doc) = routing::load(&state, &scope).await?;
    Ok(axum::Json(ReasonCodeList {
        items: doc.reason_codes,
    }))
}

/// Add a reason code (admins).
#[utoipa::path(post, path = "/api/v1/reason-codes", tag = "routing", security(("bearer" = [])),
    request_body = ReasonCodeInput,
    responses((status = 201, body = ReasonCodeDef), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_code(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Json(input): Json<ReasonCodeInput>,
) -> ApiResult<(StatusCode, axum::Json<ReasonCodeDef>)> {
    if !valid_code(&input.code) {
        return Err(Problem::invalid(
            "code",
            "1–32 lowercase letters, digits, - or _",
        ));
    }
    if input.code == kefu_acd::ReasonCode::MISSED {
        return Err(Problem::invalid(
            "code",
            "`missed` is built in (set when an agent lets a call ring out)",
        ));
    }
    let label = validate::text("label", &input.label, 100)?;
    let def = ReasonCodeDef {
        code: input.code,
        label,
    };
    let saved = routing::update(&state, &scope, |doc| {
        if doc.reason_codes.iter().any(|r| r.code == def.code) {
            return Err(Problem::new(
                StatusCode::CONFLICT,
                "conflict",
                "Conflict",
                format!("reason code {} already exists", def.code),
            )
            .field("code"));
        }
        doc.reason_codes.push(def.clone());
        Ok(Edit {
            result: def.clone(),
            action: "reason_code.created",
            target: def.code.clone(),
            focus: Some(format!("reason_codes[{}]", doc.reason_codes.len() - 1)),
        })
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(saved)))
}

/// Remove a reason code (admins).
#[utoipa::path(delete, path = "/api/v1/reason-codes/{code}", tag = "routing", security(("bearer" = [])),
    params(("code" = String, Path, description = "Reason code")),
    responses((status = 204), (status = 404, body = Problem)))]
async fn delete_code(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(code): Path<String>,
) -> ApiResult<StatusCode> {
    routing::update(&state, &scope, |doc| {
        routing::remove_from(&mut doc.reason_codes, "reason code", |r| r.code == code)?;
        Ok(Edit::deleted("reason_code.deleted", &code))
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_codes, create_code))
        .routes(routes!(delete_code))
}
