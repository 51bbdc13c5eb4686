//! `/signup`: a company signs up; the signer becomes its owner and is signed in.

use axum::extract::State;
use axum::http::StatusCode;
use kefu_core::Role;
use kefu_store::tenants::slugify;
use kefu_store::users::NewUser;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::sessions::{SessionView, limit_ip};
use super::validate;
use crate::auth::{PasswordContext, check_password_policy, hash_password};
use crate::json::Json;
use crate::problem::{ApiResult, Problem};
use crate::state::{AppState, ClientIp};

/// Sign-up form.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    /// Company name (1–200 characters).
    pub company: String,
    /// Your name.
    pub name: String,
    /// Your e-mail; you sign in with it.
    pub email: String,
    /// 12 to 256 characters, hard to guess (zxcvbn score 3 or more, not built from the
    /// e-mail, name or company); a 422 on `password` says why not.
    pub password: String,
}

/// Create a company and its owner, and sign the owner in.
#[utoipa::path(post, path = "/api/v1/signup", tag = "signup",
    request_body = SignupRequest,
    responses(
        (status = 201, body = SessionView, description = "Company created, owner signed in"),
        (status = 422, body = Problem, description = "A field is invalid (named in `field`)"),
        (status = 429, body = Problem, description = "Too many sign-ups from this address"),
    ))]
async fn signup(
    State(state): State<AppState>,
    ip: ClientIp,
    Json(req): Json<SignupRequest>,
) -> ApiResult<(StatusCode, axum::Json<SessionView>)> {
    limit_ip(&state, &ip)?;
    let company = validate::text("company", &req.company, 200)?;
    let name = validate::text("name", &req.name, 200)?;
    let email = validate::email("email", &req.email)?;
    state
        .account_limit
        .check(&email, std::time::Instant::now())
        .map_err(Problem::too_many)?;
    let personal = PasswordContext {
        email: &email,
        name: &name,
        company: &company,
    };
    check_password_policy(&req.password, &personal)
        .map_err(|e| Problem::invalid("password", e.to_string()))?;
    let hash = hash_password(req.password)
        .await
        .map_err(Problem::internal)?;
    let (tenant, owner) = state
        .store
        .create_tenant_with_owner(
            &company,
            &slugify(&company),
            NewUser {
                email: &email,
                name: &name,
                role: Role::Owner,
                password_hash: Some(hash),
            },
        )
        .await?;
    tracing::info!(tenant_id = %tenant.id, slug = %tenant.slug, "company signed up");
    let credential = state.store.credential(tenant.id, owner.id).await?;
    let session = state.auth.start_session(&state.store, credential).await?;
    Ok((StatusCode::CREATED, axum::Json(session.into())))
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(signup))
}
