#!/bin/bash
# SageMaker Studio lifecycle configuration (JupyterLab space app, or the Studio Classic
# JupyterServer app): install jupyter-costwidget, turn on idle auto-stop, restart the server.
#
# Nothing is downloaded from GitHub. The package comes from PyPI (through your PyPI mirror
# or proxy if the domain has no internet access: set PIP_INDEX_URL) or from a wheel you put
# in S3 (set COSTWIDGET_WHEEL_S3, e.g. s3://my-bucket/wheels/jupyter_costwidget-0.1.0-py3-none-any.whl;
# the execution role then needs s3:GetObject on that object).
set -euo pipefail

# --- settings (edit) ---------------------------------------------------------------------
COSTWIDGET_VERSION="${COSTWIDGET_VERSION:-}"          # empty: newest release on the index
COSTWIDGET_WHEEL_S3="${COSTWIDGET_WHEEL_S3:-}"        # s3://... wheel; wins over PyPI
IDLE_TIMEOUT_MINUTES="${IDLE_TIMEOUT_MINUTES:-60}"
IDLE_ENFORCED="${IDLE_ENFORCED:-False}"               # True: users cannot turn auto-stop off
STOP_SCHEDULE="${STOP_SCHEDULE:-}"                    # e.g. "Mon-Fri 21:00"
STOP_SCHEDULE_TIMEZONE="${STOP_SCHEDULE_TIMEZONE:-UTC}"

# The Python that runs the Jupyter server: Studio JupyterLab images use /opt/conda; Studio
# Classic runs its server in the "studio" conda environment.
if [ -x /opt/conda/envs/studio/bin/python ]; then
  PY=/opt/conda/envs/studio/bin/python
elif [ -x /opt/conda/bin/python ]; then
  PY=/opt/conda/bin/python
else
  PY="$(command -v python3)"
fi

if [ -n "$COSTWIDGET_WHEEL_S3" ]; then
  tmp="$(mktemp -d)"
  aws s3 cp "$COSTWIDGET_WHEEL_S3" "$tmp/"
  "$PY" -m pip install --quiet "$tmp"/*.whl
else
  "$PY" -m pip install --quiet "jupyter-costwidget${COSTWIDGET_VERSION:+==$COSTWIDGET_VERSION}"
fi

# Server config: merged into jupyter_server_config.json (other settings in it are kept).
# CostWidget settings must live in a main config file; jupyter_server_config.d/ drop-ins
# only enable extensions.
conf_dir="$HOME/.jupyter"
mkdir -p "$conf_dir"
"$PY" - "$conf_dir/jupyter_server_config.json" <<PYEOF
import json, os, sys
path = sys.argv[1]
config = {}
if os.path.exists(path):
    with open(path) as fh:
        config = json.load(fh)
config.setdefault("ServerApp", {}).setdefault("jpserver_extensions", {})["jupyter_costwidget"] = True
config["CostWidget"] = {
    "idle_enabled": True,
    "idle_timeout_minutes": float("$IDLE_TIMEOUT_MINUTES"),
    "idle_enforced": "$IDLE_ENFORCED" == "True",
    "stop_schedule": "$STOP_SCHEDULE",
    "stop_schedule_timezone": "$STOP_SCHEDULE_TIMEZONE",
}
tmp = path + ".tmp"
with open(tmp, "w") as fh:
    json.dump(config, fh, indent=2)
os.replace(tmp, path)
PYEOF

# Restart the Jupyter server the way SageMaker documents it, so the extension loads.
if command -v restart-jupyter-server >/dev/null 2>&1; then
  nohup restart-jupyter-server >/dev/null 2>&1 &
fi
echo "jupyter-costwidget installed; auto-stop after ${IDLE_TIMEOUT_MINUTES} idle minutes."
