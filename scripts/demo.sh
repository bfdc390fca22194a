#!/usr/bin/env bash
# `make demo`: the AWS sandbox with the bundled demo scenario, then JupyterLab pointed at it.
# The environment (COSTWIDGET_*, dummy AWS credentials, ports) comes from the Makefile.
set -euo pipefail
export AWS_SESSION_TOKEN=testing
jupyter-costwidget sandbox --scenario jupyter_costwidget/sandbox/scenarios/demo.json \
  --port "$SANDBOX_PORT" --metadata-out "$COSTWIDGET_METADATA_FILE" \
  --shared-bucket costwidget-demo &
sandbox_pid=$!
trap 'kill $sandbox_pid 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 100); do
  curl -sf "$COSTWIDGET_ENDPOINT_URL/_sandbox/calls" >/dev/null && break
  sleep 0.2
done
echo "AWS sandbox: $COSTWIDGET_ENDPOINT_URL (scenario: jupyter_costwidget/sandbox/scenarios/demo.json)"
echo "Shared collector against it: COSTWIDGET_ENDPOINT_URL=$COSTWIDGET_ENDPOINT_URL \\"
echo "  jupyter costwidget collect --bucket costwidget-demo --prefix team (make demo-team runs it all)"
token="$(python3 -c 'import secrets; print(secrets.token_hex(24))')"
echo
echo "JupyterLab: http://127.0.0.1:${PORT}/lab?token=${token}"
echo
jupyter lab --ip=127.0.0.1 --port="$PORT" --no-browser --ServerApp.allow_root=True \
  --IdentityProvider.token="$token" --ServerApp.root_dir="$PWD"
