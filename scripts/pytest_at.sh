#!/usr/bin/env bash
# Run the pytest suite with the system's wall clock starting at a chosen UTC moment:
#   scripts/pytest_at.sh "2026-12-31 23:50:00" [pytest args]
# Debian's faketime shifts the wall clock of every process the run starts (the server, the
# sandbox, kernels). See scripts/faketime/sitecustomize.py for the two settings it needs.
set -euo pipefail
moment="$1"
shift
cd "$(dirname "$0")/.."
if ! command -v faketime >/dev/null; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y faketime
fi
export TZ=UTC FAKETIME_DONT_FAKE_MONOTONIC=1
export PYTHONPATH="$PWD/scripts/faketime${PYTHONPATH:+:$PYTHONPATH}"
exec faketime "$moment" .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
