"""The shared collector's snapshot, made for one user: the scopes `self`, `mine` and
`domain` of each row of this region from the reader's own context, who may stop what, the
totals summed the way a server that scans itself sums them, and the stops this reader sent
since the collector's last run. Pure: no AWS, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

from jupyter_costwidget.aws.context import Context
from jupyter_costwidget.i18n import Text
from jupyter_costwidget.spend.arithmetic import scope_totals, scopes_of
from jupyter_costwidget.stop.rules import mark_stoppable

# The row fields that say whose a resource is (arithmetic.scopes_of reads them).
OWNERSHIP_FIELDS = ("kind", "name", "domain_id", "owner", "space", "user_profile", "app_type")


def row_scopes(row: dict[str, Any], ctx: Context) -> list[str]:
    """The scopes of a row for the user of `ctx`. Rows of other regions count in `account`
    only, whoever reads them."""
    if "region" not in row["scopes"]:
        return list(row["scopes"])
    return scopes_of(SimpleNamespace(**{k: row.get(k) for k in OWNERSHIP_FIELDS}), ctx)


def personalize(
    rows: list[dict[str, Any]], ctx: Context, allow_stop: str
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """(rows with this user's scopes and stop rights, the totals of every scope)."""
    mine = [{**row, "scopes": row_scopes(row, ctx)} for row in rows]
    mark_stoppable(mine, allow_stop)
    return mine, scope_totals(mine)


@dataclass(frozen=True)
class StopSent:
    """A stop this reader made: when (epoch seconds) and the status it puts the resource in."""

    at: float
    status: str


def mark_stops_sent(
    rows: list[dict[str, Any]], sent: dict[str, StopSent], snapshot_ts: float
) -> dict[str, StopSent]:
    """Rows this reader stopped after the collector's snapshot was made get the status the stop
    put them in and no Stop button; their rate stays, as they bill until AWS has stopped them.
    Returns the stops the snapshot does not show yet (a newer snapshot has seen the rest)."""
    pending = {rid: stop for rid, stop in sent.items() if stop.at > snapshot_ts}
    for row in rows:
        stop = pending.get(row["id"])
        if stop is None:
            continue
        row["status"] = stop.status
        row["stoppable"] = False
        row["stop_refused_reason"] = Text(
            "A stop was sent at {time} UTC; the shared snapshot shows it from the "
            "collector's next run.",
            time=datetime.fromtimestamp(stop.at, timezone.utc).strftime("%H:%M:%S"),
        )
    return pending
