"""The collector's rolling $/h history (history.json beside each region's snapshot), from
which a reader that just started draws its rate chart. Pure.

A point holds the $/h of each owner ("<domain>/<user profile>") and notebook instance
("notebook-instance/<name>"), so each reader picks its own series; points are kept at least
`step` seconds apart for `horizon` seconds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from jupyter_costwidget.aws.context import NOTEBOOK_INSTANCE, Context
from jupyter_costwidget.spend import resources as r


def owner_key(row: dict[str, Any]) -> str | None:
    if row["kind"] == r.NOTEBOOK_INSTANCE:
        return f"notebook-instance/{row['name']}"
    if row["owner"] and row["domain_id"]:
        return f"{row['domain_id']}/{row['owner']}"
    return None


def mine_key(ctx: Context) -> str:
    """The series of the user of `ctx` (what their `mine` sums, but for a shared space's
    app owned by somebody else)."""
    if ctx.environment == NOTEBOOK_INSTANCE:
        return f"notebook-instance/{ctx.app_name}"
    return f"{ctx.domain_id}/{ctx.user_profile}"


def history_point(t: str, rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """$/h by owner of this region's rows (other regions' rows count in no one's `mine`)."""
    sums: dict[str, float] = defaultdict(float)
    for row in rows:
        key = owner_key(row)
        if key is not None and "region" in row["scopes"] and row["per_hour"]:
            sums[key] += row["per_hour"]
    return {"t": t, "per_hour": {k: round(v, 9) for k, v in sorted(sums.items())}}


def _ts(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def add_point(
    points: list[dict[str, Any]], point: dict[str, Any], step: float, horizon: float
) -> bool:
    """Append `point` if the last one is at least `step` seconds older; drop points older
    than `horizon` seconds. True when the history changed."""
    now = _ts(point["t"])
    if points and now - _ts(points[-1]["t"]) < step:
        return False
    points.append(point)
    while points and now - _ts(points[0]["t"]) > horizon:
        points.pop(0)
    return True


def mine_series(points: Iterable[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """One reader's history points ({t, mine_per_hour}) from the collector's."""
    return [
        {"t": p["t"], "mine_per_hour": float((p.get("per_hour") or {}).get(key, 0.0))}
        for p in points
    ]
