#!/usr/bin/env bash
# The same call loads as tests/load/calls_bench.sh, run against RustPBX (the closest open-source
# peer) for a side-by-side: our own generator tests/load/kefu-load drives a release build of
# `rustpbx` over loopback, measured the same way (server CPU from /proc/PID/stat, RSS from
# /proc/PID/status, generator CPU beside).
#
#   RUSTPBX_BIN=/path/to/rustpbx tests/load/rustpbx_bench.sh
#
# RustPBX is not built here: tests/load/rustpbx/README.md says how it was built (its own
# checkout and target directory, outside this repository). Its configuration comes from the templates in tests/load/rustpbx/ (our own
# files): SIP on UDP 127.0.0.1:SIP_PORT, calls from 127.0.0.1 admitted as the inbound trunk
# "loadgen" (matched by source address: no registration, no digest), routed by number to
# RustPBX's built-in IVR application (tree mode):
#   +15555550101  answer, play a 2 s 8 kHz prompt (the same 440 Hz tone as ivr_setup.py), wait
#   +15555550100  answer, play a MUSIC_S-second 8 kHz music loop, replayed until the BYE
# SQLite database, logs and prompts live in a temporary directory.
#
# Knobs (environment): RUSTPBX_BIN (required), MODE (concurrent | cps), CALLS (1000),
# CONCURRENT (CALLS), RATE new calls/s (100), HOLD_MS (60000), PLATEAU_S longest sampling window
# (30), SIP_PORT (5080), THREADS generator threads (1), NUMBER (+15555550100 for concurrent,
# +15555550101 for cps), RTP_START/RTP_END (40000/49999), WEBRTC_START/WEBRTC_END (50000/50999),
# MUSIC_S music loop length in seconds (10; 65 plays one prompt longer than the call, no replay),
# LOG_LEVEL RustPBX log level (warn), LOAD_ARGS (more kefu-load flags),
# KEFU_LOAD (a kefu-load binary; default: build it into CARGO_TARGET_DIR, $HOME/.cache/kefu/target),
# KEEP=1 (keep the temporary directory; its path is printed).
#
#   MODE=cps CALLS=18000 RATE=300 HOLD_MS=2500 tests/load/rustpbx_bench.sh   # call setup
#   CALLS=1000 RATE=100 HOLD_MS=60000 tests/load/rustpbx_bench.sh           # concurrent calls
#
# Prints the generator's JSON, the server's CPU cores (whole run for cps; a plateau window with
# every call established for concurrent) and memory per established call, and one combined
# JSON line at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ -z "${RUSTPBX_BIN:-}" ]; then
  echo "set RUSTPBX_BIN to a rustpbx release binary" >&2
  exit 2
fi
bin=$RUSTPBX_BIN
MODE=${MODE:-concurrent}
CALLS=${CALLS:-1000}
CONCURRENT=${CONCURRENT:-$CALLS}
RATE=${RATE:-100}
HOLD_MS=${HOLD_MS:-60000}
PLATEAU_S=${PLATEAU_S:-30}
SIP_PORT=${SIP_PORT:-5080}
THREADS=${THREADS:-1}
if [ "$MODE" = cps ]; then NUMBER=${NUMBER:-+15555550101}; else NUMBER=${NUMBER:-+15555550100}; fi
RTP_START=${RTP_START:-40000}
RTP_END=${RTP_END:-49999}
WEBRTC_START=${WEBRTC_START:-50000}
WEBRTC_END=${WEBRTC_END:-50999}
MUSIC_S=${MUSIC_S:-10}
LOG_LEVEL=${LOG_LEVEL:-warn}

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kefu/target}"
if [ -z "${KEFU_LOAD:-}" ]; then
  cargo build --release --locked --manifest-path tests/load/kefu-load/Cargo.toml
fi
load="${KEFU_LOAD:-$CARGO_TARGET_DIR/release/kefu-load}"

# One RTP socket per call on each side: raise the open-files limit as far as allowed (root may
# also raise the hard limit).
ulimit -Hn 65536 2>/dev/null || true
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -gt 65536 ]; then hard=65536; fi
ulimit -n "$hard"
if [ "$hard" -lt $((2 * CONCURRENT + 256)) ]; then
  echo "warning: open-files limit $hard is low for $CONCURRENT calls" >&2
fi

hz=$(getconf CLK_TCK)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started_at=$(date -u +%FT%TZ)
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

