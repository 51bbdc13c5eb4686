//! `/plugin-invocations`: the tenant's persisted plugin invocation log (list, read, replay),
//! and `POST /plugin-installations/{id}/test`, which runs an installation on an input now —
//! how an admin tries a configuration before pointing a number at it.
//!
//! The log holds callers' numbers and call data, so it is for admins and developers only.

use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use kefu_plugin_host::{Invocation, PluginHost, crm, integration, router};
use kefu_store::plugin_invocations::{InvocationFilter, PluginInvocationRow};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Authed;
use crate::json::{Json, Query, from_value};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use kefu_telephony::plugin_runtime::Running;

/// Filters of the log listing.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this installation's invocations.
    pub installation_id: Option<String>,
    /// `returned`, `trapped` or `rejected`.
    pub outcome: Option<String>,
    /// The previous page's `next`.
    pub before: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u64>,
}

/// One invocation in the listing.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InvocationSummary {
    /// Id (`piv_…`).
    pub id: String,
    /// The installation that ran.
    pub installation_id: Option<String>,
    /// Plugin name.
    pub plugin: String,
    /// Version.
    pub version: String,
    /// World.
    pub world: String,
    /// Function.
    pub function: String,
    /// `returned`, `trapped` or `rejected`.
    pub outcome: String,
    /// The trap or rejection kind.
    pub detail: Option<String>,
    /// Duration, microseconds.
    pub duration_us: i64,
    /// When it ran.
    pub created_at: DateTime<Utc>,
}

/// A page of the log, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InvocationPage {
    /// Invocations.
    pub items: Vec<InvocationSummary>,
    /// Pass as `before` for the next page; absent on the last.
    pub next: Option<String>,
}

/// One invocation with its full record.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InvocationDetail {
    /// Id.
    pub id: String,
    /// The installation that ran.
    pub installation_id: Option<String>,
    /// When it ran.
    pub created_at: DateTime<Utc>,
    /// Input, outcome, host calls, log lines.
    #[schema(value_type = Object)]
    pub invocation: Value,
}

/// The result of a replay.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReplayResult {
    /// Same outcome as recorded.
    pub identical: bool,
    /// The new run.
    #[schema(value_type = Object)]
    pub invocation: Value,
}

/// Run an installation now.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestRequest {
    /// `on-event` (ivr, integration), `score` (router), `lookup` or `on-call-ended` (crm).
    pub function: String,
    /// The arguments, shaped like a logged invocation's `input`.
    #[schema(value_type = Object)]
    pub input: Value,
}

/// What the run did.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TestResult {
    /// The invocation record (also in the log).
    #[schema(value_type = Object)]
    pub invocation: Value,
}

impl From<PluginInvocationRow> for InvocationSummary {
    fn from(r: PluginInvocationRow) -> Self {
        InvocationSummary {
            id: r.id,
            installation_id: r.installation_id,
            plugin: r.plugin,
            version: r.version,
            world: r.world,
            function: r.function,
            outcome: r.outcome,
            detail: r.detail,
            duration_us: r.duration_us,
            created_at: r.created_at,
        }
    }
}

/// The log, newest first (admins, developers).
#[utoipa::path(get, path = "/api/v1/plugin-invocations", tag = "plugins", params(ListQuery),
    security(("bearer" = [])),
    responses((status = 200, body = InvocationPage), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Query(q): Query<ListQuery>,
) -> ApiResult<axum::Json<InvocationPage>> {
    if let Some(outcome) = &q.outcome
        && !["returned", "trapped", "rejected"].contains(&outcome.as_str())
    {
        return Err(Problem::invalid(
            "outcome",
            "outcome must be returned, trapped or rejected",
        ));
    }
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(Problem::invalid("limit", "limit must be 1 to 200"));
    }
    let rows = state
        .store
        .plugin_invocations(
            &scope,
            &InvocationFilter {
                installation_id: q.installation_id,
                outcome: q.outcome,
                before: q.before,
                limit,
            },
        )
        .await?;
    let next = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|r| r.id.clone()))
        .flatten();
    Ok(axum::Json(InvocationPage {
        items: rows.into_iter().map(Into::into).collect(),
        next,
    }))
}

/// One invocation with its input, outcome, host calls and log lines.
#[utoipa::path(get, path = "/api/v1/plugin-invocations/{id}", tag = "plugins",
    params(("id" = String, Path, description = "Invocation id")), security(("bearer" = [])),
    responses((status = 200, body = InvocationDetail), (status = 404, body = Problem), (status = 403, body = Problem)))]
