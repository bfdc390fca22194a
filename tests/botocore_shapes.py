"""Check a response against botocore's own service model (the truth for AWS's shapes).

`conformance_errors(value, shape)` walks a response and botocore's output shape together and
lists every difference: a member the model does not have, a required member missing, a value
of the wrong type, an enum value the model does not know. For JSON protocols the *raw* body
is checked (botocore's parser would drop unknown members silently); `RawBodies` captures it
from a boto3 client.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.model import Shape


def conformance_errors(value: Any, shape: Shape | None, path: str = "$") -> list[str]:
    if shape is None:
        return [] if value in (None, {}) else [f"{path}: body where the model has no output"]
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: {type(value).__name__}, expected an object ({shape.name})"]
        errors = [
            f"{path}.{k}: not in botocore's {shape.name}" for k in value if k not in shape.members
        ]
        errors += [
            f"{path}.{k}: required by {shape.name}, missing"
            for k in shape.required_members
            if k not in value
        ]
        for key, member in shape.members.items():
            if key in value and value[key] is not None:
                errors += conformance_errors(value[key], member, f"{path}.{key}")
        return errors
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: {type(value).__name__}, expected a list"]
        out: list[str] = []
        for i, item in enumerate(value):
            out += conformance_errors(item, shape.member, f"{path}[{i}]")
        return out
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: {type(value).__name__}, expected a map"]
        out = []
        for key, item in value.items():
            out += conformance_errors(key, shape.key, f"{path}<key>")
            out += conformance_errors(item, shape.value, f"{path}[{key}]")
        return out
    if kind == "string":
        if not isinstance(value, str):
            return [f"{path}: {type(value).__name__}, expected a string"]
        enum = shape.enum
        if enum and value not in enum:
            return [f"{path}: {value!r} is not one of botocore's {shape.name} values"]
        return []
    if kind in ("integer", "long"):
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{path}: {value!r} is not an integer"]
    if kind in ("float", "double"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return [] if ok else [f"{path}: {value!r} is not a number"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{path}: {value!r} is not a boolean"]
    if kind == "timestamp":
        # JSON protocols send epoch seconds; the parsed form is a datetime.
        ok = (isinstance(value, int | float) and not isinstance(value, bool)) or hasattr(
            value, "isoformat"
        )
        return [] if ok else [f"{path}: {value!r} is not a timestamp"]
    if kind == "blob":
        return [] if isinstance(value, str | bytes) else [f"{path}: {value!r} is not a blob"]
    return [f"{path}: unknown shape type {kind}"]


class RawBodies:
    """The raw body of each response a boto3 client receives, by operation name."""

    def __init__(self, client: Any) -> None:
        self.bodies: dict[str, list[bytes]] = {}
        self.statuses: dict[str, list[int]] = {}
        client.meta.events.register("before-parse", self._record)

    def _record(self, operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        self.bodies.setdefault(operation_model.name, []).append(response_dict.get("body") or b"")
        self.statuses.setdefault(operation_model.name, []).append(
            int(response_dict.get("status_code") or 0)
        )

    def json(self, operation: str) -> list[Any]:
        return [json.loads(body or b"{}") for body in self.bodies.get(operation, [])]
