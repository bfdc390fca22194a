#!/bin/bash
# SageMaker notebook instance "on start" lifecycle configuration: install jupyter-costwidget
# into the environment that runs Jupyter, turn on idle auto-stop (StopNotebookInstance),
# and restart the Jupyter server. Runs as root.
#
# Nothing is downloaded from GitHub: PyPI (or your mirror via PIP_INDEX_URL), or a wheel in
# S3 (COSTWIDGET_WHEEL_S3; the instance's role needs s3:GetObject on it).
set -euo pipefail

COSTWIDGET_VERSION="${COSTWIDGET_VERSION:-}"
COSTWIDGET_WHEEL_S3="${COSTWIDGET_WHEEL_S3:-}"
IDLE_TIMEOUT_MINUTES="${IDLE_TIMEOUT_MINUTES:-60}"
IDLE_ENFORCED="${IDLE_ENFORCED:-True}"
STOP_SCHEDULE="${STOP_SCHEDULE:-}"
STOP_SCHEDULE_TIMEZONE="${STOP_SCHEDULE_TIMEZONE:-UTC}"

# Jupyter on notebook instances runs from the JupyterSystemEnv conda environment as ec2-user.
PY=/home/ec2-user/anaconda3/envs/JupyterSystemEnv/bin/python

if [ -n "$COSTWIDGET_WHEEL_S3" ]; then
  tmp="$(mktemp -d)"
  aws s3 cp "$COSTWIDGET_WHEEL_S3" "$tmp/"
  sudo -u ec2-user -i "$PY" -m pip install --quiet "$tmp"/*.whl
else
  sudo -u ec2-user -i "$PY" -m pip install --quiet \
    "jupyter-costwidget${COSTWIDGET_VERSION:+==$COSTWIDGET_VERSION}"
fi

# Server config: merged into jupyter_server_config.json (other settings in it are kept).
# CostWidget settings must live in a main config file; jupyter_server_config.d/ drop-ins
# only enable extensions.
conf_dir=/home/ec2-user/.jupyter
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
chown -R ec2-user:ec2-user /home/ec2-user/.jupyter

# Restart Jupyter so it loads the extension (Amazon Linux 2: systemd; Amazon Linux 1: upstart).
if command -v systemctl >/dev/null 2>&1; then
  systemctl --no-block restart jupyter-server.service
else
  initctl restart jupyter-server --no-wait
fi
