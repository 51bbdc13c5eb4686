#!/usr/bin/env bash
# Concurrent-call figures: `kefu serve` answering SIP trunk calls to the demo number (queue music
# and announcements) with two-way G.711, driven by our own load generator tests/load/kefu-load
# (one core, cheap per call). Both run on loopback from release builds.
#
#   tests/load/calls_bench.sh
#
# Knobs (environment): CALLS (1000), CONCURRENT (CALLS), RATE new calls/s (100), HOLD_MS (60000),
# PLATEAU_S longest sampling window (30), SIP_PORT (5070), THREADS generator threads (1),
# NUMBER (+15555550100), DTMF (digits, none), CARGO_TARGET_DIR ($HOME/.cache/kefu/target),
# LOAD_ARGS (more kefu-load flags), KEFU_BIN (a kefu binary to use instead of building one), KEEP=1 (keep the temporary directory
# with the server's log, data and the generator's output; its path is printed).
#
# MODE=cps measures call setup instead: the server's CPU over the whole run, no plateau (use
# with SETUP=tests/load/ivr_setup.py NUMBER=+15555550101 RATE=300 CALLS=18000 HOLD_MS=2500, the
# IVR plugin answering and playing a 2 s prompt; see docs/benchmarks.md). SETUP is a script run
# once the server is ready, with its base URL, data directory and NUMBER.
#
# Prints the generator's JSON (calls answered/failed, setup latency, media loss and jitter, its
# own CPU), then the server's CPU cores used and memory per established call measured over the
# plateau (every call established, none hung up yet), and one combined JSON line at the end.
#
# Every call here comes from 127.0.0.1, and kefu's SIP edge limits INVITEs per source address
# (key `sip_invites_per_source_per_sec`, default 20/s): the script raises it to INVITE_LIMIT
# (5000) for the server it starts, as an operator does for a carrier that sends all its calls
# from one address. 1,000 calls at 100/s take 10 s to set up; HOLD_MS=60000 leaves a plateau
# of about 48 s (30 s sampled).
set -euo pipefail
cd "$(dirname "$0")/../.."

CALLS=${CALLS:-1000}
CONCURRENT=${CONCURRENT:-$CALLS}
RATE=${RATE:-100}
HOLD_MS=${HOLD_MS:-60000}
INVITE_LIMIT=${INVITE_LIMIT:-5000}
PLATEAU_S=${PLATEAU_S:-30}
SIP_PORT=${SIP_PORT:-5070}
THREADS=${THREADS:-1}
NUMBER=${NUMBER:-+15555550100}
DTMF=${DTMF:-}
MODE=${MODE:-concurrent}

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kefu/target}"
if [ -z "${KEFU_BIN:-}" ]; then
  cargo build --release --locked -p kefu-server --bin kefu
fi
cargo build --release --locked --manifest-path tests/load/kefu-load/Cargo.toml
bin="${KEFU_BIN:-$CARGO_TARGET_DIR/release/kefu}"
load="$CARGO_TARGET_DIR/release/kefu-load"

# One RTP socket per call on each side: raise the open-files limit as far as allowed.
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -gt 65536 ]; then hard=65536; fi
ulimit -n "$hard"
if [ "$hard" -lt $((CONCURRENT + 256)) ]; then
  echo "warning: open-files limit $hard is low for $CONCURRENT calls" >&2
fi

hz=$(getconf CLK_TCK)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
data=$(mktemp -d)
http_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pid=""
lpid=""
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  if [ -n "$lpid" ]; then kill "$lpid" 2>/dev/null || true; fi
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept: $data" >&2; else rm -rf "$data"; fi
}
trap cleanup EXIT

# 0 when the process is gone (the figures then show it rather than the script dying).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
now_ns() { date +%s%N; }
# The generator's progress line (stderr, once a second) says how many calls are established.
established() {
  local n
  n=$(tail -n 1 "$data/load.err" 2>/dev/null | sed -n 's/.* established=\([0-9]*\).*/\1/p')
  echo "${n:-0}"
}