async fn get_one(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<InvocationDetail>> {
    let row = state.store.plugin_invocation(&scope, &id).await?;
    Ok(axum::Json(InvocationDetail {
        id: row.id,
        installation_id: row.installation_id,
        created_at: row.created_at,
        invocation: row.record,
    }))
}

/// Re-run a logged invocation on the exact code that ran (same content hash) with the
/// installation's current settings, and compare outcomes.
#[utoipa::path(post, path = "/api/v1/plugin-invocations/{id}/replay", tag = "plugins",
    params(("id" = String, Path, description = "Invocation id")), security(("bearer" = [])),
    responses((status = 200, body = ReplayResult), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The installation or that version is gone")))]
async fn replay(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<ReplayResult>> {
    let row = state.store.plugin_invocation(&scope, &id).await?;
    let recorded: Invocation = serde_json::from_value(row.record)
        .map_err(|e| Problem::internal(format!("stored invocation record: {e}")))?;
    let gone = |what: &str| {
        Problem::new(
            axum::http::StatusCode::CONFLICT,
            "cannot-replay",
            "Cannot replay",
            format!("this invocation cannot be replayed: {what}"),
        )
    };
    let installation_id = row
        .installation_id
        .ok_or_else(|| gone("it did not run through an installation"))?;
    let running = state
        .runtime
        .installation(&scope, &installation_id)
        .await
        .map_err(|_| gone("its installation was removed"))?;
    let version = state
        .store
        .plugin_version(
            &scope,
            running.stored.publisher,
            &recorded.plugin,
            &recorded.version.to_string(),
        )
        .await
        .map_err(|_| gone("the version that ran is no longer visible"))?;
    if version.content_hash != recorded.content_hash {
        return Err(gone("the code that ran is not the published version's"));
    }
    state.runtime.plugin_for(&version).await?;
    let replayed = state
        .runtime
        .host()
        .replay(&running.installation, &recorded)
        .await
        .map_err(|e| gone(&e.to_string()))?;
    Ok(axum::Json(ReplayResult {
        identical: replayed.identical,
        invocation: serde_json::to_value(&*replayed.invocation).map_err(Problem::internal)?,
    }))
}

/// Run an installation on `input` now (admins); the run is logged like any other.
#[utoipa::path(post, path = "/api/v1/plugin-installations/{id}/test", tag = "plugins",
    params(("id" = String, Path, description = "Installation id")),
    request_body = TestRequest, security(("bearer" = [])),
    responses((status = 200, body = TestResult), (status = 404, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn test_installation(
    State(state): State<AppState>,
    Authed(scope, _): Authed,
    Path(id): Path<String>,
    Json(req): Json<TestRequest>,
) -> ApiResult<axum::Json<TestResult>> {
    if !scope.role().is_admin() {
        return Err(Problem::forbidden("only admins may run installations"));
    }
    let running = state.runtime.installation(&scope, &id).await?;
    let invocation = run(state.runtime.host(), &running, &req.function, req.input).await?;
    Ok(axum::Json(TestResult {
        invocation: serde_json::to_value(&*invocation).map_err(Problem::internal)?,
    }))
}

/// Longest router deadline a test may ask for.
const MAX_TEST_DEADLINE: Duration = Duration::from_secs(1);

async fn run(
    host: &PluginHost,
    running: &Running,
    function: &str,
    input: Value,
) -> Result<std::sync::Arc<Invocation>, Problem> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Ivr {
        context: kefu_plugin_host::CallContext,
        event: kefu_plugin_host::Event,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Score {
        call: router::Call,
        candidates: Vec<router::Candidate>,
        #[serde(default)]
        deadline_us: Option<u64>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Lookup {
        caller: String,
        context: kefu_plugin_host::CallContext,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Ended {
        summary: crm::CallSummary,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Domain {
        event: integration::DomainEvent,
    }
    let wrap = |value: Value| serde_json::json!({ "input": value });
    let (plugin, installation) = (&running.plugin, &running.installation);
    let world = plugin.manifest().world.wit_name();
    let invocation = match (world, function) {
        ("ivr", "on-event") => {
            let i: Ivr = from_value::<Field<Ivr>>(wrap(input))?.input;
            host.ivr_on_event(plugin, installation, &i.context, &i.event)
                .await
                .invocation
        }
        ("router", "score") => {
            let i: Score = from_value::<Field<Score>>(wrap(input))?.input;
            let deadline = i
                .deadline_us
                .map(Duration::from_micros)
                .unwrap_or(MAX_TEST_DEADLINE)
                .min(MAX_TEST_DEADLINE);
            host.router_score(plugin, installation, &i.call, &i.candidates, deadline)
                .await
                .invocation
        }
        ("crm", "lookup") => {
            let i: Lookup = from_value::<Field<Lookup>>(wrap(input))?.input;
            host.crm_lookup(plugin, installation, &i.caller, &i.context)
                .await
                .invocation
        }
        ("crm", "on-call-ended") => {
            let i: Ended = from_value::<Field<Ended>>(wrap(input))?.input;
            host.crm_on_call_ended(plugin, installation, &i.summary)
                .await
                .invocation
        }
        ("integration", "on-event") => {
            let i: Domain = from_value::<Field<Domain>>(wrap(input))?.input;
            host.integration_on_event(plugin, installation, &i.event)
                .await
                .invocation
        }
        (world, function) => {
            return Err(Problem::invalid(
                "function",
                format!("a plugin of the {world} world has no function `{function}`"),
            ));
        }
    };
    Ok(invocation)
}

/// Wraps an input so that parse errors name `input.…`.
#[derive(Deserialize)]
#[serde(bound = "T: serde::de::DeserializeOwned")]
struct Field<T> {
    input: T,
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get_one))
        .routes(routes!(replay))
        .routes(routes!(test_installation))
}
