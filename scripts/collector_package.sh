#!/usr/bin/env bash
# The shared collector's Lambda package: this project's wheel and what the collector imports
# (boto3 too: the runtime's copy may predate the SageMaker operations it lists), for the
# template's runtime, Python 3.12 on x86_64. Writes build/collector/jupyter-costwidget-collector.zip.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/build/collector"
out="$(mktemp -d -t costwidget-collector-XXXXXX)"
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/wheel" "$out/package" "$dest"
"$root/.venv/bin/python" -m pip wheel --no-deps -q -w "$out/wheel" "$root"
"$root/.venv/bin/python" -m pip install -q --no-deps --target "$out/package" "$out"/wheel/*.whl
"$root/.venv/bin/python" -m pip install -q --target "$out/package" \
  --platform manylinux2014_x86_64 --python-version 3.12 --implementation cp \
  --only-binary=:all: "boto3>=1.35" "pydantic>=2.7,<3" "traitlets>=5.9"
# The front-end and the translations' JSON are the server's, not the collector's.
rm -rf "$out/package/share" "$out/package/jupyter_costwidget/labextension" "$out/package/etc" \
  "$out/package/bin"
rm -f "$dest/jupyter-costwidget-collector.zip"
(cd "$out/package" && python3 -m zipfile -c "$dest/jupyter-costwidget-collector.zip" .)
python3 - "$dest/jupyter-costwidget-collector.zip" <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
for need in ("jupyter_costwidget/collector/__init__.py", "jupyter_costwidget/pricing/snapshot.json",
             "pydantic/__init__.py", "traitlets/__init__.py", "boto3/__init__.py"):
    assert any(n.endswith(need) for n in names), need
print(f"{sys.argv[1]}: {len(names)} files")
PY
