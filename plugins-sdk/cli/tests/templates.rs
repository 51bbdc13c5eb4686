//! `kefu-plugin new` for every world, then `build` and `test` on what it created, through the
//! real binary and a real cargo build for wasm32-wasip2. The generated projects share one
//! target directory (`$KEFU_CLI_GUESTS_TARGET_DIR`, default `~/.cache/kefu/target-cli-guests`)
//! so dependencies compile once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;

use common::*;

fn guests_target_dir() -> PathBuf {
    std::env::var_os("KEFU_CLI_GUESTS_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
                .join(".cache/kefu/target-cli-guests")
        })
}

#[test]
fn every_world_template_builds_and_passes_its_own_fixtures() {
    let dir = tempfile::tempdir().unwrap();
    let target = guests_target_dir();
    let env = [("CARGO_TARGET_DIR", target.to_str().unwrap())];
    for world in ["ivr", "crm", "router", "integration"] {
        let name = format!("hello-{world}");
        let project = dir.path().join(&name);
        let run = kefu_plugin(dir.path(), &["new", &name, "--world", world], &env);
        assert_eq!(run.code, 0, "{}", run.all());
        for file in [
            "Cargo.toml",
            "src/lib.rs",
            "kefu-plugin.json",
            "fixtures/examples.json",
            ".gitignore",
        ] {
            assert!(project.join(file).is_file(), "{world}: no {file}");
        }
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(project.join("kefu-plugin.json")).unwrap())
                .unwrap();
        assert_eq!(manifest["name"], name.as_str());
        assert_eq!(manifest["world"], world);

        let run = kefu_plugin(&project, &["build"], &env);
        assert_eq!(run.code, 0, "{world}: {}", run.all());
        let wasm = format!("hello_{world}.wasm");
        assert!(run.stdout.contains(&wasm), "{world}: {}", run.all());
        assert!(
            run.stdout.contains(&format!("implements `{world}`")),
            "{}",
            run.all()
        );

        let run = kefu_plugin(&project, &["test"], &env);
        assert_eq!(run.code, 0, "{world}: {}", run.all());
        assert!(run.stdout.contains(" 0 failed"), "{world}: {}", run.all());
        assert!(!run.stdout.contains("FAIL"), "{world}: {}", run.all());
    }
}
