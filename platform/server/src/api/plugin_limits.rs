//! `/plugin-limits`: a tenant's per-invocation plugin limits (CPU, memory, wall clock, output).
//! The limits themselves (their document, defaults, maxima and how a call applies them) are
//! `kefu_telephony::plugin_limits`; this file is their HTTP face: the request and response
//! types, the bounds check answered as a 422, and the handlers.

use axum::extract::State;
use kefu_core::TenantScope;
use kefu_store::config_docs::ConfigChange;
use kefu_telephony::plugin_limits::{self as limits_doc, KIND};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Authed;
use crate::json::Json;
use crate::problem::{ApiResult, FieldError, Problem};
use crate::state::AppState;

/// Per-invocation limits of a tenant's plugins (the body of `/plugin-limits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PluginLimits {
    /// Guest CPU time per invocation, milliseconds (epoch deadline).
    pub cpu_ms: u32,
    /// Linear memory per invocation, MiB.
    pub memory_mib: u32,
    /// Wall-clock time per invocation, host calls included, milliseconds.
    pub wall_ms: u32,
    /// Largest output (its JSON form), KiB.
    pub max_output_kib: u32,
}

/// The limits in effect, and the bounds they may take.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PluginLimitsView {
    /// In effect for this tenant.
    pub limits: PluginLimits,
    /// The host's defaults.
    pub defaults: PluginLimits,
    /// The largest values a tenant may set.
    pub max: PluginLimits,
}

impl From<limits_doc::PluginLimits> for PluginLimits {
    fn from(l: limits_doc::PluginLimits) -> Self {
        PluginLimits {
            cpu_ms: l.cpu_ms,
            memory_mib: l.memory_mib,
            wall_ms: l.wall_ms,
            max_output_kib: l.max_output_kib,
        }
    }
}

impl From<PluginLimits> for limits_doc::PluginLimits {
    fn from(l: PluginLimits) -> Self {
        limits_doc::PluginLimits {
            cpu_ms: l.cpu_ms,
            memory_mib: l.memory_mib,
            wall_ms: l.wall_ms,
            max_output_kib: l.max_output_kib,
        }
    }
}

fn defaults() -> PluginLimits {
    limits_doc::defaults().into()
}

fn maxima() -> PluginLimits {
    limits_doc::maxima().into()
}

async fn stored(
    store: &kefu_store::Store,
    scope: &TenantScope,
) -> Result<(i64, PluginLimits), Problem> {
    let (version, limits) = limits_doc::stored(store, scope).await?;
    Ok((version, limits.into()))
}

fn check(limits: &PluginLimits) -> Result<(), Problem> {
    let max = maxima();
    let mut errors = Vec::new();
    let mut bound = |field: &'static str, value: u32, min: u32, max: u32| {
        if value < min || value > max {
            errors.push(FieldError::new(
                field,
                format!("must be between {min} and {max}"),
            ));
        }
    };
    bound("cpu_ms", limits.cpu_ms, 1, max.cpu_ms);
    bound("memory_mib", limits.memory_mib, 1, max.memory_mib);
    bound("wall_ms", limits.wall_ms, 10, max.wall_ms);
    bound(
        "max_output_kib",
        limits.max_output_kib,
        1,
        max.max_output_kib,
    );
    if errors.is_empty() && limits.wall_ms < limits.cpu_ms {
        errors.push(FieldError::new("wall_ms", "must be at least cpu_ms"));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Problem::invalid_fields(errors))
    }
}

/// The tenant's plugin limits (admins and developers).
#[utoipa::path(get, path = "/api/v1/plugin-limits", tag = "plugins", security(("bearer" = [])),
    responses((status = 200, body = PluginLimitsView), (status = 403, body = Problem)))]
async fn get_limits(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
) -> ApiResult<axum::Json<PluginLimitsView>> {
    if !(scope.role().is_admin() || scope.role().may_publish_plugins()) {
        return Err(Problem::forbidden("your role may not see plugin limits"));
    }
    let (_, limits) = stored(&state.store, &scope).await?;
    Ok(axum::Json(PluginLimitsView {
        limits,
        defaults: defaults(),
        max: maxima(),
    }))
}

/// Set the tenant's plugin limits (admins).
#[utoipa::path(put, path = "/api/v1/plugin-limits", tag = "plugins", security(("bearer" = [])),
    request_body = PluginLimits,
    responses((status = 200, body = PluginLimitsView), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
async fn put_limits(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Json(limits): Json<PluginLimits>,
) -> ApiResult<axum::Json<PluginLimitsView>> {
    if !scope.role().is_admin() {
        return Err(Problem::forbidden("only admins may change plugin limits"));
    }
    check(&limits)?;
    let text = serde_json::to_string(&limits).map_err(Problem::internal)?;
    let (version, _) = stored(&state.store, &scope).await?;
    state
        .store
        .save_config_doc(
            &scope,
            KIND,
            version,
            text,
            ConfigChange {
                action: "plugin.limits_changed",
                target: KIND,
                detail: serde_json::to_value(limits).map_err(Problem::internal)?,
            },
        )
        .await?;
    Ok(axum::Json(PluginLimitsView {
        limits,
        defaults: defaults(),
        max: maxima(),
    }))
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_limits, put_limits))
}
