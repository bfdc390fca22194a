#!/usr/bin/env bash
# Start the AWS sandbox with the demo scenario, then JupyterLab pointed at it.
# Playwright starts this as its webServer and stops it (SIGTERM) when the tests end.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${VENV:-$here/../.venv}"
port_sandbox="${UI_SANDBOX_PORT:-5123}"
state="$(mktemp -d -t costwidget-ui-XXXXXX)"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
export AWS_DEFAULT_REGION=ap-northeast-1
export COSTWIDGET_ENDPOINT_URL="http://127.0.0.1:${port_sandbox}"
export COSTWIDGET_METADATA_FILE="$state/resource-metadata.json"
export COSTWIDGET_REGION=ap-northeast-1
export JUPYTER_DATA_DIR="$state/data"
# Both servers' logged errors (jupyter_server_test_config.py); global-teardown.js reads it.
export UI_SERVER_ERRORS="$here/server-errors.log"
: >"$UI_SERVER_ERRORS"

"$venv/bin/jupyter-costwidget" sandbox \
  --scenario "$here/../jupyter_costwidget/sandbox/scenarios/demo.json" \
  --port "$port_sandbox" --metadata-out "$COSTWIDGET_METADATA_FILE" \
  --shared-bucket costwidget-ui &
sandbox_pid=$!
cleanup() {
  kill "$sandbox_pid" 2>/dev/null || true
  kill "${lab_pid:-}" "${reader_pid:-}" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
for _ in $(seq 1 100); do
  curl -sf "$COSTWIDGET_ENDPOINT_URL/_sandbox/calls" >/dev/null && break
  sleep 0.2
done

cd "$here"
# A second user's server reading the shared collector's snapshot (collector.spec.ts).
UI_TEST_PORT="$((${UI_TEST_PORT:-8897} + 1))" \
  COSTWIDGET_SNAPSHOT_URL=s3://costwidget-ui/team JUPYTER_DATA_DIR="$state/reader-data" \
  "$venv/bin/jupyter" lab --config "$here/jupyter_server_test_config.py" \
  >"$state/reader.log" 2>&1 &
reader_pid=$!
"$venv/bin/jupyter" lab --config "$here/jupyter_server_test_config.py" &
lab_pid=$!
wait "$lab_pid"
