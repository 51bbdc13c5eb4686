//! Wiring: the state from a configuration, and the router with its middleware.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Request, StatusCode};
use axum::routing::get;
use kefu_store::Store;
use kefu_store::objects::{FsObjects, ObjectStore, S3Config, S3Objects};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::{Auth, Jwks, RateLimiter};
use crate::config::{Config, ObjectStoreKind};
use crate::problem::Problem;
use crate::state::{AppState, Inner};
use crate::{api, ops, web};

/// Longest a request may take before it is answered 503.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Most distinct keys each rate limiter tracks.
const RATE_LIMIT_KEYS: usize = 100_000;

/// Connect everything the configuration names, apply migrations, load keys.
pub async fn build_state(
    config: Config,
    metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
) -> anyhow::Result<AppState> {
    tokio::fs::create_dir_all(&config.data_dir)
        .await
        .with_context(|| format!("creating data_dir {}", config.data_dir.display()))?;
    let url = config.effective_database_url();
    let store = Store::connect(&url)
        .await
        .with_context(|| "connecting to the database (key `database_url`)")?;
    store.migrate().await.context("applying migrations")?;
    let objects: Arc<dyn ObjectStore> = match config.object_store {
        ObjectStoreKind::Fs => Arc::new(FsObjects::open(config.data_dir.join("objects")).await?),
        ObjectStoreKind::S3 => Arc::new(S3Objects::new(&S3Config {
            bucket: config.s3_bucket.clone(),
            region: config.s3_region.clone(),
            endpoint: Some(config.s3_endpoint.clone()).filter(|e| !e.is_empty()),
            path_style: config.s3_path_style,
            access_key_id: config.s3_access_key_id.clone(),
            secret_access_key: config.s3_secret_access_key.clone(),
        })),
    };
    let auth = Auth::load(
        &store,
        Duration::from_secs(config.access_token_ttl_secs),
        Duration::from_secs(config.refresh_token_ttl_secs),
    )
    .await?;
    let mailer = crate::outbox::Mailer::from_config(&config)?;
    let host_config = kefu_plugin_host::HostConfig {
        http: kefu_plugin_host::HttpPolicy {
            allow_private_networks: config.plugin_http_allow_private,
            ..Default::default()
        },
        ..Default::default()
    };
    let host = kefu_plugin_host::PluginHost::new(
        host_config,
        kefu_telephony::plugin_runtime::persisting_sink(store.clone()),
    )
    .map_err(|e| anyhow::anyhow!("starting the plugin host: {e}"))?;
    kefu_telephony::plugin_runtime::spawn_retention(
        store.clone(),
        config.plugin_log_retention_days,
        config.plugin_log_max_per_tenant,
    );
    let secrets = kefu_telephony::secrets::SecretBox::load(&config.secrets_key, &config.data_dir)?;
    let runtime =
        kefu_telephony::PluginRuntime::new(host, store.clone(), objects.clone(), Arc::new(secrets));
    let bus = kefu_events::bus_from_url(&config.bus_url)
        .await
        .context("connecting to the event bus (key `bus_url`)")?;
    // Calls this node left open when it last stopped (a crash) are closed before anything
    // else runs, so their records exist before new calls start.
    let closed = kefu_events::recovery::close_open_calls(&store, bus.as_ref(), &config.node_name)
        .await
        .context("closing calls left open by the last stop")?;
    if closed > 0 {
        tracing::warn!(calls = closed, node = %config.node_name, "closed calls the last stop left open (disposition interrupted)");
    }
    let events = kefu_events::EventWriter::start(
        store.clone(),
        bus.clone(),
        kefu_events::WriterConfig::default(),
    );
    crate::event_log::spawn_retention(store.clone(), config.event_retention_days);
    kefu_telephony::integrations::spawn(bus.clone(), store.clone(), runtime.clone())
        .await
        .context("subscribing integration plugins to the event bus")?;
    Ok(AppState::new(Inner {
        ip_limit: RateLimiter::new(config.auth_rate_per_ip_per_min, RATE_LIMIT_KEYS),
        account_limit: RateLimiter::new(config.auth_rate_per_account_per_min, RATE_LIMIT_KEYS),
        config,
        store,
        objects,
        auth,
        metrics,
        outbox: Arc::new(crate::outbox::Outbox::new(mailer)),
        identity: Default::default(),
        runtime,
        registrations: Default::default(),
        speech: Default::default(),
        events,
        event_hub: crate::event_hub::EventHub::start(bus.clone())
            .await
            .context("subscribing the event streams to the bus")?,
        bus,
        desk: Default::default(),
    }))
}

async fn jwks(State(state): State<AppState>) -> axum::Json<Jwks> {
    axum::Json(state.auth.keys().jwks())
}

/// The whole HTTP surface: API, docs, operations endpoints and the web app.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = api::router_and_document();
    let body_limit = state.config.max_body_bytes;
    let web_dir = state.config.web_dir.clone();
    Router::new()
        .merge(api)
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi))
        .route("/.well-known/jwks.json", get(jwks))
        .merge(ops::router())
        .merge(web::router(&web_dir))
        .layer(axum::middleware::from_fn(ops::record))
        // A handler stuck on a dependency answers 503 instead of holding the connection.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!(
                    "http",
                    request_id = %id,
                    method = %req.method(),
                    path = %req.uri().path(),
                    tenant_id = tracing::field::Empty,
                    user_id = tracing::field::Empty,
                )
            }),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(Problem::internal("handler panicked"))
        }))
        .with_state(state)
}
