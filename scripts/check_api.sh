#!/usr/bin/env bash
# The API contract's generated files are what the models generate now: schema.json from
# jupyter_costwidget/api/models.py, labextension/src/api/types.ts from schema.json.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m jupyter_costwidget.api.schema --check
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp labextension/src/api/types.ts "$tmp/committed.ts"
jlpm api:types > /dev/null
if ! cmp -s labextension/src/api/types.ts "$tmp/committed.ts"; then
  cp "$tmp/committed.ts" labextension/src/api/types.ts
  echo "labextension/src/api/types.ts is stale: run \`make api\`" >&2
  exit 1
fi
