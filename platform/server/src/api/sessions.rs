//! `/sessions`: log in, refresh, log out. A session is an access token (short-lived JWT) and a
//! refresh token (opaque, stored hashed, rotated on every use).

use std::time::Instant;

use axum::extract::State;
use axum::http::StatusCode;
use kefu_store::credentials::Credential;
use kefu_store::users::UserStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::users::UserView;
use super::validate;
use crate::auth::{Authed, IssuedSession, hash_secret, verify_password};
use crate::json::Json;
use crate::problem::{ApiResult, Problem};
use crate::state::{AppState, ClientIp};

/// At most this many same-e-mail accounts are tried for one login.
const MAX_CANDIDATES: usize = 5;

/// A tenant as its users see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TenantView {
    /// Tenant id.
    #[schema(value_type = String, example = "ten_01JD3Y7Q2ZK8X9V4T5N6M7P8Q9")]
    pub id: kefu_core::TenantId,
    /// Short name used at login.
    pub slug: String,
    /// Company name.
    pub name: String,
}

impl From<&kefu_store::tenants::Tenant> for TenantView {
    fn from(t: &kefu_store::tenants::Tenant) -> Self {
        TenantView {
            id: t.id,
            slug: t.slug.clone(),
            name: t.name.clone(),
        }
    }
}

/// A signed-in session.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionView {
    /// Bearer token for API calls.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until `access_token` expires.
    pub expires_in: u64,
    /// Exchange at `/api/v1/sessions/refresh` for a new session; single use.
    pub refresh_token: String,
    /// Who is signed in.
    pub user: UserView,
    /// Their company.
    pub tenant: TenantView,
}

impl From<IssuedSession> for SessionView {
    fn from(s: IssuedSession) -> Self {
        SessionView {
            access_token: s.access_token,
            token_type: "Bearer".into(),
            expires_in: s.expires_in,
            refresh_token: s.refresh_token,
            user: (&s.credential.user).into(),
            tenant: (&s.credential.tenant).into(),
        }
    }
}

/// Login form.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Sign-in e-mail.
    pub email: String,
    /// Password.
    pub password: String,
    /// Company slug; needed only when this e-mail and password belong to several companies.
    #[serde(default)]
    pub tenant: Option<String>,
}

/// A refresh token to exchange or revoke.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last session.
    pub refresh_token: String,
}

/// Apply the per-address limit for sign-up/login attempts.
pub(crate) fn limit_ip(state: &AppState, ip: &ClientIp) -> Result<(), Problem> {
    state
        .ip_limit
        .check(&ip.0, Instant::now())
        .map_err(Problem::too_many)
}

fn wrong_credentials() -> Problem {
    Problem::unauthorized("the e-mail or password is wrong").field("password")
}

/// Log in with e-mail and password.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "sessions",
    request_body = LoginRequest,
    responses(
        (status = 200, body = SessionView, description = "Signed in"),
        (status = 401, body = Problem, description = "Wrong e-mail or password"),
        (status = 409, body = Problem, description = "The e-mail and password fit several companies: name one in `tenant`"),
        (status = 429, body = Problem, description = "Too many attempts"),
    ))]
async fn login(
    State(state): State<AppState>,
    ip: ClientIp,
    Json(req): Json<LoginRequest>,
) -> ApiResult<axum::Json<SessionView>> {
    limit_ip(&state, &ip)?;
    let email = validate::email("email", &req.email)?;
    state
        .account_limit
        .check(&email, Instant::now())
        .map_err(Problem::too_many)?;
    if req.password.chars().count() > crate::auth::MAX_PASSWORD_LEN {
        return Err(wrong_credentials());
    }
    let mut candidates = state.store.credentials_by_email(&email).await?;
    if let Some(slug) = req
        .tenant
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        candidates.retain(|c| c.tenant.slug == slug);
    }
    candidates.truncate(MAX_CANDIDATES);
    let mut matching: Vec<Credential> = Vec::new();
    if candidates.is_empty() {
        // Spend the same time as a real check so timing does not reveal unknown e-mails.
        verify_password(req.password.clone(), None).await;
    }
    for c in candidates {
        if verify_password(req.password.clone(), c.password_hash.clone()).await {
            matching.push(c);
        }
    }
    let credential = match matching.len() {
        0 => return Err(wrong_credentials()),
        1 => matching.remove(0),
        _ => {
            return Err(Problem::new(
                StatusCode::CONFLICT,
                "tenant-required",
                "Company required",
                "this e-mail signs in to several companies; say which one in `tenant`",
            )
            .field("tenant"));
        }
    };
    if credential.user.status != UserStatus::Active {
        return Err(Problem::unauthorized("this account is disabled").field("email"));
    }
    let session = state.auth.start_session(&state.store, credential).await?;
    Ok(axum::Json(session.into()))
}

/// Exchange a refresh token for a new session. Each refresh token works once; presenting a
/// used one revokes every token of that session.
#[utoipa::path(post, path = "/api/v1/sessions/refresh", tag = "sessions",
    request_body = RefreshRequest,
    responses(
        (status = 200, body = SessionView, description = "New session"),
        (status = 401, body = Problem, description = "Unknown, expired, revoked or reused refresh token"),
    ))]
async fn refresh(
    State(state): State<AppState>,
    Json(req): Json<RefreshRequest>,
) -> ApiResult<axum::Json<SessionView>> {
    // Not rate-limited like logins: a refresh token is a 256-bit secret, so guessing is
    // hopeless, and a whole office refreshing must not lock itself out.
    if req.refresh_token.len() > 256 {
        return Err(Problem::unauthorized("the refresh token is malformed").field("refresh_token"));
    }
    let session = state.auth.refresh(&state.store, &req.refresh_token).await?;
    Ok(axum::Json(session.into()))
}

/// Log out: revoke this session's refresh tokens and the access token used for the call.
#[utoipa::path(post, path = "/api/v1/sessions/logout", tag = "sessions",
    request_body = RefreshRequest,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, body = Problem),
    ))]
async fn logout(
    State(state): State<AppState>,
    Authed(scope, token): Authed,
    Json(req): Json<RefreshRequest>,
) -> ApiResult<StatusCode> {
    // Access tokens are minted for users only; a scope without one has no session.
    if let Some(user) = scope.user()
        && req.refresh_token.len() <= 256
    {
        state
            .store
            .end_session(scope.tenant(), user, &hash_secret(&req.refresh_token))
            .await?;
    }
    state.auth.revoke_token(&token);
    Ok(StatusCode::NO_CONTENT)
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
}
