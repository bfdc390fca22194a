#!/usr/bin/env bash
# Build the wheel, install it into a clean venv with no Node.js on PATH, and check that both
# halves of the extension are enabled and OK there (the prebuilt bundle needs no build step).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d -t costwidget-wheel-XXXXXX)"
trap 'rm -rf "$work"' EXIT
"$root/.venv/bin/python" -m pip wheel --no-deps -q -w "$work/dist" "$root"
wheel="$(ls "$work"/dist/jupyter_costwidget-*.whl)"
python3 - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
need = [
    "share/jupyter/labextensions/jupyter-costwidget/package.json",
    "share/jupyter/labextensions/jupyter-costwidget/install.json",
    "etc/jupyter/jupyter_server_config.d/jupyter_costwidget.json",
    "jupyter_costwidget/pricing/snapshot.json",
    "jupyter_costwidget/locale/ja_JP/LC_MESSAGES/jupyter_costwidget.json",
    "jupyter_costwidget/locale/ja_JP/LC_MESSAGES/jupyter_costwidget.mo",
]
missing = [n for n in need if not any(x.endswith(n) for x in names)]
assert not missing, f"wheel lacks {missing}"
assert any("labextensions/jupyter-costwidget/static/remoteEntry" in n for n in names), "no bundle"
entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
assert "[jupyterlab.locale]" in zipfile.ZipFile(sys.argv[1]).read(entry_points).decode(), (
    "no jupyterlab.locale entry point"
)
print("wheel contents OK:", len(names), "files")
PY
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q "$wheel" "jupyterlab>=4.4,<5"
# A PATH with the clean venv and the basic tools only: no node, no jlpm from the dev venv.
nodeless="$work/bin"; mkdir -p "$nodeless"
for tool in sh bash env python3; do ln -s "$(command -v $tool)" "$nodeless/$tool"; done
if PATH="$work/venv/bin:$nodeless" command -v node >/dev/null; then echo "node leaked onto PATH"; exit 1; fi
labext="$(PATH="$work/venv/bin:$nodeless" "$work/venv/bin/jupyter" labextension list 2>&1)"
serverext="$(PATH="$work/venv/bin:$nodeless" "$work/venv/bin/jupyter" server extension list 2>&1)"
echo "$labext" | grep -E "jupyter-costwidget v[0-9.]+ .*enabled.*OK" \
  || { echo "$labext"; echo "labextension not enabled/OK"; exit 1; }
echo "$serverext" | grep -A2 "jupyter_costwidget" | grep -q "OK" \
  || { echo "$serverext"; echo "server extension not OK"; exit 1; }
echo "$serverext" | grep -E "jupyter_costwidget .*enabled" \
  || { echo "$serverext"; echo "server extension not enabled"; exit 1; }
# %costs in Japanese from the installed wheel: the catalogue is found without the source tree.
said="$("$work/venv/bin/python" -c 'from jupyter_costwidget.i18n import say, translations; print(say(translations("ja"), "Stop when done: cancelled."))')"
[ "$said" = "完了後に停止: 取り消しました。" ] || { echo "catalogue not found in the wheel: $said"; exit 1; }
# The collector's Lambda handler imports from the wheel alone, without jupyter_server.
"$work/venv/bin/python" -c '
import sys
from jupyter_costwidget.collector.entry import handler, settings_from_env
assert "jupyter_server" not in sys.modules and "tornado" not in sys.modules, "the collector imports the server"
' || { echo "the collector does not import from the wheel"; exit 1; }
echo "wheel check: passed"
