//! The `kefu` command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{Config, ConfigError, Overrides};

/// Kefu — a multi-tenant cloud contact center.
///
/// Configuration comes from defaults, then `kefu.toml` (or --config), then `KEFU_*`
/// environment variables, then these flags. `kefu config` lists every key.
#[derive(Debug, Parser)]
#[command(name = "kefu", version, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start Kefu: HTTP API, docs and web app. On the embedded default this is SQLite and a
    /// filesystem object store under --data-dir, and a demo tenant on first start.
    Serve(ConfigArgs),
    /// Apply pending database migrations and exit.
    Migrate(ConfigArgs),
    /// Manage the keys that sign access tokens.
    Keys {
        /// Action.
        #[command(subcommand)]
        action: KeysAction,
        /// Configuration.
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Print every configuration key, its environment variable and its value in effect.
    Config(ConfigArgs),
}

/// Key actions.
#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Generate a new signing key. Tokens signed by older keys stay valid until they expire;
    /// running servers pick the new key up within a minute.
    Rotate,
    /// List the keys in use.
    List,
}

/// Flags that override configuration keys.
#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// Configuration file (default: ./kefu.toml if it exists).
    #[arg(long, global = true, value_name = "FILE", env = "KEFU_CONFIG")]
    pub config: Option<PathBuf>,
    /// Data directory (key `data_dir`; default ./data).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// HTTP listen address (key `listen`; default 127.0.0.1:8080).
    #[arg(long, global = true, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Database URL, sqlite:… or postgres://… (key `database_url`; default SQLite in the
    /// data directory).
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Directory of the built web app (key `web_dir`; default web/dist).
    #[arg(long, global = true, value_name = "DIR")]
    pub web_dir: Option<PathBuf>,
    /// SIP listen address for trunks, UDP and TCP (key `sip_listen`; default 0.0.0.0:5060;
    /// empty turns telephony off).
    #[arg(long, global = true, value_name = "ADDR")]
    pub sip_listen: Option<String>,
}

impl ConfigArgs {
    /// Load the configuration these flags select.
    pub fn load(&self) -> Result<Config, ConfigError> {
        Config::load(
            self.config.as_deref(),
            &Overrides {
                data_dir: self.data_dir.clone(),
                listen: self.listen,
                database_url: self.database_url.clone(),
                web_dir: self.web_dir.clone(),
                sip_listen: self.sip_listen.clone(),
            },
        )
    }
}
