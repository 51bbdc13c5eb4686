#!/usr/bin/env bash
# Foundation figures (issue: foundation): authenticated read throughput and latency, login
# latency, start-to-ready time and idle memory of `kefu serve` on the embedded default.
# Everything runs on loopback against a release build; wrk (Debian package `wrk`) drives load.
#
#   tests/load/auth_bench.sh [seconds-per-run]
#
# Prints the figures and the conditions they were measured under.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-15}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kefu/target}"
bin="$CARGO_TARGET_DIR/release/kefu"
[ -x "$bin" ] || cargo build --release --locked -p kefu-server --bin kefu
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$data"; }
trap cleanup EXIT

start_server() {
  KEFU_LOG=warn KEFU_AUTH_RATE_PER_IP_PER_MIN=100000000 KEFU_AUTH_RATE_PER_ACCOUNT_PER_MIN=100000000 \
    "$bin" serve --data-dir "$data" --listen "127.0.0.1:$port" --web-dir "$data/none" >"$data/out.log" 2>&1 &
  pid=$!
  until curl -fs "$base/readyz" >/dev/null 2>&1; do sleep 0.005; done
}

# 1. First start (creates database, keys and demo tenant), then a restart on the existing data dir.
t0=$(date +%s%N); start_server; t1=$(date +%s%N)
first_ms=$(( (t1 - t0) / 1000000 ))
kill "$pid"; wait "$pid" 2>/dev/null || true
t0=$(date +%s%N); start_server; t1=$(date +%s%N)
ready_ms=$(( (t1 - t0) / 1000000 ))
sleep 2
idle_rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")

email=agent1@demo.kefu.test
password=$(python3 -c "import json,sys; d=json.load(open('$data/demo-credentials.json')); print([u['password'] for u in d['users'] if u['email']=='$email'][0])")
login_body="{\"email\":\"$email\",\"password\":\"$password\",\"tenant\":\"demo\"}"
token=$(curl -fs -H 'content-type: application/json' -d "$login_body" "$base/api/v1/sessions" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

# 2. Authenticated read: GET /api/v1/me (token check + who the user is; a per-node cache keeps
#    repeated reads off the database, see platform/server/src/identity.rs).
echo "== GET /api/v1/me, wrk -t1 -c32 -d${secs}s"
wrk -t1 -c32 -d"${secs}s" --latency -H "Authorization: Bearer $token" "$base/api/v1/me" | tee "$data/me.txt"
cpu_after=$(awk '{print $14+$15}' "/proc/$pid/stat")

# 2b. A read that always goes to the database (token check + the routing document from SQLite).
echo "== GET /api/v1/skills (database read every time), wrk -t1 -c32 -d${secs}s"
wrk -t1 -c32 -d"${secs}s" --latency -H "Authorization: Bearer $token" "$base/api/v1/skills" | tee "$data/skills.txt"
busy_rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")

# 3. Login: argon2id verification dominates; two connections (one per core).
cat > "$data/login.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$login_body'
LUA
echo "== POST /api/v1/sessions (login), wrk -t1 -c2 -d${secs}s"
wrk -t1 -c2 -d"${secs}s" --latency -s "$data/login.lua" "$base/api/v1/sessions" | tee "$data/login.txt"

echo
echo "== figures"
echo "first start to ready (new data dir, demo seeding): ${first_ms} ms"
echo "start to ready (existing data dir):               ${ready_ms} ms"
echo "idle RSS after ready:                             $((idle_rss / 1024)) MiB"
echo "RSS after the read load:                          $((busy_rss / 1024)) MiB"
echo "server CPU ticks (utime+stime) at end of read:    ${cpu_after}"
echo
echo "== conditions"
echo "date: $(date -u +%FT%TZ)  commit: $(git rev-parse --short HEAD)  cores: $(nproc)"
echo "cpu: $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo)"
echo "load generator (wrk) and server share the same $(nproc) cores; SQLite in a tmp dir"
echo "load average before the run: $load_before"
