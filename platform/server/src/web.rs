//! The browser apps, served from the built `web/dist` directory. Client-side routes (`/admin`,
//! `/agent`, …) fall back to `index.html`; unknown `/api/…` paths get a problem+json 404 rather
//! than the app's HTML.

use std::path::Path;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use axum::routing::any;
use tower_http::services::{ServeDir, ServeFile};

use crate::problem::Problem;
use crate::state::AppState;

async fn api_not_found() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "no-such-route",
        "No such API route",
        "see /api/docs for the API",
    )
}

async fn not_built() -> impl IntoResponse {
    Html(
        "<!doctype html><title>Kefu</title><h1>Kefu is running</h1>\
         <p>The web app has not been built. Run <code>npm --prefix web ci &amp;&amp; npm \
         --prefix web run build</code> (the README's run command does this), or point \
         <code>web_dir</code> at a built app. The API is at <a href=\"/api/docs\">/api/docs</a>.</p>",
    )
}

/// Routes for the web app rooted at `dir`.
pub fn router(dir: &Path) -> Router<AppState> {
    let api = Router::new().route("/api/{*rest}", any(api_not_found));
    let index = dir.join("index.html");
    if index.exists() {
        api.fallback_service(ServeDir::new(dir).fallback(ServeFile::new(index)))
    } else {
        tracing::warn!(dir = %dir.display(), "web app not built; serving a placeholder page");
        api.fallback(not_built)
    }
}