# Prompts: 8 kHz 16-bit mono WAVs, standard library only.
python3 - "$data" "$MUSIC_S" <<'PY'
import math, struct, sys, wave
out, music_s = sys.argv[1], float(sys.argv[2])
rate = 8000
def write(path, samples):
    with wave.open(path, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", s) for s in samples))
# The same 2 s, 440 Hz prompt as tests/load/ivr_setup.py gives Kefu.
write(out + "/prompt_2s.wav",
      [int(6000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(2 * rate)])
# "Music": a repeating arpeggio of 250 ms notes with a soft decay, music_s seconds long.
notes = [261.63, 329.63, 392.00, 523.25, 392.00, 329.63]
samples = []
note_len = rate // 4
for i in range(int(music_s * rate)):
    n, t = divmod(i, note_len)
    f = notes[n % len(notes)]
    env = math.exp(-3.0 * t / note_len)
    samples.append(int(5000 * env * (math.sin(2 * math.pi * f * i / rate)
                                     + 0.3 * math.sin(2 * math.pi * 2 * f * i / rate))))
write(out + "/music.wav", samples)
PY

mkdir -p "$data/config"
render() {
  sed -e "s|@DATA@|$data|g" -e "s|@SIP_ADDR@|127.0.0.1|g" -e "s|@SIP_PORT@|$SIP_PORT|g" \
    -e "s|@HTTP_PORT@|$http_port|g" -e "s|@LOG_LEVEL@|$LOG_LEVEL|g" \
    -e "s|@RTP_START@|$RTP_START|g" -e "s|@RTP_END@|$RTP_END|g" \
    -e "s|@WEBRTC_START@|$WEBRTC_START|g" -e "s|@WEBRTC_END@|$WEBRTC_END|g" \
    -e "s|@MUSIC_S@|$MUSIC_S|g" "$1" >"$2"
}
render tests/load/rustpbx/rustpbx.toml.in "$data/rustpbx.toml"
render tests/load/rustpbx/ivr_prompt.toml.in "$data/ivr_prompt.toml"
render tests/load/rustpbx/ivr_music.toml.in "$data/ivr_music.toml"

(cd "$data" && exec "$bin" --conf "$data/rustpbx.toml") >"$data/server.log" 2>&1 &
pid=$!

# Ready when its SIP socket answers an OPTIONS (any final response).
sip_ping() {
  python3 - "$SIP_PORT" <<'PY'
import socket, sys, uuid
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(0.5)
lp = s.getsockname()[1]
msg = (f"OPTIONS sip:ping@127.0.0.1:{port} SIP/2.0\r\n"
       f"Via: SIP/2.0/UDP 127.0.0.1:{lp};branch=z9hG4bK{uuid.uuid4().hex}\r\n"
       "Max-Forwards: 70\r\n"
       f"From: <sip:ping@127.0.0.1:{lp}>;tag={uuid.uuid4().hex[:8]}\r\n"
       f"To: <sip:ping@127.0.0.1:{port}>\r\n"
       f"Call-ID: {uuid.uuid4().hex}@bench\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
s.sendto(msg.encode(), ("127.0.0.1", port))
try:
    data = s.recv(65535)
    sys.exit(0 if data.startswith(b"SIP/2.0 ") else 1)
except OSError:
    sys.exit(1)
PY
}
ready=no
for _ in $(seq 240); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "rustpbx exited before it was ready:" >&2
    tail -n 50 "$data/server.log" >&2
    exit 1
  fi
  if sip_ping; then ready=yes; break; fi
  sleep 0.25
done
if [ "$ready" != yes ]; then
  echo "rustpbx not answering SIP on 127.0.0.1:$SIP_PORT after 60 s" >&2
  tail -n 50 "$data/server.log" >&2
  exit 1
fi
sleep 2

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
now_ns() { date +%s%N; }
established() {
  local n
  n=$(tail -n 1 "$data/load.err" 2>/dev/null | sed -n 's/.* established=\([0-9]*\).*/\1/p')
  echo "${n:-0}"
}
idle_rss=$(rss_kib "$pid")
version=$("$bin" --version 2>/dev/null | head -n 1 || echo unknown)

load_args=(--target "127.0.0.1:$SIP_PORT" --number "$NUMBER" --calls "$CALLS" --concurrent "$CONCURRENT"
  --rate "$RATE" --hold-ms "$HOLD_MS" --threads "$THREADS")
read -r -a extra_args <<<"${LOAD_ARGS:-}"
load_args+=("${extra_args[@]}")
echo "== $load ${load_args[*]}"
echo "== server: $bin ($version), load average before: $load_before, $started_at"
t_load=$(now_ns)
"$load" "${load_args[@]}" >"$data/load.json" 2>"$data/load.err" &
lpid=$!

if [ "$MODE" = cps ]; then
  s_cpu0=$(cpu_ticks "$pid"); t0=$(now_ns)
  peak_rss=$idle_rss
  while kill -0 "$lpid" 2>/dev/null; do
    r=$(rss_kib "$pid"); if [ "$r" -gt "$peak_rss" ]; then peak_rss=$r; fi
    sleep 1
  done
  load_rc=0
  wait "$lpid" || load_rc=$?
  s_cpu1=$(cpu_ticks "$pid"); t1=$(now_ns)
  lpid=""
  est_start=0; est_end=0; busy_rss=$(rss_kib "$pid"); g_cpu0=0; g_cpu1=0
else
  want=$(( CONCURRENT < CALLS ? CONCURRENT : CALLS ))
  ramp_s=$(python3 -c "import math; print(math.ceil($want / $RATE))")
  deadline=$(( $(date +%s) + ramp_s + 15 ))
  while [ "$(established)" -lt "$want" ] && [ "$(date +%s)" -lt "$deadline" ] && kill -0 "$lpid" 2>/dev/null; do
    sleep 0.2
  done
  elapsed_s=$(( ($(now_ns) - t_load) / 1000000000 ))
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
  peak_rss=$busy_rss
  est_end=$(established)
  load_rc=0
  wait "$lpid" || load_rc=$?
  lpid=""
fi
server_alive=yes
kill -0 "$pid" 2>/dev/null || server_alive=no

echo
echo "== generator progress (last lines)"
tail -n 3 "$data/load.err"
echo
echo "== generator JSON (exit code $load_rc)"
cat "$data/load.json"
echo
warn_lines=$(grep -c -E 'WARN|ERROR' "$data/server.log" || true)
python3 - "$data/load.json" <<PY
import json, sys
mode = "$MODE"
secs = ($t1 - $t0) / 1e9
est = min($est_start, $est_end)
server_cores = ($s_cpu1 - $s_cpu0) / $hz / secs
gen_cores = ($g_cpu1 - $g_cpu0) / $hz / secs
per_call_kib = ($busy_rss - $idle_rss) / est if est else None
if mode == "cps":
    print("== server (rustpbx) over the whole run: %.1f s, CPU cores used %.3f, RSS idle %.1f MiB, peak %.1f MiB, end %.1f MiB"
          % (secs, server_cores, $idle_rss / 1024, $peak_rss / 1024, $busy_rss / 1024))
else:
    print("== server (rustpbx) over the plateau: %.1f s with %d..%d established calls" % (secs, $est_start, $est_end))
    print("server CPU cores used:            %.3f" % server_cores)
    print("server RSS idle -> plateau:       %.1f MiB -> %.1f MiB" % ($idle_rss / 1024, $busy_rss / 1024))
    print("server memory per call:           %s" % ("%.1f KiB" % per_call_kib if per_call_kib is not None else "n/a (no call established)"))
    print("generator CPU cores, same window: %.3f" % gen_cores)
print("server still running at the end:  $server_alive")
try:
    gen = json.load(open(sys.argv[1]))
except Exception as e:
    gen = {"error": "no JSON from kefu-load: %s" % e}
media = gen.get("media", {}) if isinstance(gen, dict) else {}
# kefu-load sends 50 packets/s per call for the whole hold; a server that plays continuously
# sends about as many back. Its loss figure counts sequence gaps only, so a server that sends
# fewer packets (skipped ticks, silence between prompts) shows here, not as loss.
rx_vs_tx = (round(media.get("packets_received", 0) / media["packets_sent"], 3)
            if media.get("packets_sent") else None)
if mode != "cps" and rx_vs_tx is not None:
    print("packets received / sent by the generator: %.3f (1.0 = continuous audio both ways)" % rx_vs_tx)
server = {
    "name": "rustpbx", "version": """$version""", "mode": mode,
    "window_s": round(secs, 2), "cpu_cores_used": round(server_cores, 3),
    "rss_idle_mib": round($idle_rss / 1024, 1), "rss_end_mib": round($busy_rss / 1024, 1),
    "rss_peak_mib": round($peak_rss / 1024, 1),
    "alive_at_end": "$server_alive" == "yes", "log_warn_error_lines": $warn_lines,
}
if mode != "cps":
    server["established_calls"] = est
    server["memory_per_call_kib"] = round(per_call_kib, 1) if per_call_kib is not None else None
print(json.dumps({
    "server": server,
    "generator_plateau_cpu_cores": round(gen_cores, 3) if mode != "cps" else None,
    "rx_vs_tx_packets": rx_vs_tx,
    "conditions": {"started_at": "$started_at", "load_average_before": "$load_before",
                   "cores": $(nproc)},
    "generator": gen,
}))
PY
echo "server log: $warn_lines WARN/ERROR lines"
if [ "$warn_lines" -gt 0 ]; then grep -E 'WARN|ERROR' "$data/server.log" | tail -n 5; fi
echo
echo "== conditions"
echo "date: $(date -u +%FT%TZ)  kefu commit: $(git rev-parse --short HEAD 2>/dev/null || echo none)  cores: $(nproc)"
echo "cpu: $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo)"
echo "generator and server share the same $(nproc) cores on loopback; RustPBX SQLite in a tmp dir"
echo "load average before the run: $load_before"
if [ "$server_alive" = no ]; then
  echo "rustpbx died during the run; its log:" >&2
  tail -n 50 "$data/server.log" >&2
  exit 1
fi
exit "$load_rc"
