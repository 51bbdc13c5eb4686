//! `kefu serve`: start everything, report readiness, stop gracefully on Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::config::{Config, LogFormat};
use crate::{app, demo, outbox, telephony};

/// Install the global log subscriber for the configured format and filter.
pub fn init_logging(config: &Config) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log)
        .map_err(|e| anyhow::anyhow!("configuration: key `log`: {e}"))?;
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let result = match config.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    result.map_err(|e| anyhow::anyhow!("installing the logger: {e}"))
}

/// Run the server until a shutdown signal.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let started = Instant::now();
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .context("installing the metrics recorder")?;
    let listen = config.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen} (key `listen`)"))?;
    let state = app::build_state(config, Some(metrics)).await?;
    if state.config.demo
        && let Some(creds) = demo::ensure(&state).await?
    {
        println!(
            "Created the demo tenant `{}`. Log in at http://{listen}/ with:",
            creds.tenant
        );
        for u in &creds.users {
            println!("  {:<28} {:<18} ({})", u.email, u.password, u.role);
        }
        println!(
            "Demo number {} rings the Support queue; SIP from this machine (127.0.0.1, ::1) may call it.",
            creds.number
        );
        println!(
            "(also in {})",
            state
                .config
                .data_dir
                .join("demo-credentials.json")
                .display()
        );
    }
    let telephony = telephony::start(&state).await?;
    if let Some(t) = &telephony {
        println!(
            "SIP trunks: udp {} and tcp {} (key `sip_listen`)",
            t.edge.udp_addr(),
            t.edge.tcp_addr()
        );
    }
    tokio::spawn(outbox::run(state.clone()));
    tokio::spawn(reload_keys(state.clone()));
    let events = state.events.clone();
    let router = app::router(state);
    let addr = listener.local_addr()?;
    println!(
        "Kefu is ready on http://{addr} (started in {} ms)",
        started.elapsed().as_millis()
    );
    tracing::info!(%addr, "ready");
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    let mut telephony = telephony;
    if let Some(t) = &mut telephony {
        t.stop_registrations().await;
    }
    drop(telephony);
    let left = events.drain(Duration::from_secs(10)).await;
    if left > 0 {
        tracing::error!(
            events = left,
            "events (and the call records they carry) not stored before stopping"
        );
    }
    tracing::info!("stopped");
    Ok(())
}

/// Pick up keys rotated by `kefu keys rotate` (possibly from another process) and retire
/// keys no live token can carry.
async fn reload_keys(state: crate::state::AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    tick.tick().await;
    loop {
        tick.tick().await;
        if let Err(e) = state.auth.keys().reload(&state.store).await {
            tracing::warn!(error = %e, "reloading signing keys failed");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
