//! `/me`: who am I, and in which company.

use std::time::Instant;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::sessions::TenantView;
use super::users::UserView;
use crate::auth::Authed;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// The signed-in user and their company.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeView {
    /// The user.
    pub user: UserView,
    /// Their company.
    pub tenant: TenantView,
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 200, body = MeView),
        (status = 401, body = Problem),
    ))]
async fn me(State(state): State<AppState>, Authed(scope, _): Authed) -> ApiResult<Response> {
    let now = Instant::now();
    // Access tokens are minted for users only.
    let me = scope
        .user()
        .ok_or_else(|| Problem::unauthorized("this credential is not a user's"))?;
    let body = match state.identity.get(scope.tenant(), me, now) {
        Some(body) => body,
        None => {
            let (user, tenant) =
                tokio::try_join!(state.store.user(&scope, me), state.store.tenant(&scope))?;
            let view = MeView {
                user: (&user).into(),
                tenant: (&tenant).into(),
            };
            let body = Bytes::from(serde_json::to_vec(&view).map_err(Problem::internal)?);
            state.identity.put(scope.tenant(), me, now, body.clone());
            body
        }
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me))
}
