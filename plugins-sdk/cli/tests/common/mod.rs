//! Running the real `kefu-plugin` binary, and where the prebuilt test components are.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_kefu-plugin");

/// What a run of the binary printed, and its exit code.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// Runs `kefu-plugin args…` with `env` added, in `dir`.
pub fn kefu_plugin(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(BIN);
    command.args(args).current_dir(dir);
    // Never the developer's own session.
    command
        .env_remove("KEFU_SERVER")
        .env_remove("KEFU_TOKEN")
        .env_remove("KEFU_PASSWORD");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("kefu-plugin runs").into()
}

/// The directory `plugins/build.sh` writes to, or `$KEFU_PLUGIN_WASM_DIR`.
pub fn wasm_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("KEFU_PLUGIN_WASM_DIR") {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("KEFU_WASM_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
                .join(".cache/kefu/target-wasm")
        });
    target.join("plugins")
}

/// A prebuilt guest; fails (never skips) when it has not been built.
pub fn guest(name: &str) -> PathBuf {
    let path = wasm_dir().join(format!("{name}.wasm"));
    assert!(
        path.is_file(),
        "{} is missing: run plugins/build.sh first (or set KEFU_PLUGIN_WASM_DIR)",
        path.display()
    );
    path
}

/// Writes `json` to `dir/name`, returning the path.
pub fn write_json(dir: &Path, name: &str, json: &serde_json::Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(json).unwrap()).unwrap();
    path
}

/// The manifest the misbehave guest loads with (HTTP to crm.example.com only).
pub fn misbehave_manifest(dir: &Path) -> PathBuf {
    write_json(
        dir,
        "misbehave.json",
        &serde_json::json!({
            "name": "misbehave", "version": "1.0.0", "world": "ivr",
            "capabilities": {"log": true, "kv": true, "config": true,
                             "http": {"allowed_hosts": ["crm.example.com"]}},
        }),
    )
}

pub const TENANT: &str = "ten_01JD3Y7Q2ZK8X9V4T5N6M7P8Q9";

/// An ivr `on-event` input (call started) with this call data, for `TENANT`.
pub fn ivr_input(data: &[(&str, &str)]) -> serde_json::Value {
    let data: Vec<[&str; 2]> = data.iter().map(|(k, v)| [*k, *v]).collect();
    serde_json::json!({
        "context": {
            "call_id": "call_01", "tenant_id": TENANT, "caller": "+8613800138000",
            "dialled": "+862150000000", "data": data, "ivr_path": [],
            "language": "Mandarin", "started_at_ms": 1_795_000_000_000u64,
        },
        "event": "CallStarted",
    })
}
