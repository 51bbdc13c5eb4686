//! `Authed`: the extractor a handler takes to get its `TenantScope` from the bearer token.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use kefu_core::TenantScope;

use super::TokenInfo;
use crate::problem::Problem;
use crate::state::AppState;

/// The authenticated caller's scope, and the token that proved it.
#[derive(Debug, Clone)]
pub struct Authed(pub TenantScope, pub TokenInfo);

impl FromRequestParts<AppState> for Authed {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let header = parts.headers.get(AUTHORIZATION).ok_or_else(|| {
            Problem::unauthorized("send an Authorization: Bearer <access token> header")
        })?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Problem::unauthorized("the Authorization header must be `Bearer <access token>`")
            })?;
        match state.auth.verify(token) {
            Ok((scope, info)) => {
                let span = tracing::Span::current();
                span.record("tenant_id", tracing::field::display(scope.tenant()));
                span.record("user_id", tracing::field::display(scope.principal()));
                Ok(Authed(scope, info))
            }
            Err(e) => {
                tracing::debug!(error = %e, "access token refused");
                Err(Problem::unauthorized(
                    "the access token is invalid, expired or revoked",
                ))
            }
        }
    }
}
