#!/usr/bin/env bash
# The run command: build the web app and the server, then start Kefu on its embedded default
# (SQLite + filesystem object store in ./data, a demo tenant, http://127.0.0.1:8080).
# Extra arguments go to `kefu serve` (e.g. --listen 127.0.0.1:9000).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kefu/target}"
npm --prefix web ci --no-audit --no-fund --loglevel=error
npm --prefix web run build
cargo build --release --locked -p kefu-server --bin kefu
exec "$CARGO_TARGET_DIR/release/kefu" serve --web-dir web/dist "$@"
