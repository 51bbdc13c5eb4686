//! `/audit`: the company's audit log, newest first (admins and the owner).

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Authed;
use crate::json::Query;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// One audit entry.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditEntryView {
    /// Entry id; pass as `before` to page back.
    pub id: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Who: a user's id, an inbound trunk's id (`trk_…`) or `telephony` for the telephony
    /// principal acting on the tenant's calls, or `integrations` for the platform delivering
    /// the tenant's events to its integration plugins (absent for system actions).
    pub actor_id: Option<String>,
    /// `user`, `telephony` or `integrations` (absent for system actions).
    pub actor_kind: Option<String>,
    /// What (`user.invited`, `user.changed`, …).
    pub action: String,
    /// The object acted on.
    pub target: String,
    /// Details.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// A page of entries.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditPage {
    /// Entries, newest first.
    pub items: Vec<AuditEntryView>,
}

/// Paging.
#[derive(Debug, Deserialize, IntoParams)]
// Said outright: the handler takes `Result<Query<_>, _>`, from which utoipa cannot tell that
// these are query parameters (it documented them as required path parameters).
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// How many entries (1–200, default 50).
    pub limit: Option<u64>,
    /// Entries older than this entry id.
    pub before: Option<String>,
}

/// The audit log.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit",
    params(AuditQuery),
    security(("bearer" = [])),
    responses((status = 200, body = AuditPage), (status = 403, body = Problem), (status = 401, body = Problem)))]
async fn list_audit(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Query(q): Query<AuditQuery>,
) -> ApiResult<axum::Json<AuditPage>> {
    if let Some(b) = &q.before
        && (b.len() > 32 || !b.bytes().all(|c| c.is_ascii_alphanumeric()))
    {
        return Err(Problem::invalid(
            "before",
            "before must be an audit entry id",
        ));
    }
    let entries = state
        .store
        .audit_log(&scope, q.limit.unwrap_or(50), q.before.as_deref())
        .await?;
    Ok(axum::Json(AuditPage {
        items: entries
            .into_iter()
            .map(|e| AuditEntryView {
                id: e.id,
                at: e.at,
                actor_id: e.actor.map(|a| a.to_string()),
                actor_kind: e.actor.map(|a| a.kind().to_owned()),
                action: e.action,
                target: e.target,
                detail: e.detail,
            })
            .collect(),
    }))
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}
