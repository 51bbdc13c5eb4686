#!/usr/bin/env bash
# Stand-in for `kefu serve` to check calls_bench.sh itself without a kefu build: prints the
# ready line, then runs a SIPp UAS that answers and echoes RTP on the --sip-listen port.
#   KEFU_BIN=tests/load/sipp/kefu_standin.sh CALLS=200 RATE=50 HOLD_MS=15000 tests/load/calls_bench.sh
set -euo pipefail
sip=""
while [ $# -gt 0 ]; do
  case "$1" in
    --sip-listen) sip=$2; shift 2 ;;
    *) shift ;;
  esac
done
[ -n "$sip" ] || { echo "kefu_standin: --sip-listen HOST:PORT is required" >&2; exit 2; }
echo "Kefu is ready on http://standin (started in 0 ms)"
exec sipp -sn uas -i "${sip%:*}" -p "${sip##*:}" -rtp_echo -mp 17000 -nostdin >/dev/null 2>&1
