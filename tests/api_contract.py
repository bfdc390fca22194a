"""Checks answers of costwidget/api/ against jupyter_costwidget/api/schema.json.

`tests/conftest.py` wraps `jp_fetch` with `check_response`, so every answer a test gets from
the API, in every test, is validated against the committed schema.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from jupyter_costwidget.api.schema import SCHEMA_PATH

# (path below costwidget/api/, HTTP method) -> the schema's definition of the answer.
ANSWERS: dict[tuple[str, str], str] = {
    ("spend", "GET"): "SpendSnapshot",
    ("status", "GET"): "Status",
    ("idle", "GET"): "IdleStatus",
    ("idle", "PUT"): "IdleStatus",
    ("idle/keepalive", "POST"): "IdleStatus",
    ("idle/stop-when-done", "POST"): "IdleStatus",
    ("idle/activity", "POST"): "ActivityResult",
    ("idle/saved", "POST"): "SavedResult",
    ("billing", "GET"): "Billing",
    ("resources/stop", "POST"): "StopResult",
    ("version", "GET"): "Version",
}
checked: dict[str, int] = {}


@cache
def validator(definition: str) -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft202012Validator({"$ref": f"#/$defs/{definition}", "$defs": schema["$defs"]})


def api_path(parts: tuple[str, ...]) -> str | None:
    joined = "/".join(p.strip("/") for p in parts)
    prefix = "costwidget/api/"
    return joined[len(prefix) :] if joined.startswith(prefix) else None


def check(definition: str, body: Any) -> None:
    errors = sorted(validator(definition).iter_errors(body), key=lambda e: list(e.path))
    if errors:
        where = "; ".join(f"{'/'.join(map(str, e.path)) or '(top)'}: {e.message}" for e in errors)
        raise AssertionError(f"answer breaks the schema's {definition}: {where[:2000]}")
    checked[definition] = checked.get(definition, 0) + 1


def check_response(parts: tuple[str, ...], method: str, code: int, body: bytes) -> None:
    path = api_path(parts)
    if path is None or not body:
        return
    data = json.loads(body)
    if code >= 400:
        check("ApiError", data)
        return
    definition = ANSWERS.get((path, method.upper()))
    if definition is None:
        raise AssertionError(f"no schema definition for {method} costwidget/api/{path}")
    check(definition, data)
