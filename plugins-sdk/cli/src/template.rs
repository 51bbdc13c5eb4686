//! `kefu-plugin new`: a project per world that builds and passes its own fixtures as created.
//! The sources live in `templates/<world>/` and are compiled into the binary.
//!
//! This module never writes into a directory that already has files in it.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use kefu_plugin_host::World;

/// The SDK next to this crate in the Kefu source tree (used when it exists at run time).
const SDK_IN_SOURCE_TREE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../rust");
/// Versions Kefu's own plugins are built with: a new project starts from them, so it builds
/// with exactly the dependencies Kefu tests (cargo drops the entries it does not need).
const GUEST_LOCKFILE: &str = include_str!("../../../plugins/Cargo.lock");

struct Template {
    lib: &'static str,
    manifest: &'static str,
    fixture: &'static str,
    /// Extra `[dependencies]` lines.
    dependencies: &'static str,
}

fn template(world: World) -> Template {
    match world {
        World::Ivr => Template {
            lib: include_str!("../templates/ivr/lib.rs"),
            manifest: include_str!("../templates/ivr/kefu-plugin.json"),
            fixture: include_str!("../templates/ivr/fixture.json"),
            dependencies: "serde_json = \"1\"\n",
        },
        World::Crm => Template {
            lib: include_str!("../templates/crm/lib.rs"),
            manifest: include_str!("../templates/crm/kefu-plugin.json"),
            fixture: include_str!("../templates/crm/fixture.json"),
            dependencies: "serde_json = \"1\"\n",
        },
        World::Router => Template {
            lib: include_str!("../templates/router/lib.rs"),
            manifest: include_str!("../templates/router/kefu-plugin.json"),
            fixture: include_str!("../templates/router/fixture.json"),
            dependencies: "",
        },
        World::Integration => Template {
            lib: include_str!("../templates/integration/lib.rs"),
            manifest: include_str!("../templates/integration/kefu-plugin.json"),
            fixture: include_str!("../templates/integration/fixture.json"),
            dependencies: "serde_json = \"1\"\n",
        },
    }
}

/// Checks a new plugin's name: what a manifest accepts, and a valid crate name.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "plugin name `{name}` must be 1–64 characters of a-z, 0-9 and `-`, start with a letter and not end with `-`"
        ))
    }
}

/// How the new project depends on the SDK.
fn sdk_dependency(world: World, sdk_path: Option<&Path>) -> anyhow::Result<String> {
    let features = format!(
        "default-features = false, features = [\"{}\"]",
        world.wit_name()
    );
    let path = match sdk_path {
        Some(path) => Some(path.to_path_buf()),
        None => Path::new(SDK_IN_SOURCE_TREE).canonicalize().ok(),
    };
    Ok(match path {
        Some(path) => {
            if !path.join("Cargo.toml").is_file() {
                bail!("--sdk-path {}: no Cargo.toml there", path.display());
            }
            let path = path
                .canonicalize()
                .with_context(|| format!("--sdk-path {}", path.display()))?;
            let path = path.to_str().context("the SDK's path is not UTF-8")?;
            format!("kefu-plugin-sdk = {{ path = {path:?}, {features} }}\n")
        }
        None => format!("kefu-plugin-sdk = {{ version = \"0.1\", {features} }}\n"),
    })
}

fn cargo_toml(name: &str, world: World, sdk: &str, extra: &str) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false
description = "A Kefu {world} plugin."

[lib]
crate-type = ["cdylib"]

[dependencies]
{sdk}{extra}
[profile.release]
# Small, fast components: compiled once per published version, instantiated per event.
lto = true
codegen-units = 1
opt-level = 3
debug = false
panic = "abort"

# A project of its own, even when created inside another cargo workspace.
[workspace]
"#,
        world = world.wit_name()
    )
}

const GITIGNORE: &str = "/target\n";

/// Creates the project `name` for `world` in `dir` (default `./name`); returns the directory.
pub fn create(
    name: &str,
    world: World,
    dir: Option<&Path>,
    sdk_path: Option<&Path>,
) -> anyhow::Result<PathBuf> {
    check_name(name).map_err(crate::usage)?;
    let dir = dir
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(name));
    if dir.exists()
        && std::fs::read_dir(&dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .next()
            .is_some()
    {
        bail!("{} already exists and is not empty", dir.display());
    }
    let t = template(world);
    let sdk = sdk_dependency(world, sdk_path)?;
    let files: [(&str, String); 6] = [
        ("Cargo.toml", cargo_toml(name, world, &sdk, t.dependencies)),
        ("Cargo.lock", GUEST_LOCKFILE.to_owned()),
        ("src/lib.rs", t.lib.replace("{{name}}", name)),
        ("kefu-plugin.json", t.manifest.replace("{{name}}", name)),
        (
            "fixtures/examples.json",
            t.fixture.replace("{{name}}", name),
        ),
        (".gitignore", GITIGNORE.to_owned()),
    ];
    for (file, contents) in files {
        let path = dir.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(dir)
}
