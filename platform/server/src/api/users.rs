//! `/users`: the company's users — list, invite, change role, disable.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use kefu_core::{Role, UserId};
use kefu_store::users::{InvitationMail, NewUser, User, UserChange, UserStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::validate;
use crate::auth::{Authed, hash_secret, new_secret};
use crate::json::Json;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// A user as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserView {
    /// User id.
    #[schema(value_type = String, example = "usr_01JD3Y7Q2ZK8X9V4T5N6M7P8Q9")]
    pub id: UserId,
    /// Sign-in e-mail.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    #[schema(value_type = String, example = "agent")]
    pub role: Role,
    /// `active`, `invited` or `disabled`.
    #[schema(value_type = String, example = "active")]
    pub status: UserStatus,
    /// When created.
    pub created_at: DateTime<Utc>,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        UserView {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role,
            status: u.status,
            created_at: u.created_at,
        }
    }
}

/// A list of users.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserList {
    /// The users, oldest first.
    pub items: Vec<UserView>,
}

/// Invite someone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    /// Their e-mail (the invitation is sent there).
    pub email: String,
    /// Their name.
    pub name: String,
    /// Role to grant.
    #[schema(value_type = String, example = "agent")]
    pub role: Role,
}

/// The invitation as the inviter sees it (the link itself goes only to the invitee).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InvitationView {
    /// Invitation id.
    pub id: String,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// The invited user and their invitation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Invited {
    /// The new user (status `invited`).
    pub user: UserView,
    /// The invitation.
    pub invitation: InvitationView,
}

/// What to change about a user; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeUserRequest {
    /// New display name.
    #[serde(default)]
    pub name: Option<String>,
    /// New role.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "supervisor")]
    pub role: Option<Role>,
    /// Disable (`true`) or re-enable (`false`).
    #[serde(default)]
    pub disabled: Option<bool>,
}

fn parse_user_id(id: &str) -> Result<UserId, Problem> {
    // A malformed id cannot name a user: same answer as an unknown one.
    id.parse().map_err(|_| Problem::not_found("user"))
}

/// The company's users (supervisors, admins and the owner).
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    security(("bearer" = [])),
    responses((status = 200, body = UserList), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn list_users(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
) -> ApiResult<axum::Json<UserList>> {
    let users = state.store.list_users(&scope).await?;
    Ok(axum::Json(UserList {
        items: users.iter().map(UserView::from).collect(),
    }))
}

/// One user of the company.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = String, Path, description = "User id")),
    security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 404, body = Problem), (status = 403, body = Problem)))]
async fn get_user(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<UserView>> {
    let user = state.store.user(&scope, parse_user_id(&id)?).await?;
    Ok(axum::Json((&user).into()))
}

/// A new invitation token, its expiry, and the e-mail carrying the link.
async fn invitation_mail(
    state: &AppState,
    scope: &kefu_core::TenantScope,
    name: &str,
    role: Role,
) -> Result<(String, DateTime<Utc>, InvitationMail), Problem> {
    let token = new_secret("kefu_inv_");
    let expires_at = Utc::now() + chrono::Duration::hours(state.config.invitation_ttl_hours as i64);
    let tenant = state.store.tenant(scope).await?;
    let link = format!(
        "{}/invite?token={token}",
        state.config.public_url.trim_end_matches('/')
    );
    let mail = InvitationMail {
        subject: format!("You are invited to {} on Kefu", tenant.name),
        body: format!(
            "Hello {name},\n\nyou have been invited to join {} on Kefu as {role}.\n\
             Choose your password here (the link works until {}):\n\n{link}\n",
            tenant.name,
            expires_at.format("%Y-%m-%d %H:%M UTC"),
        ),
    };
    Ok((token, expires_at, mail))
}

/// Invite a user: they get an e-mail with a link to choose a password (admins and the owner).
#[utoipa::path(post, path = "/api/v1/users", tag = "users",
    request_body = InviteRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Invited),
        (status = 409, body = Problem, description = "E-mail already used in this company"),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn invite_user(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Json(req): Json<InviteRequest>,
) -> ApiResult<(StatusCode, axum::Json<Invited>)> {
    let email = validate::email("email", &req.email)?;
    let name = validate::text("name", &req.name, 200)?;
    let (token, expires_at, mail) = invitation_mail(&state, &scope, &name, req.role).await?;
    let (user, invitation) = state
        .store
        .invite_user(
            &scope,
            NewUser {
                email: &email,
                name: &name,
                role: req.role,
                password_hash: None,
            },
            &hash_secret(&token),
            expires_at,
            mail,
        )
        .await?;
    state.outbox.wake();
    Ok((
        StatusCode::CREATED,
        axum::Json(Invited {
            user: (&user).into(),
            invitation: InvitationView {
                id: invitation.id.to_string(),
                expires_at: invitation.expires_at,
            },
        }),
    ))
}

/// Change a user's name, role or disabled flag (admins and the owner). Changing the role or
/// disabling signs the user out everywhere at once.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = String, Path, description = "User id")),
    request_body = ChangeUserRequest,
    security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 404, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn change_user(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
    Json(req): Json<ChangeUserRequest>,
) -> ApiResult<axum::Json<UserView>> {
    let id = parse_user_id(&id)?;
    let name = req
        .name
        .as_deref()
        .map(|n| validate::text("name", n, 200))
        .transpose()?;
    let (user, signed_out) = state
        .store
        .change_user(
            &scope,
            id,
            UserChange {
                name,
                role: req.role,
                disabled: req.disabled,
            },
        )
        .await?;
    state.identity.forget(scope.tenant(), id);
    if signed_out {
        state.auth.revoke(scope.tenant(), id, Utc::now());
    }
    Ok(axum::Json((&user).into()))
}

/// Send an invited user a new invitation e-mail; earlier links stop working (admins).
#[utoipa::path(post, path = "/api/v1/users/{id}/invitation", tag = "users",
    params(("id" = String, Path, description = "User id")),
    security(("bearer" = [])),
    responses((status = 201, body = InvitationView), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "The user already accepted"), (status = 403, body = Problem)))]
async fn reinvite_user(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, axum::Json<InvitationView>)> {
    let id = parse_user_id(&id)?;
    let user = state.store.user(&scope, id).await?;
    let (token, expires_at, mail) = invitation_mail(&state, &scope, &user.name, user.role).await?;
    let invitation = state
        .store
        .reinvite_user(&scope, id, &hash_secret(&token), expires_at, mail)
        .await?;
    state.outbox.wake();
    Ok((
        StatusCode::CREATED,
        axum::Json(InvitationView {
            id: invitation.id.to_string(),
            expires_at: invitation.expires_at,
        }),
    ))
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, invite_user))
        .routes(routes!(get_user, change_user))
        .routes(routes!(reinvite_user))
}
