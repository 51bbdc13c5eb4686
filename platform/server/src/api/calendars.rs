//! `/calendars`: business-hours calendars (weekly hours in a time zone, plus holidays), used by
//! the IVR to pick its open or after-hours branch.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use kefu_core::CalendarId;
use kefu_core::calendar::BusinessHours;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Authed;
use crate::json::{Json, with_server_id};
use crate::problem::{ApiResult, Problem};
use crate::routing::{self, Edit};
use crate::state::AppState;

/// The calendars.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CalendarList {
    /// Calendars in creation order.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<BusinessHours>,
}

fn calendar_id(id: &str) -> Result<CalendarId, Problem> {
    id.parse().map_err(|_| Problem::not_found("calendar"))
}

/// Parse a calendar body for `id` and check it (422 names the field, e.g. `weekly[2].close`).
fn parse_calendar(id: CalendarId, body: Value) -> Result<BusinessHours, Problem> {
    let calendar: BusinessHours = with_server_id(body, id, "calendar")?;
    calendar
        .validate()
        .map_err(|e| Problem::invalid(&e.field, e.to_string()))?;
    Ok(calendar)
}

/// List calendars.
#[utoipa::path(get, path = "/api/v1/calendars", tag = "routing", security(("bearer" = [])),
    responses((status = 200, body = CalendarList), (status = 401, body = Problem)))]
async fn list_calendars(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
) -> ApiResult<axum::Json<CalendarList>> {
    let (_, doc) = routing::load(&state, &scope).await?;
    Ok(axum::Json(CalendarList {
        items: doc.calendars,
    }))
}

/// Create a calendar (admins).
#[utoipa::path(post, path = "/api/v1/calendars", tag = "routing", security(("bearer" = [])),
    request_body(content = Object, description = "{name, timezone, weekly: [{day, open, close}], holidays: [{date, name, open?, close?}]}"),
    responses((status = 201, body = Object), (status = 422, body = Problem), (status = 403, body = Problem)))]
async fn create_calendar(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Json(body): Json<Value>,
) -> ApiResult<(StatusCode, axum::Json<BusinessHours>)> {
    let calendar = parse_calendar(CalendarId::new(), body)?;
    let saved = routing::update(&state, &scope, |doc| {
        doc.calendars.push(calendar.clone());
        Ok(Edit {
            result: calendar.clone(),
            action: "calendar.created",
            target: calendar.id.to_string(),
            focus: None,
        })
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(saved)))
}

/// One calendar, with whether it is open now.
#[utoipa::path(get, path = "/api/v1/calendars/{id}", tag = "routing", security(("bearer" = [])),
    params(("id" = String, Path, description = "Calendar id")),
    responses((status = 200, body = Object), (status = 404, body = Problem)))]
async fn get_calendar(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Value>> {
    let id = calendar_id(&id)?;
    let (_, doc) = routing::load(&state, &scope).await?;
    let calendar = doc
        .calendars
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| Problem::not_found("calendar"))?;
    let open_now = calendar.is_open(chrono::Utc::now());
    let mut value = serde_json::to_value(&calendar).map_err(Problem::internal)?;
    value["open_now"] = Value::Bool(open_now);
    Ok(axum::Json(value))
}

/// Replace a calendar (admins).
#[utoipa::path(put, path = "/api/v1/calendars/{id}", tag = "routing", security(("bearer" = [])),
    params(("id" = String, Path, description = "Calendar id")), request_body(content = Object),
    responses((status = 200, body = Object), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn replace_calendar(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<axum::Json<BusinessHours>> {
    let id = calendar_id(&id)?;
    let calendar = parse_calendar(id, body)?;
    let saved = routing::update(&state, &scope, |doc| {
        let slot = doc
            .calendars
            .iter_mut()
            .find(|c| c.id == id)
            .ok_or_else(|| Problem::not_found("calendar"))?;
        *slot = calendar.clone();
        Ok(Edit {
            result: calendar.clone(),
            action: "calendar.updated",
            target: id.to_string(),
            focus: None,
        })
    })
    .await?;
    Ok(axum::Json(saved))
}

/// Delete a calendar (admins).
#[utoipa::path(delete, path = "/api/v1/calendars/{id}", tag = "routing", security(("bearer" = [])),
    params(("id" = String, Path, description = "Calendar id")),
    responses((status = 204), (status = 404, body = Problem)))]
async fn delete_calendar(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = calendar_id(&id)?;
    routing::update(&state, &scope, |doc| {
        routing::remove_from(&mut doc.calendars, "calendar", |c| c.id == id)?;
        Ok(Edit::deleted("calendar.deleted", id))
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_calendars, create_calendar))
        .routes(routes!(get_calendar, replace_calendar, delete_calendar))
}
