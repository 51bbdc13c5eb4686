#!/usr/bin/env bash
# The API as an outside client sees it: starts the real `kefu` binary on a temporary data
# directory and a free port, logs in as the demo admin, and runs schemathesis (PyPI) against
# the served OpenAPI document. Fails on any server error, and on any status code, content type
# or response body the document does not declare. Bounded: a fixed number of examples per
# operation and a fixed seed, so a run takes a few minutes and says the same thing twice.
#
#   KEFU_BIN         the binary (default: $CARGO_TARGET_DIR/debug/kefu)
#   ST_MAX_EXAMPLES  examples per operation (default 25)
#   ST_SEED          hypothesis seed (default 1; change it to explore further)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kefu/target}"
bin="${KEFU_BIN:-$CARGO_TARGET_DIR/debug/kefu}"
max_examples="${ST_MAX_EXAMPLES:-25}"
seed="${ST_SEED:-1}"
[ -x "$bin" ] || { echo "schemathesis.sh: no kefu binary at $bin (cargo build -p kefu-server first)" >&2; exit 2; }
command -v schemathesis >/dev/null 2>&1 || python3 -m pip install -q schemathesis

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
# Telephony on an ephemeral port: the SIP edge is not under test here, but the binary runs as
# it does in production. Sign-up and login keep their rate limits: past them they answer 429,
# which their documents declare.
KEFU_LOG=warn "$bin" serve --listen "127.0.0.1:$port" --sip-listen 127.0.0.1:0 \
  --data-dir "$work/data" --web-dir "$work/no-web" >"$work/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 600); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.2
done
curl -fsS "$base/readyz" >/dev/null || { echo "kefu did not become ready" >&2; cat "$work/server.log" >&2; exit 1; }

login_body="$(python3 - "$work/data/demo-credentials.json" <<'PY'
import json, sys
creds = json.load(open(sys.argv[1]))
admin = next(u for u in creds["users"] if u["role"] == "admin")
print(json.dumps({"email": admin["email"], "password": admin["password"]}))
PY
)"
token="$(curl -fsS -H 'content-type: application/json' -d "$login_body" "$base/api/v1/sessions" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')"

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
run() {
  # Run from the scratch directory: schemathesis writes its example database and reports there.
  (cd "$work" && SCHEMATHESIS_HOOKS="$here/schemathesis_hooks.py" schemathesis run "$base/api/openapi.json" --url "$base" \
    --checks "$checks" --header "Authorization: Bearer $token" \
    --phases examples,coverage,fuzzing --max-examples "$max_examples" --seed "$seed" \
    --generation-database none --workers 2 --no-color "$@")
}
status=0
# Logging out revokes the token the run uses, so it goes last, alone.
run --exclude-path /api/v1/sessions/logout || status=$?
run --include-path /api/v1/sessions/logout || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log (last 50 lines)" >&2
  tail -n 50 "$work/server.log" >&2
fi
exit "$status"
