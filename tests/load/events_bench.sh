#!/usr/bin/env bash
# Event stream figures: `kefu serve` with SUBSCRIBERS WebSocket subscribers of the demo tenant
# (tests/load/kefu-stream, logged in as the demo admin, so every event reaches every subscriber),
# while tests/load/kefu-load places short calls to the demo number so that the tenant produces
# about EVENTS_PER_S events a second (each call to the queue number logs call.received,
# call.answered and call.ended: 3 events; `events_per_s_seen_by_one` in the output checks it). Prints the subscribers' delivery latency
# (event time to arrival), the deliveries per second, the server's memory per subscriber (RSS
# with idle subscribers minus RSS before them, over SUBSCRIBERS), the CPU of the server and of
# the client over the counting window, and the server's event counters. All on loopback,
# release builds.
#
#   tests/load/events_bench.sh
#
# Timeline: server ready → subscribers connect → RSS → calls start → WARMUP_S later the client
# counts for DURATION_S → the calls run on WARMUP_S + 5 s past the window, so the window is
# inside steady load.
#
# Knobs: SUBSCRIBERS (1000), EVENTS_PER_S (500), DURATION_S (60), WARMUP_S (8), HOLD_MS (how long
# each call stays up after the answer, 1000: its RTP is most of the server's work besides the stream), SIP_PORT (5071),
# HTTP_PORT (8091), STREAM_THREADS (client worker threads, 1), KEFU_BIN (a kefu binary instead
# of building one), CARGO_TARGET_DIR ($HOME/.cache/kefu/target), KEEP=1 (keep the temporary
# directory).
set -euo pipefail
cd "$(dirname "$0")/../.."

SUBSCRIBERS=${SUBSCRIBERS:-1000}
EVENTS_PER_S=${EVENTS_PER_S:-500}
DURATION_S=${DURATION_S:-60}
WARMUP_S=${WARMUP_S:-8}
HOLD_MS=${HOLD_MS:-1000}
STREAM_THREADS=${STREAM_THREADS:-1}
SIP_PORT=${SIP_PORT:-5071}
HTTP_PORT=${HTTP_PORT:-8091}
EVENTS_PER_CALL=3

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
  [ -n "${load_pid:-}" ] && kill "$load_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "${KEEP:-}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

# Every subscriber and every call comes from 127.0.0.1: raise the per-source caps on HTTP
# connections (default 256) and INVITEs (default 20/s) for this server, as an operator would for
# one proxy in front of many browsers and one carrier.
KEFU_LOG=warn KEFU_SIP_INVITES_PER_SOURCE_PER_SEC=5000 KEFU_QUEUE_UPDATE_SECS=3600 \
  KEFU_HTTP_MAX_CONNECTIONS_PER_SOURCE=$((SUBSCRIBERS + 64)) \
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

hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
metric() { awk -v m="$1" '$1 == m {print $2}' "$work/metrics.txt"; }

KEFU_TOKEN="$token" "$stream" --url "ws://127.0.0.1:$HTTP_PORT/api/v1/events/stream" \
  --subscribers "$SUBSCRIBERS" --warmup-s "$WARMUP_S" --duration-s "$DURATION_S" \
  --threads "$STREAM_THREADS" --announce >"$work/stream.out" 2>"$work/stream.err" &
stream_pid=$!
for _ in $(seq 480); do grep -q connected "$work/stream.out" 2>/dev/null && break; sleep 0.25; done
grep -q connected "$work/stream.out" || { echo "the subscribers did not connect" >&2; cat "$work/stream.err" >&2; exit 1; }
sleep 2
rss_subscribed=$(rss)
streams=$(curl -sf "http://127.0.0.1:$HTTP_PORT/metrics" | awk '$1 == "kefu_event_streams" {print $2}') \
  || { echo "/metrics did not answer with $SUBSCRIBERS subscribers connected" >&2; exit 1; }
if [ "${streams%.*}" != "$SUBSCRIBERS" ]; then
  echo "warning: the server holds ${streams:-no} streams, not $SUBSCRIBERS" >&2
