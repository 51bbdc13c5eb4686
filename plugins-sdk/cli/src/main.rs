//! The `kefu-plugin` binary: argument parsing and exit codes. The work is in the library
//! (`kefu_plugin_cli`); see its docs for the commands and the fixture format.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};
use kefu_plugin_cli::{
    UsageError, credentials, fixture, pin_hash, project, remote, replay, run, template,
};
use kefu_plugin_host::{HostAnswers, MemoryLog, World};

/// Write, test and ship Kefu plugins.
#[derive(Parser)]
#[command(name = "kefu-plugin", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum WorldArg {
    Ivr,
    Crm,
    Router,
    Integration,
}

impl From<WorldArg> for World {
    fn from(w: WorldArg) -> World {
        match w {
            WorldArg::Ivr => World::Ivr,
            WorldArg::Crm => World::Crm,
            WorldArg::Router => World::Router,
            WorldArg::Integration => World::Integration,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Create a plugin project for a world: code, manifest, example fixtures.
    New {
        /// Plugin name (a-z, 0-9, `-`).
        name: String,
        /// The extension point.
        #[arg(long, value_enum)]
        world: WorldArg,
        /// Where to create it (default: ./<name>).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// The guest SDK (plugins-sdk/rust) to depend on by path.
        #[arg(long)]
        sdk_path: Option<PathBuf>,
    },
    /// Build the component (release, wasm32-wasip2) and check it against the manifest.
    Build {
        /// The project (default: the current directory).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Run fixtures against the component in the embedded host.
    Test {
        /// Fixture files or directories (default: the project's fixtures/).
        fixtures: Vec<PathBuf>,
        /// The project (default: the current directory).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Test this component instead of building the project.
        #[arg(long)]
        component: Option<PathBuf>,
        /// The manifest (default: the project's kefu-plugin.json).
        #[arg(long)]
        manifest: Option<PathBuf>,
    },
    /// Log in to a Kefu server and keep the session.
    Login {
        /// The server, e.g. https://kefu.example.com.
        #[arg(long)]
        server: String,
        /// Your sign-in e-mail. The password comes from KEFU_PASSWORD or a prompt.
        #[arg(long)]
        email: String,
        /// Company slug, when the e-mail signs in to several.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Upload the built component and manifest as a new version.
    Publish {
        /// List it for every tenant.
        #[arg(long)]
        public: bool,
        /// The project (default: the current directory).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Publish this component instead of building the project.
        #[arg(long)]
        component: Option<PathBuf>,
        /// The manifest (default: the project's kefu-plugin.json).
        #[arg(long)]
        manifest: Option<PathBuf>,
    },
    /// List the versions you can see.
    Versions {
        /// Only this plugin.
        name: Option<String>,
    },
    /// Install a version for your company.
    Install {
        /// <name>@<version>.
        spec: String,
        /// Settings: a JSON object in a file.
        #[arg(long)]
        config: Option<PathBuf>,
        /// The publishing tenant, when several publish that name.
        #[arg(long)]
        publisher: Option<String>,
    },
    /// List recorded invocations.
    Logs {
        /// Only this installation.
        #[arg(long)]
        installation: Option<String>,
        /// Only this outcome (returned, trapped, rejected).
        #[arg(long)]
        outcome: Option<String>,
        /// At most this many (1–500).
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=500))]
        limit: u32,
        /// Keep printing new invocations.
        #[arg(long)]
        follow: bool,
        /// Poll interval for --follow, milliseconds.
        #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(100..=600_000))]
        interval_ms: u64,
    },
    /// Re-run a recorded invocation and compare (exit 1 when it differs).
    Replay {
        /// The invocation id.
        id: String,
        /// Re-run here, in the embedded host (the default).
        #[arg(long, conflicts_with = "server_side")]
        local: bool,
        /// Answer host calls live (HTTP goes out, kv starts empty) instead of from the record.
        #[arg(long, conflicts_with = "server_side")]
        live: bool,
        /// Ask the server to replay it.
        #[arg(long)]
        server_side: bool,
    },
    /// Hash member PINs for ivr-menu's `verify.hmac_sha256`: PINs on stdin, one per line; the
    /// key (the installation secret `pin_key`) in KEFU_PIN_KEY. Prints the `verify` JSON.
    PinHash,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // One crypto provider for HTTPS, process-wide; failing means one is already installed.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    match execute(cli.command).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            if error.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

async fn execute(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::New {
            name,
            world,
            dir,
            sdk_path,
        } => {
            let world = World::from(world);
            let dir = template::create(&name, world, dir.as_deref(), sdk_path.as_deref())?;
            println!(
                "created {} plugin `{name}` in {}\nnext: cd {} && kefu-plugin build && kefu-plugin test",
                world.wit_name(),
                dir.display(),
                dir.display()
            );
        }
        Command::Build { dir } => {
            let built = project::component(dir.as_deref(), None, None)?;
            let host = project::local_host(Arc::new(MemoryLog::new(0)))?;
            let plugin = project::check(&host, &built.manifest, &built.wasm)?;
            println!(
                "built {} ({} bytes)\nchecked: {}@{} implements `{}` and imports only declared capabilities{}",
                built.path.display(),
                built.wasm.len(),
                built.manifest.name,
                built.manifest.version,
                built.manifest.world.wit_name(),
                plugin
                    .compile_time()
                    .map(|t| format!(" (compiled in {} ms)", t.as_millis()))
                    .unwrap_or_default()
            );
        }
        Command::Test {
            fixtures,
            dir,
            component,
            manifest,
        } => return test(fixtures, dir, component, manifest).await,
        Command::Login {
            server,
            email,
            tenant,
        } => println!(
            "{}",
            credentials::login(&server, &email, tenant.as_deref()).await?
        ),
        Command::Publish {
            public,
            dir,
            component,
            manifest,
        } => {
            let built =
                project::component(dir.as_deref(), component.as_deref(), manifest.as_deref())?;
            // The server makes the same checks; failing here is quicker and names the problem.
            let host = project::local_host(Arc::new(MemoryLog::new(0)))?;
            project::check(&host, &built.manifest, &built.wasm)?;
            let api = credentials::api().await?;
            println!("{}", remote::publish(&api, &built, public).await?);
        }
        Command::Versions { name } => {
            let api = credentials::api().await?;
            println!("{}", remote::list_versions(&api, name.as_deref()).await?);
        }
        Command::Install {
            spec,
            config,
            publisher,
        } => {
            remote::parse_spec(&spec)?; // bad usage before any login trouble
            let api = credentials::api().await?;
            let text =
                remote::install(&api, &spec, config.as_deref(), publisher.as_deref()).await?;
            println!("{text}");
        }
        Command::Logs {
            installation,
            outcome,
            limit,
            follow,
            interval_ms,
        } => {
            let api = credentials::api().await?;
            let filter = remote::LogFilter {
                installation,
                outcome,
                limit,
            };
            remote::logs(&api, &filter, follow, Duration::from_millis(interval_ms)).await?;
        }
        Command::Replay {
            id,
            local: _,
            live,
            server_side,
        } => {
            replay::check_id(&id)?;
            let api = credentials::api().await?;
            let report = if server_side {
                replay::server_side(&api, &id).await?
            } else {
                let answers = if live {
                    HostAnswers::Live
                } else {
                    HostAnswers::Recorded
                };
                replay::local(&api, &id, answers).await?
            };
            println!("{}", report.text);
            if !report.identical {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::PinHash => {
            // Not an argument: arguments end up in shell history and `ps`.
            let key = std::env::var("KEFU_PIN_KEY").map_err(|_| {
                kefu_plugin_cli::usage(
                    "set KEFU_PIN_KEY to the installation secret `pin_key` (at least 16 bytes)",
                )
            })?;
            let hashes =
                pin_hash::hash_pins(&key, std::io::stdin().lock()).map_err(|e| match e {
                    pin_hash::PinHashError::Read(_) => anyhow::Error::new(e),
                    e => kefu_plugin_cli::usage(e.to_string()),
                })?;
            println!("{}", serde_json::json!({ "hmac_sha256": hashes }));
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn test(
    paths: Vec<PathBuf>,
    dir: Option<PathBuf>,
    component: Option<PathBuf>,
    manifest: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let paths = if paths.is_empty() {
        vec![project::project_dir(dir.as_deref())?.join("fixtures")]
    } else {
        paths
    };
    let mut cases = Vec::new();
    for path in &paths {
        cases.extend(fixture::load(path)?);
    }
    if cases.is_empty() {
        anyhow::bail!("no fixtures found in {paths:?}");
    }
    let built = project::component(dir.as_deref(), component.as_deref(), manifest.as_deref())?;
    let host = project::local_host(Arc::new(MemoryLog::new(0)))?;
    let plugin = project::check(&host, &built.manifest, &built.wasm)?;
    let started = Instant::now();
    let mut failed = 0;
    for case in &cases {
        let result = run::run_case(&host, &plugin, case).await;
        let verdict = if result.passed() { "PASS" } else { "FAIL" };
        let description = result
            .description
            .as_deref()
            .map(|d| format!(" — {d}"))
            .unwrap_or_default();
        println!(
            "{verdict}  {} ({:.2} ms){description}",
            result.name,
            result.duration_us as f64 / 1000.0
        );
        for failure in &result.failures {
            println!("      {failure}");
        }
        if !result.passed() {
            failed += 1;
        }
    }
    println!(
        "{} passed, {failed} failed ({} ms)",
        cases.len() - failed,
        started.elapsed().as_millis()
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
