//! Operational endpoints: `/livez` (the process runs), `/readyz` (database and object store
//! answer; it also says whether callers hear speech, which does not make the node unready),
//! `/metrics` (Prometheus), and the middleware that records request metrics.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use kefu_telephony::Speech;

use crate::problem::Problem;
use crate::state::AppState;

/// Readiness of each dependency.
#[derive(Debug, Serialize)]
struct Readiness {
    database: String,
    object_store: String,
    /// `ok`, `checking`, `not used (telephony is off)`, or why callers hear no spoken prompts.
    speech: String,
}

async fn livez() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    let (db, objects) = tokio::join!(state.store.ping(), state.objects.check());
    let ready = db.is_ok() && objects.is_ok();
    let show = |r: Result<(), String>| r.map(|()| "ok".to_owned()).unwrap_or_else(|e| e);
    let body = Readiness {
        database: show(db.map_err(|e| e.to_string())),
        object_store: show(objects.map_err(|e| e.to_string())),
        speech: match state.speech.get() {
            None => "not used (telephony is off)".to_owned(),
            Some(Speech::Checking) => "checking".to_owned(),
            Some(Speech::Ready) => "ok".to_owned(),
            Some(Speech::Unavailable(why)) => why,
        },
    };
    if ready {
        axum::Json(body).into_response()
    } else {
        tracing::warn!(?body, "not ready");
        let mut p = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not-ready",
            "Not ready",
            format!(
                "database: {}; object store: {}",
                body.database, body.object_store
            ),
        );
        p.field = None;
        p.into_response()
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    match &state.metrics {
        Some(handle) => (
            [("content-type", "text/plain; version=0.0.4")],
            handle.render(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "metrics are not enabled").into_response(),
    }
}

/// The operational routes.
pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/livez", get(livez))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// Count requests and time them, labelled by route template (not raw path, which would let
/// clients create unbounded label sets) and status.
pub async fn record(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("kefu_http_requests_total", &labels).increment(1);
    metrics::histogram!("kefu_http_request_duration_seconds", &labels)
        .record(start.elapsed().as_secs_f64());
    res
}
