"""The JSON Schema (draft 2020-12) of the REST contract, generated from `models`.

`python -m jupyter_costwidget.api.schema` rewrites schema.json next to this file;
`--check` exits 1 when the committed file differs from what the models generate.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from jupyter_costwidget.api import models

SCHEMA_PATH = Path(__file__).resolve().parent / "schema.json"
SCHEMA_ID = "https://github.com/jupyter-costwidget/jupyter-costwidget/api/schema.json"


def build() -> dict[str, Any]:
    # Responses always carry every field; requests may leave out what has a default.
    pairs = [(model, "serialization") for model in models.RESPONSES]
    pairs += [(model, "validation") for model in models.REQUESTS]
    _, schema = models_json_schema(pairs, ref_template="#/$defs/{model}")
    defs = schema["$defs"]
    for definition in defs.values():
        # A field's title would become a type of its own in TypeScript; the field name says it.
        for prop in definition.get("properties", {}).values():
            prop.pop("title", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "CostWidgetApi",
        "description": "Requests and responses of the jupyter-costwidget server extension "
        "under {base_url}costwidget/api/.",
        "type": "object",
        "$defs": {name: defs[name] for name in sorted(defs)},
    }


def text() -> str:
    return json.dumps(build(), indent=2, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "--check" in args:
        if SCHEMA_PATH.read_text(encoding="utf-8") != text():
            print(f"{SCHEMA_PATH} is stale: run `make api`", file=sys.stderr)
            return 1
        return 0
    SCHEMA_PATH.write_text(text(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
