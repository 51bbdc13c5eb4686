#!/usr/bin/env bash
# The run command: build the web app and the server, then start Kefu on its embedded default
# (SQLite + filesystem object store in ./data, a demo tenant, http://127.0.0.1:8080).
# Extra arguments go to `kefu serve` (e.g. --listen 127.0.0.1:9000).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kefu/target}"

# Callers hear greetings, menus and queue positions through espeak-ng. Install it when we can;
# otherwise say how (Kefu still starts, warns, and /readyz names what is missing).
if ! command -v espeak-ng >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo"
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
    echo "==> installing espeak-ng (speech for greetings, menus and queue positions)"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends espeak-ng
  else
    echo "warning: espeak-ng is not installed, so callers will hear no spoken prompts." >&2
    echo "         Install it with your package manager (Debian/Ubuntu: sudo apt-get install espeak-ng)." >&2
  fi
fi
npm --prefix web ci --no-audit --no-fund --loglevel=error
npm --prefix web run build
cargo build --release --locked -p kefu-server --bin kefu
exec "$CARGO_TARGET_DIR/release/kefu" serve --web-dir web/dist "$@"
