#!/usr/bin/env bash
# `make demo-team`: the AWS sandbox (demo scenario, with the collector's bucket and topic),
# the shared collector every 10 s, and two JupyterLab servers reading its snapshot: alice's
# (the scenario's `me`) and bob's (his Studio Classic app). The environment (COSTWIDGET_*,
# dummy credentials, ports) comes from the Makefile.
set -euo pipefail
export AWS_SESSION_TOKEN=testing
bucket=costwidget-demo
alice_meta="$DEMO_DIR/alice-resource-metadata.json"
bob_meta="$DEMO_DIR/bob-resource-metadata.json"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT INT TERM

jupyter-costwidget sandbox --scenario jupyter_costwidget/sandbox/scenarios/demo.json \
  --port "$SANDBOX_PORT" --metadata-out "$alice_meta" --shared-bucket "$bucket" &
pids+=($!)
for _ in $(seq 1 100); do
  curl -sf "$COSTWIDGET_ENDPOINT_URL/_sandbox/calls" >/dev/null && break
  sleep 0.2
done
python3 - "$bob_meta" <<'PY'
import sys
from jupyter_costwidget.sandbox.metadata import resource_metadata, write_metadata
from jupyter_costwidget.sandbox.scenario import read_scenario_file

scenario = read_scenario_file("jupyter_costwidget/sandbox/scenarios/demo.json")
scenario["me"] = {"domain": "d-demo1", "user": "bob", "app_type": "KernelGateway",
                  "app_name": "datascience-ml-m5-large"}
write_metadata(resource_metadata(scenario), sys.argv[1])
PY
topic="arn:aws:sns:${COSTWIDGET_REGION}:123456789012:costwidget-notices"
jupyter-costwidget collect --bucket "$bucket" --prefix team --topic-arn "$topic" --every 10 &
pids+=($!)

token="$(python3 -c 'import secrets; print(secrets.token_hex(24))')"
start_lab() {  # user, port, metadata file
  COSTWIDGET_METADATA_FILE="$3" COSTWIDGET_SNAPSHOT_URL="s3://$bucket/team" \
    jupyter lab --ip=127.0.0.1 --port="$2" --no-browser --ServerApp.allow_root=True \
    --IdentityProvider.token="$token" --ServerApp.root_dir="$PWD" \
    --CostWidget.refresh_seconds=10 >"$DEMO_DIR/lab-$1.log" 2>&1 &
  pids+=($!)
}
start_lab alice "$PORT" "$alice_meta"
start_lab bob "$((PORT + 1))" "$bob_meta"
echo
echo "AWS sandbox:  $COSTWIDGET_ENDPOINT_URL (SNS notices: $COSTWIDGET_ENDPOINT_URL/_sandbox/sns/messages)"
echo "Snapshot:     s3://$bucket/team (collector every 10 s)"
echo "alice:        http://127.0.0.1:${PORT}/lab?token=${token}"
echo "bob:          http://127.0.0.1:$((PORT + 1))/lab?token=${token}"
echo "Logs:         $DEMO_DIR/lab-alice.log, $DEMO_DIR/lab-bob.log"
echo
wait "${pids[0]}"
