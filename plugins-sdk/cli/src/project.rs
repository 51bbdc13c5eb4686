//! A plugin project on disk: its manifest (`kefu-plugin.json`), building its component with
//! cargo for `wasm32-wasip2`, and checking the component against the manifest in the
//! embedded host, as the server does when a version is published.
//!
//! This module runs cargo and reads files; it never talks to a Kefu server.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use anyhow::{Context, bail};
use kefu_plugin_host::{HostConfig, Manifest, MemoryLog, Plugin, PluginHost};

/// The manifest's file name in a project.
pub const MANIFEST_FILE: &str = "kefu-plugin.json";
/// Largest manifest read, bytes.
const MAX_MANIFEST_BYTES: u64 = 256 << 10;
/// Largest component read, bytes (the server's limit).
pub const MAX_COMPONENT_BYTES: u64 = 10 << 20;

/// Reads and validates a manifest file.
pub fn read_manifest(path: &Path) -> anyhow::Result<Manifest> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("reading the manifest {}", path.display()))?
        .len();
    if size > MAX_MANIFEST_BYTES {
        bail!(
            "manifest {} is larger than {MAX_MANIFEST_BYTES} bytes",
            path.display()
        );
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the manifest {}", path.display()))?;
    let manifest: Manifest = serde_json::from_str(&text)
        .with_context(|| format!("manifest {} is not valid", path.display()))?;
    manifest
        .validate()
        .with_context(|| format!("manifest {} is not valid", path.display()))?;
    Ok(manifest)
}

/// Reads a component, refusing one over the server's size limit.
pub fn read_component(path: &Path) -> anyhow::Result<Vec<u8>> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("reading the component {}", path.display()))?
        .len();
    if size > MAX_COMPONENT_BYTES {
        bail!(
            "component {} is {size} bytes; the server accepts at most {MAX_COMPONENT_BYTES}",
            path.display()
        );
    }
    std::fs::read(path).with_context(|| format!("reading the component {}", path.display()))
}

/// A host for local runs: a small pool, invocations kept in memory.
pub fn local_host(log: Arc<MemoryLog>) -> anyhow::Result<PluginHost> {
    let config = HostConfig {
        max_concurrent_instances: 4,
        ..HostConfig::default()
    };
    PluginHost::new(config, log).context("starting the embedded plugin host")
}

/// Loads `wasm` with `manifest` into `host`: the checks the server makes on publishing
/// (a component of the declared world importing only declared capabilities).
pub fn check(host: &PluginHost, manifest: &Manifest, wasm: &[u8]) -> anyhow::Result<Arc<Plugin>> {
    host.load(manifest.clone(), wasm)
        .context("the component does not fit its manifest")
}

/// Runs `cargo build --release --target wasm32-wasip2` in `dir` (cargo's messages go to
/// stderr) and returns the component it produced.
pub fn cargo_build(dir: &Path) -> anyhow::Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut child = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--message-format",
            "json-render-diagnostics",
        ])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("running cargo (is it on PATH?)")?;
    let stdout = child.stdout.take().context("cargo's output")?;
    let mut wasm: Option<PathBuf> = None;
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.context("reading cargo's output")?;
        let Ok(message) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        if message["reason"] != "compiler-artifact" {
            continue;
        }
        let is_cdylib = message["target"]["kind"]
            .as_array()
            .is_some_and(|kinds| kinds.iter().any(|k| k == "cdylib"));
        if !is_cdylib {
            continue;
        }
        if let Some(files) = message["filenames"].as_array() {
            wasm = files
                .iter()
                .filter_map(|f| f.as_str())
                .find(|f| f.ends_with(".wasm"))
                .map(PathBuf::from)
                .or(wasm);
        }
    }
    let status = child.wait().context("waiting for cargo")?;
    if !status.success() {
        bail!(
            "cargo build failed in {} (the wasm32-wasip2 target must be installed: `rustup target add wasm32-wasip2`)",
            dir.display()
        );
    }
    wasm.with_context(|| {
        format!(
            "cargo built no .wasm in {}: is the crate a `cdylib`?",
            dir.display()
        )
    })
}

/// The project directory: `dir`, or the current directory; it must hold a manifest.
pub fn project_dir(dir: Option<&Path>) -> anyhow::Result<PathBuf> {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => std::env::current_dir().context("the current directory")?,
    };
    if !dir.join(MANIFEST_FILE).is_file() {
        bail!(
            "{} has no {MANIFEST_FILE}: run this in a plugin project (see `kefu-plugin new`) or pass --dir",
            dir.display()
        );
    }
    Ok(dir)
}

/// A component and its manifest, from the given files or by building the project.
pub struct Built {
    /// Where the component is.
    pub path: PathBuf,
    /// Its bytes.
    pub wasm: Vec<u8>,
    /// The manifest.
    pub manifest: Manifest,
}

/// `component`+`manifest` when given, else the project in `dir` built with cargo.
pub fn component(
    dir: Option<&Path>,
    component: Option<&Path>,
    manifest: Option<&Path>,
) -> anyhow::Result<Built> {
    let (path, manifest_path) = match component {
        Some(component) => {
            let manifest = match manifest {
                Some(m) => m.to_path_buf(),
                None => project_dir(dir)?.join(MANIFEST_FILE),
            };
            (component.to_path_buf(), manifest)
        }
        None => {
            let dir = project_dir(dir)?;
            let manifest = manifest
                .map(Path::to_path_buf)
                .unwrap_or_else(|| dir.join(MANIFEST_FILE));
            (cargo_build(&dir)?, manifest)
        }
    };
    Ok(Built {
        wasm: read_component(&path)?,
        manifest: read_manifest(&manifest_path)?,
        path,
    })
}
