"""The file the collector writes and readers read: a SpendSnapshot (the API contract) in an
envelope saying who made it and how often, plus the warnings' message templates so a reader
can say them in its user's language (api/models.py `SharedSnapshot`).
"""

from __future__ import annotations

from typing import Any

from jupyter_costwidget.i18n import Text

FORMAT = 1


def text_to_json(value: Any) -> Any:
    """A `Text` as {msgid, values} (values may be Text themselves); None for anything else."""
    if not isinstance(value, Text):
        return None
    values = {k: text_to_json(v) if isinstance(v, Text) else v for k, v in value.values.items()}
    return {"msgid": value.msgid, "values": values}


def text_from_json(data: Any) -> Text | None:
    """The `Text` that `text_to_json` wrote; None for anything else."""
    if not isinstance(data, dict) or not isinstance(data.get("msgid"), str):
        return None
    values = data.get("values")
    if not isinstance(values, dict):
        return None
    try:
        return Text(
            data["msgid"],
            **{k: text_from_json(v) if isinstance(v, dict) else v for k, v in values.items()},
        )
    except (KeyError, IndexError, ValueError):  # a template that does not fit its values
        return None


def envelope(
    snapshot: dict[str, Any],
    account: str,
    region: str,
    period_seconds: float,
    version: str,
    names: dict[str, Any],
) -> dict[str, Any]:
    """The shared file of one region's snapshot (still holding `Text` messages)."""
    return {
        "format": FORMAT,
        "account": account,
        "region": region,
        "period_seconds": period_seconds,
        "collector_version": version,
        "snapshot": snapshot,
        "messages": [text_to_json(w["message"]) for w in snapshot["warnings"]],
        "names": names,
    }


def restore_messages(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The snapshot's warnings with their messages as `Text` again (English when unknown)."""
    warnings = list(document["snapshot"].get("warnings") or [])
    templates = document.get("messages") or []
    out = []
    for i, warning in enumerate(warnings):
        said = text_from_json(templates[i]) if i < len(templates) else None
        out.append({**warning, "message": said} if said is not None else dict(warning))
    return out
