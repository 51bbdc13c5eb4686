#!/usr/bin/env bash
# Event stream figures: `kefu serve` with SUBSCRIBERS WebSocket subscribers of the demo tenant
# (tests/load/kefu-stream), while tests/load/kefu-load places short calls to the demo number so
# that the tenant produces about EVENTS_PER_S events a second (each call to the queue number
# logs call.received, call.answered, call.queued and call.ended: 4 events). Prints the subscribers' delivery latency (event time to arrival), the
# deliveries per second, and the server's memory per subscriber (RSS with subscribers minus RSS
# before them, over SUBSCRIBERS). All on loopback, release builds.
#
#   tests/load/events_bench.sh
#
# Knobs: SUBSCRIBERS (1000), EVENTS_PER_S (500), DURATION_S (60), SIP_PORT (5071), HTTP_PORT
# (8091), KEFU_BIN (a kefu binary instead of building one), CARGO_TARGET_DIR
# ($HOME/.cache/kefu/target), KEEP=1 (keep the temporary directory).
set -euo pipefail
cd "$(dirname "$0")/../.."

SUBSCRIBERS=${SUBSCRIBERS:-1000}
EVENTS_PER_S=${EVENTS_PER_S:-500}
DURATION_S=${DURATION_S:-60}
SIP_PORT=${SIP_PORT:-5071}
HTTP_PORT=${HTTP_PORT:-8091}
EVENTS_PER_CALL=4

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kefu/target}"
if [ -z "${KEFU_BIN:-}" ]; then
  cargo build --release --locked -p kefu-server --bin kefu
fi
cargo build --release --locked --manifest-path tests/load/kefu-load/Cargo.toml
cargo build --release --locked --manifest-path tests/load/kefu-stream/Cargo.toml
bin="${KEFU_BIN:-$CARGO_TARGET_DIR/release/kefu}"
load="$CARGO_TARGET_DIR/release/kefu-load"
stream="$CARGO_TARGET_DIR/release/kefu-stream"

hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -gt 65536 ]; then hard=65536; fi
ulimit -n "$hard"

work=$(mktemp -d)
cleanup() {
  [ -n "${kefu_pid:-}" ] && kill "$kefu_pid" 2>/dev/null || true
  [ -n "${stream_pid:-}" ] && kill "$stream_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "${KEEP:-}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

KEFU_LOG=warn KEFU_SIP_INVITES_PER_SOURCE_PER_SEC=5000 KEFU_QUEUE_UPDATE_SECS=3600 \
  "$bin" serve --listen "127.0.0.1:$HTTP_PORT" --sip-listen "127.0.0.1:$SIP_PORT" \
  --data-dir "$work/data" --web-dir "$work/no-web" >"$work/kefu.out" 2>"$work/kefu.err" &
kefu_pid=$!
for _ in $(seq 120); do grep -q "Kefu is ready" "$work/kefu.out" 2>/dev/null && break; sleep 0.5; done
grep -q "Kefu is ready" "$work/kefu.out" || { cat "$work/kefu.err" >&2; exit 1; }

token=$(python3 - "$work/data/demo-credentials.json" "$HTTP_PORT" <<'PY'
import json, sys, urllib.request
creds = json.load(open(sys.argv[1]))
admin = creds["users"][0]
req = urllib.request.Request(
    f"http://127.0.0.1:{sys.argv[2]}/api/v1/sessions",
    data=json.dumps({"email": admin["email"], "password": admin["password"], "tenant": "demo"}).encode(),
    headers={"content-type": "application/json"})
print(json.load(urllib.request.urlopen(req))["access_token"])
PY
)
rss() { awk '/VmRSS/ {print $2}' "/proc/$kefu_pid/status"; }
sleep 2
rss_before=$(rss)

KEFU_TOKEN="$token" "$stream" --url "ws://127.0.0.1:$HTTP_PORT/api/v1/events/stream" \
  --subscribers "$SUBSCRIBERS" --duration-s "$DURATION_S" --announce \
  >"$work/stream.out" 2>"$work/stream.err" &
stream_pid=$!
for _ in $(seq 240); do grep -q connected "$work/stream.out" 2>/dev/null && break; sleep 0.5; done
sleep 2
rss_subscribed=$(rss)

rate=$(python3 -c "print($EVENTS_PER_S / $EVENTS_PER_CALL)")
calls=$(python3 -c "print(int($EVENTS_PER_S / $EVENTS_PER_CALL * ($DURATION_S + 5)))")
"$load" --target "127.0.0.1:$SIP_PORT" --number +15555550100 --calls "$calls" \
  --concurrent 1000 --rate "$rate" --hold-ms 1000 >"$work/load.out" 2>"$work/load.err" || true
wait "$stream_pid" || true
stream_pid=
dropped=$(curl -s "http://127.0.0.1:$HTTP_PORT/metrics" | awk '/^kefu_events_dropped_total/ {print $2}')
echo "kefu_events_dropped_total: ${dropped:-0}"

python3 - "$work" "$rss_before" "$rss_subscribed" "$SUBSCRIBERS" "$EVENTS_PER_S" <<'PY'
import json, sys
work, before, after, subs, eps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
stream = json.loads(open(f"{work}/stream.out").read().strip().splitlines()[-1])
try:
    load = json.loads(open(f"{work}/load.out").read().strip().splitlines()[-1])
except Exception:
    load = {}
out = {
    "subscribers": subs,
    "target_events_per_s": eps,
    "deliveries_per_s": stream["deliveries_per_s"],
    "events_per_s_seen_by_one": stream["deliveries_per_s"] / max(subs, 1),
    "latency_ms": stream["latency_ms"],
    "stream_errors": stream["errors"],
    "stream_closed": stream["closed"],
    "server_rss_kib_before": before,
    "server_rss_kib_subscribed": after,
    "server_kib_per_subscriber": (after - before) / max(subs, 1),
    "calls": {k: load.get(k) for k in ("answered", "failed")},
}
print(json.dumps(out))
PY
