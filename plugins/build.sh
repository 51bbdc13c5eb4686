#!/usr/bin/env bash
# Builds every plugin and test guest in this workspace, release, for wasm32-wasip2, and copies
# the components to one directory (printed at the end). kefu-plugin-host's tests and benches
# read them from there (or from $KEFU_PLUGIN_WASM_DIR).
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="${KEFU_WASM_TARGET_DIR:-$HOME/.cache/kefu/target-wasm}"
out="${KEFU_PLUGIN_WASM_DIR:-$CARGO_TARGET_DIR/plugins}"
rustup target list --installed | grep -qx wasm32-wasip2 || rustup target add wasm32-wasip2
# One package at a time: building members together would unify the SDK's world features, and
# a component that carries another world's type section cannot be linked.
for manifest in */Cargo.toml test-guests/*/Cargo.toml; do
  cargo build --release --locked --target wasm32-wasip2 --manifest-path "$manifest"
done
mkdir -p "$out"
for wasm in "$CARGO_TARGET_DIR"/wasm32-wasip2/release/*.wasm; do
  cp "$wasm" "$out/"
done
echo "plugins built into $out:"
ls -l "$out"