KEFU_LOG=warn KEFU_SIP_INVITES_PER_SOURCE_PER_SEC="$INVITE_LIMIT" "$bin" serve --data-dir "$data" --listen "127.0.0.1:$http_port" \
  --sip-listen "127.0.0.1:$SIP_PORT" --web-dir "$data/none" >"$data/server.log" 2>&1 &
pid=$!
for _ in $(seq 1200); do
  grep -q '^Kefu is ready' "$data/server.log" && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "kefu serve exited before it was ready:" >&2
    cat "$data/server.log" >&2
    exit 1
  fi
  sleep 0.05
done
grep -q '^Kefu is ready' "$data/server.log" || { echo "kefu serve not ready after 60 s" >&2; cat "$data/server.log" >&2; exit 1; }
sleep 2
if [ -n "${SETUP:-}" ]; then
  python3 "$SETUP" "http://127.0.0.1:$http_port" "$data" "$NUMBER"
fi
idle_rss=$(rss_kib "$pid")

load_args=(--target "127.0.0.1:$SIP_PORT" --number "$NUMBER" --calls "$CALLS" --concurrent "$CONCURRENT"
  --rate "$RATE" --hold-ms "$HOLD_MS" --threads "$THREADS")
if [ -n "$DTMF" ]; then load_args+=(--dtmf "$DTMF"); fi
# Any other kefu-load flags, e.g. LOAD_ARGS="--ring-timeout-ms 120000 --rx-poll-ms 2".
read -r -a extra_args <<<"${LOAD_ARGS:-}"
load_args+=("${extra_args[@]}")
echo "== $load ${load_args[*]}"
t_load=$(now_ns)
"$load" "${load_args[@]}" >"$data/load.json" 2>"$data/load.err" &
lpid=$!

if [ "$MODE" = cps ]; then
  s_cpu0=$(cpu_ticks "$pid"); g_cpu0=0; t0=$(now_ns)
  load_rc=0
  wait "$lpid" || load_rc=$?
  s_cpu1=$(cpu_ticks "$pid"); g_cpu1=0; t1=$(now_ns)
  lpid=""
  busy_rss=$(rss_kib "$pid")
  echo
  echo "== generator JSON (exit code $load_rc)"
  cat "$data/load.json"
  echo
  python3 -c "print('== server (kefu serve) over the whole run: %.1f s, CPU cores used %.3f, RSS %.1f MiB' % (($t1 - $t0) / 1e9, ($s_cpu1 - $s_cpu0) / $hz / (($t1 - $t0) / 1e9), $busy_rss / 1024))"
  warn_lines=$(grep -c -E 'WARN|ERROR' "$data/server.log" || true)
  echo "server log: $warn_lines WARN/ERROR lines"
  if [ "$warn_lines" -gt 0 ]; then grep -E 'WARN|ERROR' "$data/server.log" | tail -n 5; fi
  echo "date: $(date -u +%FT%TZ)  commit: $(git rev-parse --short HEAD)  cores: $(nproc)  load average before: $load_before"
  exit "$load_rc"
fi

# Plateau: wait until every call that can be up at once is established (or the ramp should long
# be over), then sample until just before the first calls hang up.
want=$(( CONCURRENT < CALLS ? CONCURRENT : CALLS ))
ramp_s=$(python3 -c "import math; print(math.ceil($want / $RATE))")
deadline=$(( $(date +%s) + ramp_s + 15 ))
while [ "$(established)" -lt "$want" ] && [ "$(date +%s)" -lt "$deadline" ] && kill -0 "$lpid" 2>/dev/null; do
  sleep 0.2