fi

rate=$(python3 -c "print($EVENTS_PER_S / $EVENTS_PER_CALL)")
calls=$(python3 -c "print(int($EVENTS_PER_S / $EVENTS_PER_CALL * ($WARMUP_S + $DURATION_S + 5)))")
"$load" --target "127.0.0.1:$SIP_PORT" --number +15555550100 --calls "$calls" \
  --concurrent 1000 --rate "$rate" --hold-ms "$HOLD_MS" >"$work/load.out" 2>"$work/load.err" &
load_pid=$!

for _ in $(seq $((WARMUP_S * 4 + 40))); do grep -q counting "$work/stream.out" 2>/dev/null && break; sleep 0.25; done
load_avg=$(cut -d' ' -f1-3 /proc/loadavg)
s_cpu0=$(cpu_ticks "$kefu_pid"); c_cpu0=$(cpu_ticks "$stream_pid"); t0=$(date +%s%N)
# The client stops counting DURATION_S after "counting" and then exits: sample CPU over the
# window's first DURATION_S - 1 seconds, while both processes surely run.
sleep "$((DURATION_S - 1))"
s_cpu1=$(cpu_ticks "$kefu_pid"); c_cpu1=$(cpu_ticks "$stream_pid"); t1=$(date +%s%N)
rss_loaded=$(rss)
wait "$stream_pid" || true
stream_pid=
wait "$load_pid" || true
load_pid=
curl -sf "http://127.0.0.1:$HTTP_PORT/metrics" >"$work/metrics.txt" || { echo "no /metrics" >&2; exit 1; }
# A counter never incremented is absent from the exposition: that is 0.
dropped=$(metric kefu_events_dropped_total)
echo "kefu_events_dropped_total: ${dropped:-0 (never incremented)}"
echo "load average at the window's start: $load_avg"

python3 - "$work" "$rss_before" "$rss_subscribed" "$rss_loaded" "$SUBSCRIBERS" "$EVENTS_PER_S" \
  "$s_cpu0" "$s_cpu1" "$c_cpu0" "$c_cpu1" "$t0" "$t1" "$hz" "${streams:-0}" "${dropped:-0}" \
  "$(metric kefu_events_written_total)" "$(metric kefu_event_streams_cut_total)" <<'PY'
import json, sys
(work, before, after, loaded, subs, eps, s0, s1, c0, c1, t0, t1, hz, streams, dropped,
 written, cut) = sys.argv[1:]
before, after, loaded, subs, eps = int(before), int(after), int(loaded), int(subs), int(eps)
secs = (int(t1) - int(t0)) / 1e9
stream = json.loads(open(f"{work}/stream.out").read().strip().splitlines()[-1])
try:
    load = json.loads(open(f"{work}/load.out").read().strip().splitlines()[-1])
except Exception:
    load = {}
out = {
    "subscribers": subs,
    "streams_registered_on_server": float(streams),
    "target_events_per_s": eps,
    "deliveries_per_s": stream["deliveries_per_s"],
    "events_per_s_seen_by_one": stream["deliveries_per_s"] / max(subs, 1),
    "latency_ms": stream["latency_ms"],
    "stream_errors": stream["errors"],
    "stream_closed": stream["closed"],
    "server_rss_kib_before": before,
    "server_rss_kib_subscribed": after,
    "server_kib_per_subscriber": (after - before) / max(subs, 1),
    "server_rss_kib_end_of_window": loaded,
    "server_cpu_cores": (int(s1) - int(s0)) / int(hz) / secs,
    "client_cpu_cores": (int(c1) - int(c0)) / int(hz) / secs,
    "kefu_events_written_total": float(written or 0),
    "kefu_events_dropped_total": float(dropped or 0),
    "kefu_event_streams_cut_total": float(cut or 0),
    "calls": {k: load.get("calls", {}).get(k) for k in ("attempted", "answered", "failed")},
}
print(json.dumps(out))
PY
