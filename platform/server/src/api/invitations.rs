//! `/invitations/accept`: an invited user chooses a password and is signed in.

use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::sessions::{SessionView, limit_ip};
use crate::auth::{PasswordContext, check_password_policy, hash_password, hash_secret};
use crate::json::Json;
use crate::problem::{ApiResult, Problem};
use crate::state::{AppState, ClientIp};

/// Accept an invitation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    /// The token from the invitation link.
    pub token: String,
    /// The password to set (12 to 256 characters, zxcvbn score 3 or more); a 422 on
    /// `password` says why not.
    pub password: String,
}

/// Accept an invitation: set the password and sign in.
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "users",
    request_body = AcceptRequest,
    responses(
        (status = 200, body = SessionView),
        (status = 422, body = Problem, description = "Bad password, or the link is unknown, used or expired"),
        (status = 429, body = Problem)))]
async fn accept(
    State(state): State<AppState>,
    ip: ClientIp,
    Json(req): Json<AcceptRequest>,
) -> ApiResult<axum::Json<SessionView>> {
    limit_ip(&state, &ip)?;
    if req.token.len() > 256 {
        return Err(Problem::invalid(
            "token",
            "this invitation link is malformed",
        ));
    }
    // The invited user's details are known only once the token is redeemed, in the same
    // statement that sets the password; the web form checks with the same empty context.
    check_password_policy(&req.password, &PasswordContext::default())
        .map_err(|e| Problem::invalid("password", e.to_string()))?;
    let hash = hash_password(req.password)
        .await
        .map_err(Problem::internal)?;
    let credential = state
        .store
        .accept_invitation(&hash_secret(&req.token), hash)
        .await?;
    let session = state.auth.start_session(&state.store, credential).await?;
    Ok(axum::Json(session.into()))
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(accept))
}