done
elapsed_s=$(( ($(now_ns) - t_load) / 1000000000 ))
# The first calls hang up HOLD_MS after the run started: stop sampling 2 s before that.
window=$(( HOLD_MS / 1000 - elapsed_s - 2 ))
if [ "$window" -lt 3 ]; then
  echo "warning: no plateau to sample (HOLD_MS too short for the ramp); sampling 3 s anyway" >&2
  window=3
elif [ "$window" -gt "$PLATEAU_S" ]; then
  window=$PLATEAU_S
fi
est_start=$(established)
s_cpu0=$(cpu_ticks "$pid"); g_cpu0=$(cpu_ticks "$lpid"); t0=$(now_ns)
sleep "$window"
s_cpu1=$(cpu_ticks "$pid"); g_cpu1=$(cpu_ticks "$lpid"); t1=$(now_ns)
busy_rss=$(rss_kib "$pid")
est_end=$(established)

load_rc=0
wait "$lpid" || load_rc=$?
lpid=""
server_alive=yes
kill -0 "$pid" 2>/dev/null || server_alive=no

echo
echo "== generator progress (last lines)"
tail -n 3 "$data/load.err"
echo
echo "== generator JSON (exit code $load_rc)"
cat "$data/load.json"
echo
python3 - "$data/load.json" <<PY
import json, sys
secs = ($t1 - $t0) / 1e9
est = min($est_start, $est_end)
server_cores = ($s_cpu1 - $s_cpu0) / $hz / secs
gen_cores = ($g_cpu1 - $g_cpu0) / $hz / secs
per_call_kib = ($busy_rss - $idle_rss) / est if est else None
print("== server (kefu serve) over the plateau: %.1f s with %d..%d established calls" % (secs, $est_start, $est_end))
print("server CPU cores used:            %.3f" % server_cores)
print("server RSS idle -> plateau:       %.1f MiB -> %.1f MiB" % ($idle_rss / 1024, $busy_rss / 1024))
print("server memory per call:           %s" % ("%.1f KiB" % per_call_kib if per_call_kib is not None else "n/a (no call established)"))
print("generator CPU cores, same window: %.3f" % gen_cores)
print("server still running at the end:  $server_alive")
try:
    gen = json.load(open(sys.argv[1]))
except Exception as e:
    gen = {"error": "no JSON from kefu-load: %s" % e}
print(json.dumps({
    "server": {
        "plateau_s": round(secs, 2), "established_calls": est,
        "cpu_cores_used": round(server_cores, 3),
        "rss_idle_mib": round($idle_rss / 1024, 1), "rss_plateau_mib": round($busy_rss / 1024, 1),
        "memory_per_call_kib": round(per_call_kib, 1) if per_call_kib is not None else None,
        "alive_at_end": "$server_alive" == "yes",
    },
    "generator_plateau_cpu_cores": round(gen_cores, 3),
    "generator": gen,
}))
PY
warn_lines=$(grep -c -E 'WARN|ERROR' "$data/server.log" || true)
echo "server log: $warn_lines WARN/ERROR lines"
if [ "$warn_lines" -gt 0 ]; then grep -E 'WARN|ERROR' "$data/server.log" | tail -n 5; fi
# Every event of every call must be in the log: the writer never drops for load.
if [ "$server_alive" = yes ]; then
  dropped=$(curl -s "http://127.0.0.1:$http_port/metrics" | awk '/^kefu_events_dropped_total/ {print $2}')
  echo "kefu_events_dropped_total: ${dropped:-0}"
fi
echo
echo "== conditions"
echo "date: $(date -u +%FT%TZ)  commit: $(git rev-parse --short HEAD)  cores: $(nproc)"
echo "cpu: $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo)"
echo "generator and server share the same $(nproc) cores on loopback; SQLite in a tmp dir"
echo "load average before the run: $load_before"
if [ "$server_alive" = no ]; then
  echo "kefu serve died during the run; its log:" >&2
  tail -n 50 "$data/server.log" >&2
  exit 1
fi
exit "$load_rc"
