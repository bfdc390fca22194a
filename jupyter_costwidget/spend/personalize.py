"""The shared collector's snapshot, made for one user: the scopes `self`, `mine` and
`domain` of each row of this region from the reader's own context, who may stop what, and
the totals summed the way a server that scans itself sums them. Pure: no AWS, no clock.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from jupyter_costwidget.aws.context import Context
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
