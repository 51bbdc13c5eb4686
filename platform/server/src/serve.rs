//! `kefu serve`: start everything, report readiness, stop gracefully on Ctrl-C or SIGTERM.

use std::time::{Duration, Instant};

use anyhow::Context;

use crate::config::{Config, LogFormat};
use crate::{app, demo, telephony};

/// Install the global log subscriber for the configured format and filter.
///
/// Lines go to stdout, with colour codes only when stdout is a terminal (a file or a log
/// collector would store the escape sequences as text).
pub fn init_logging(config: &Config) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_new(log_directives(&config.log))
        .map_err(|e| anyhow::anyhow!("configuration: key `log`: {e}"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stdout)
        .with_ansi(std::io::stdout().is_terminal());
    let result = match config.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    result.map_err(|e| anyhow::anyhow!("installing the logger: {e}"))
}

/// Targets quieted to `warn` unless the `log` filter names them. rsipstack logs the full
/// text of every SIP message it sends or receives at `info` (numbers, Authorization headers,
/// SDP — at hundreds of calls a second); that belongs at `trace` of a debugging session, which
/// the user asks for by naming the target (`log = "info,rsipstack=trace"`).
const QUIET_TARGETS: &[&str] = &["rsipstack"];

/// The `log` filter with the quiet targets added at `warn` where the user did not name them.
/// Appending is sound because a directive for a target is more specific than the bare level
/// (`debug`), so it wins for that target only; when the user names it, theirs stands alone.
pub fn log_directives(user: &str) -> String {
    let named = |target: &str| {
        user.split(',').any(|directive| {
            let name = directive
                .trim()
                .split(['=', '['])
                .next()
                .unwrap_or_default();
            name == target || name.starts_with(&format!("{target}::"))
        })
    };
    let mut directives = user.trim().to_owned();
    for target in QUIET_TARGETS {
        if !named(target) {
            if !directives.is_empty() {
                directives.push(',');
            }
            directives.push_str(target);
            directives.push_str("=warn");
        }
    }
    directives
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
    let (outbox, store) = (state.outbox.clone(), state.store.clone());
    tokio::spawn(async move { outbox.run(store).await });
    tokio::spawn(reload_keys(state.clone()));
    let events = state.events.clone();
    let limits = state.config.http_limits();
    let router = app::router(state);
    let addr = listener.local_addr()?;
    println!(
        "Kefu is ready on http://{addr} (started in {} ms)",
        started.elapsed().as_millis()
    );
    tracing::info!(%addr, "ready");
    crate::http_server::serve(listener, router, limits, shutdown_signal()).await;
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

#[cfg(test)]
mod tests {
    use super::log_directives;

    #[test]
    fn rsipstack_is_quiet_unless_named() {
        assert_eq!(log_directives("info"), "info,rsipstack=warn");
        assert_eq!(
            log_directives("debug,kefu_calls=trace"),
            "debug,kefu_calls=trace,rsipstack=warn"
        );
        assert_eq!(log_directives(""), "rsipstack=warn");
        assert_eq!(
            log_directives("info,rsipstack=trace"),
            "info,rsipstack=trace"
        );
        assert_eq!(
            log_directives("info,rsipstack::transport=debug"),
            "info,rsipstack::transport=debug"
        );
        assert_eq!(
            log_directives("info,rsipstackish=debug"),
            "info,rsipstackish=debug,rsipstack=warn"
        );
        for d in ["info", "debug,kefu_calls=trace", "info,rsipstack=trace"] {
            assert!(
                tracing_subscriber::EnvFilter::try_new(log_directives(d)).is_ok(),
                "{d}"
            );
        }
    }
}
