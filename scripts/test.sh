#!/usr/bin/env bash
# The test command: installs what the tests need, then runs every test suite.
#   Rust: unit + integration tests (SQLite and the machine's PostgreSQL, S3 via a local moto
#   server, the real `kefu` binary), clippy with warnings denied (it also enforces that only
#   authentication mints a TenantScope), the plugin host against guests built by plugins/build.sh;
#   the API against schemathesis; the fuzz targets (built, not run);
#   web: unit tests and the headless-Chromium browser test.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kefu/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
step() { printf '\n==> %s\n' "$*"; }

step "system packages"
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng) # media: text to speech
command -v sipp >/dev/null 2>&1 || missing+=(sip-tester) # sip: SIPp interop test
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
python3 -c 'import moto.server, flask, aiosmtpd' 2>/dev/null || python3 -m pip install -q 'moto[server]' aiosmtpd
command -v schemathesis >/dev/null 2>&1 || python3 -m pip install -q schemathesis # API: outside-client check

step "services"
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432
# NATS with JetStream for the event bus tests (KEFU_TEST_NATS_URL); start one if none answers.
nats_up() { (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; }
if ! nats_up; then
  if ! command -v nats-server >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends nats-server
  fi
  mkdir -p "$HOME/.cache/kefu/nats"
  nohup nats-server -js -a 127.0.0.1 -p 4222 -sd "$HOME/.cache/kefu/nats" >"$HOME/.cache/kefu/nats.log" 2>&1 &
  for _ in $(seq 30); do nats_up && break; sleep 1; done
fi
nats_up || { echo "NATS (JetStream) is not answering on 127.0.0.1:4222"; exit 1; }

step "web app: install, API types current, build, unit tests"
npm --prefix web ci --no-audit --no-fund --loglevel=error
npm --prefix web run check:api
npm --prefix web run build
npm --prefix web test

step "plugins: wasm32-wasip2 target and guest components"
# The plugin host's tests run the real guests (first-party plugins and misbehaving test guests),
# built in their own workspace so the root workspace never compiles them for the host.
rustup target list --installed | grep -qx wasm32-wasip2 || rustup target add wasm32-wasip2
./plugins/build.sh
# Their pure logic (menus, business hours, card mapping, signatures) also has unit tests, run
# on the host target; clippy checks the guest workspace the same way.
cargo test --manifest-path plugins/Cargo.toml --workspace --locked
cargo clippy --manifest-path plugins/Cargo.toml --workspace --all-targets --locked -- -D warnings

step "load generator: tests/load/kefu-load (its own workspace)"
# Unit tests and the SIPp interop tests of our SIP/RTP load generator (seconds to run).
cargo test --manifest-path tests/load/kefu-load/Cargo.toml --locked
cargo clippy --manifest-path tests/load/kefu-load/Cargo.toml --all-targets --locked -- -D warnings
# The event stream's load client (tests/load/events_bench.sh): built and linted.
cargo clippy --manifest-path tests/load/kefu-stream/Cargo.toml --all-targets --locked -- -D warnings

step "rust: every workspace crate checks on its own"
# A whole-workspace build unifies dependency features across crates, so a crate that uses a
# feature it never declared (serde's `rc`, say) compiles only beside the crate that turns it on.
# `-p` alone resolves features for that crate only. Members come from cargo metadata, so new
# crates are included.
members=$(cargo metadata --no-deps --format-version 1 --locked \
  | python3 -c 'import json, sys; print(*(p["name"] for p in json.load(sys.stdin)["packages"]))')
for crate in $members; do
  cargo check -p "$crate" --all-targets --locked
done

step "rust: build and run all tests"
cargo nextest run --workspace --locked --profile ci
cargo test --workspace --locked --doc

step "API: schemathesis against the running kefu binary"
# No server error and no status, content type or body the OpenAPI document does not declare.
tests/api/schemathesis.sh

step "rust: clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "fuzz targets: build on stable (fuzz/, its own workspace)"
# Running them needs nightly (`cargo fuzz`); building them keeps every target compiling.
CARGO_TARGET_DIR="$CARGO_TARGET_DIR/fuzz" cargo build --manifest-path fuzz/Cargo.toml --locked --bins

step "browser: headless Chromium end-to-end"
KEFU_BIN="$CARGO_TARGET_DIR/debug/kefu" KEFU_E2E_REQUIRE=1 npm --prefix web run e2e
