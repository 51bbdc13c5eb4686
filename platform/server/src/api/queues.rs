//! `/queues`: call queues — strategy, required skills, priorities, service level, wrap-up,
//! overflow steps, sticky routing, backup agents. The body is the routing engine's own
//! `QueueConfig` (durations in milliseconds); the whole configuration is validated on save.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use kefu_acd::config::{OverflowAction, QueueConfig};
use kefu_core::QueueId;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::validate;
use crate::auth::Authed;
use crate::json::{Json, with_server_id};
use crate::problem::{ApiResult, Problem};
use crate::routing::{self, Edit, RoutingDoc};
use crate::state::AppState;

/// The queues.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct QueueList {
    /// Queues in creation order (each a `QueueConfig`).
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<QueueConfig>,
}

fn queue_id(id: &str) -> Result<QueueId, Problem> {
    id.parse().map_err(|_| Problem::not_found("queue"))
}

/// Parse a queue body for `id`: the id comes from the server, never from the body.
fn parse_queue(id: QueueId, body: Value) -> Result<QueueConfig, Problem> {
    check_overflow_fields(body.get("overflow"))?;
    let mut queue: QueueConfig = with_server_id(body, id, "queue")?;
    queue.name = validate::text("name", &queue.name, 100)?;
    Ok(queue)
}

/// Overflow steps are flattened (`{after, action, …action fields}`), and serde cannot refuse
/// unknown fields through a flatten; check them here so a typo is a 422, not silently dropped.
fn check_overflow_fields(overflow: Option<&Value>) -> Result<(), Problem> {
    let Some(Value::Array(steps)) = overflow else {
        return Ok(());
    };
    for (i, step) in steps.iter().enumerate() {
        let Value::Object(step) = step else { continue };
        let extra: &[&str] = match step.get("action").and_then(Value::as_str) {
            Some("relax_skills") => &["levels"],
            Some("add_queue") => &["queue"],
            Some("leave_queue") => &["destination"],
            _ => &[],
        };
        if let Some(key) = step.keys().find(|k| {
            k.as_str() != "after" && k.as_str() != "action" && !extra.contains(&k.as_str())
        }) {
            let field = format!("overflow[{i}].{key}");
            return Err(Problem::invalid(
                &field,
                format!("{field}: unknown field for this action"),
            ));
        }
    }
    Ok(())
}

fn unique_name(doc: &RoutingDoc, queue: &QueueConfig) -> Result<(), Problem> {
    if doc
        .queues
        .iter()
        .any(|q| q.id != queue.id && q.name.eq_ignore_ascii_case(&queue.name))
    {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "conflict",
            "Conflict",
            format!("a queue named {} already exists", queue.name),
        )
        .field("name"));
    }
    Ok(())
}

/// List queues.
#[utoipa::path(get, path = "/api/v1/queues", tag = "routing", security(("bearer" = [])),
    responses((status = 200, body = QueueList), (status = 401, body = Problem)))]
async fn list_queues(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
) -> ApiResult<axum::Json<QueueList>> {
    let (_, doc) = routing::load(&state, &scope).await?;
    Ok(axum::Json(QueueList { items: doc.queues }))
}

/// Create a queue (admins). Invalid settings → 422 naming the field (e.g. `overflow[1].queue`).
#[utoipa::path(post, path = "/api/v1/queues", tag = "routing", security(("bearer" = [])),
    request_body(content = Object, description = "A QueueConfig without `id`"),
    responses((status = 201, body = Object), (status = 422, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem)))]
async fn create_queue(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Json(body): Json<Value>,
) -> ApiResult<(StatusCode, axum::Json<QueueConfig>)> {
    let queue = parse_queue(QueueId::new(), body)?;
    let saved = routing::update(&state, &scope, |doc| {
        unique_name(doc, &queue)?;
        doc.queues.push(queue.clone());
        Ok(Edit {
            result: queue.clone(),
            action: "queue.created",
            target: queue.id.to_string(),
            focus: Some(format!("queues[{}]", doc.queues.len() - 1)),
        })
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(saved)))
}

/// One queue.
#[utoipa::path(get, path = "/api/v1/queues/{id}", tag = "routing", security(("bearer" = [])),
    params(("id" = String, Path, description = "Queue id")),
    responses((status = 200, body = Object), (status = 404, body = Problem)))]
async fn get_queue(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<QueueConfig>> {
    let id = queue_id(&id)?;
    let (_, doc) = routing::load(&state, &scope).await?;
    doc.queues
        .into_iter()
        .find(|q| q.id == id)
        .map(axum::Json)
        .ok_or_else(|| Problem::not_found("queue"))
}

/// Replace a queue's settings (admins).
#[utoipa::path(put, path = "/api/v1/queues/{id}", tag = "routing", security(("bearer" = [])),
    params(("id" = String, Path, description = "Queue id")),
    request_body(content = Object, description = "A QueueConfig without `id`"),
    responses((status = 200, body = Object), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn replace_queue(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<axum::Json<QueueConfig>> {
    let id = queue_id(&id)?;
    let queue = parse_queue(id, body)?;
    let saved = routing::update(&state, &scope, |doc| {
        unique_name(doc, &queue)?;
        let at = doc
            .queues
            .iter()
            .position(|q| q.id == id)
            .ok_or_else(|| Problem::not_found("queue"))?;
        doc.queues[at] = queue.clone();
        Ok(Edit {
            result: queue.clone(),
            action: "queue.updated",
            target: id.to_string(),
            focus: Some(format!("queues[{at}]")),
        })
    })
    .await?;
    Ok(axum::Json(saved))
}

/// Delete a queue (admins); 409 while another queue overflows into it.
#[utoipa::path(delete, path = "/api/v1/queues/{id}", tag = "routing", security(("bearer" = [])),
    params(("id" = String, Path, description = "Queue id")),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn delete_queue(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = queue_id(&id)?;
    routing::update(&state, &scope, |doc| {
        let at = doc
            .queues
            .iter()
            .position(|q| q.id == id)
            .ok_or_else(|| Problem::not_found("queue"))?;
        if let Some(user) = doc.queues.iter().find(|q| {
            q.overflow
                .iter()
                .any(|s| matches!(s.action, OverflowAction::AddQueue { queue } if queue == id))
        }) {
            return Err(Problem::new(
                StatusCode::CONFLICT,
                "conflict",
                "Queue in use",
                format!(
                    "queue {} overflows into this queue; change it first",
                    user.name
                ),
            )
            .field("id"));
        }
        doc.queues.remove(at);
        Ok(Edit {
            result: (),
            action: "queue.deleted",
            target: id.to_string(),
            focus: None,
        })
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_queues, create_queue))
        .routes(routes!(get_queue, replace_queue, delete_queue))
}
