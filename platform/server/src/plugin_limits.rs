//! `/plugin-limits`: a tenant's per-invocation plugin limits (CPU, memory, wall clock, output),
//! stored as the tenant's `plugin_limits` configuration document and applied to every
//! installation when it is built for a call. Values must fit inside the host-wide maxima (the
//! instance pool is sized for them); the defaults are the host's.

use axum::extract::State;
use kefu_core::TenantScope;
use kefu_plugin_host::InvocationLimits;
use kefu_store::Store;
use kefu_store::config_docs::ConfigChange;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Authed;
use crate::json::Json;
use crate::problem::{ApiResult, FieldError, Problem};
use crate::state::AppState;

/// The document kind in the store.
const KIND: &str = "plugin_limits";

/// Per-invocation limits of a tenant's plugins.
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

/// The host's defaults.
pub fn defaults() -> PluginLimits {
    let d = InvocationLimits::default();
    PluginLimits {
        cpu_ms: d.cpu.as_millis() as u32,
        memory_mib: (d.memory_bytes >> 20) as u32,
        wall_ms: d.wall.as_millis() as u32,
        max_output_kib: (d.max_output_bytes >> 10) as u32,
    }
}

/// The bounds (memory: the pool's slot size, see `HostConfig::max_memory_bytes`).
pub fn maxima() -> PluginLimits {
    PluginLimits {
        cpu_ms: 1_000,
        memory_mib: (kefu_plugin_host::HostConfig::default().max_memory_bytes >> 20) as u32,
        wall_ms: 30_000,
        max_output_kib: 1_024,
    }
}

async fn stored(store: &Store, scope: &TenantScope) -> Result<(i64, PluginLimits), Problem> {
    let doc = store.config_doc(scope, KIND).await?;
    let limits = match doc.doc {
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| Problem::internal(format!("stored plugin limits: {e}")))?,
        None => defaults(),
    };
    Ok((doc.version, limits))
}

/// The host limits for the scope's invocations.
pub async fn effective(store: &Store, scope: &TenantScope) -> Result<InvocationLimits, Problem> {
    let (_, limits) = stored(store, scope).await?;
    Ok(InvocationLimits {
        cpu: Duration::from_millis(limits.cpu_ms.into()),
        wall: Duration::from_millis(limits.wall_ms.into()),
        memory_bytes: (limits.memory_mib as usize) << 20,
        max_output_bytes: (limits.max_output_kib as usize) << 10,
        ..InvocationLimits::default()
    })
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
