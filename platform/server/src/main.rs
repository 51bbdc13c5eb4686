//! The `kefu` binary.

use std::process::ExitCode;

use clap::Parser;
use kefu_server::cli::{Cli, Command, KeysAction};
use kefu_server::config::Config;
use kefu_server::{app, install_crypto_provider, serve};

fn main() -> ExitCode {
    install_crypto_provider();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            let config = args.load()?;
            serve::init_logging(&config)?;
            serve::serve(config).await
        }
        Command::Migrate(args) => {
            let config = args.load()?;
            tokio::fs::create_dir_all(&config.data_dir).await?;
            let store = kefu_store::Store::connect(&config.effective_database_url()).await?;
            let pending = store.pending_migrations().await?;
            store.migrate().await?;
            println!(
                "applied {} migration(s): {}",
                pending.len(),
                pending.join(", ")
            );
            Ok(())
        }
        Command::Keys { action, config } => {
            let config = config.load()?;
            let state = app::build_state(config, None).await?;
            let keys = state.auth.keys();
            if let KeysAction::Rotate = action {
                let kid = keys.rotate(&state.store).await?;
                println!("new signing key {kid}; older keys verify until their tokens expire");
            }
            for (kid, created) in keys.summary() {
                println!("{kid}  created {}", created.format("%Y-%m-%d %H:%M:%S UTC"));
            }
            Ok(())
        }
        Command::Config(args) => {
            let config = args.load()?;
            let values = serde_json::to_value(&config)?;
            for key in Config::keys() {
                let shown = if key.contains("secret") || key == "smtp_url" {
                    "(hidden)".to_owned()
                } else {
                    values.get(&key).map(|v| v.to_string()).unwrap_or_default()
                };
                println!("{key:<32} KEFU_{:<32} {shown}", key.to_uppercase());
            }
            Ok(())
        }
    }
}
