"""The account's other regions in a /spend snapshot. Pure: no AWS here.

Their resources are priced at their own region's prices, count in scope `account` only (the
meter and the other scopes stay about this region), and each region that bills gets one
`other-region` warning naming it and its $/h: a Canvas app left running in another region
is the surprise bill this exists for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from jupyter_costwidget.i18n import Text
from jupyter_costwidget.spend import resources as r
from jupyter_costwidget.spend.arithmetic import (
    PriceLookup,
    Thresholds,
    dollars,
    hours_between,
    price_resource,
    resource_row,
    resource_warnings,
    scope_totals,
)

CODE = "other-region"
# The names an other-region warning lists before "and N more".
NAMED = 3


def add_other_regions(
    spend: dict[str, Any],
    others: Mapping[str, Iterable[r.Resource]],
    home_region: str,
    lookup: PriceLookup,
    now: datetime,
    thresholds: Thresholds,
) -> None:
    """Add the rows, warnings and `account` totals of other regions to a compute_spend()
    result, in place."""
    for region, resources in sorted(others.items()):
        if region == home_region:
            continue
        rows = []
        for res in resources:
            priced = price_resource(res, region, lookup)
            per_hour = priced["per_hour"]
            accrued = None if per_hour is None else per_hour * hours_between(res.started_at, now)
            res_warnings = resource_warnings(res, priced, accrued, now, thresholds)
            spend["warnings"] += res_warnings
            rows.append(resource_row(res, priced, accrued, ["account"], res_warnings, region))
        if not rows:
            continue
        known = [row["per_hour"] for row in rows if row["per_hour"] is not None]
        unpriced = sum(1 for row in rows if not row["price_known"])
        spend["resources"] += rows
        # Named: what bills something or an unknown amount (an empty file system bills $0).
        billing = [row for row in rows if row["per_hour"] != 0]
        if billing:
            spend["warnings"].append(_warning(region, home_region, billing, sum(known), unpriced))
    spend["resources"].sort(key=lambda row: (-(row["per_hour"] or 0.0), row["id"]))
    spend["totals"] = scope_totals(spend["resources"])


def _warning(
    region: str, home: str, rows: list[dict[str, Any]], per_hour: float, unpriced: int
) -> dict[str, Any]:
    if unpriced == len(rows):
        rate = Text("an unknown amount per hour")
    elif unpriced:
        rate = Text("at least ${amount}/h", amount=dollars(per_hour))
    else:
        rate = Text("${amount}/h", amount=dollars(per_hour))
    ordered = sorted(rows, key=lambda row: (-(row["per_hour"] or 0.0), row["id"]))
    names = ", ".join(row["name"] for row in ordered[:NAMED])
    if len(rows) > NAMED:
        names = Text("{names} and {n} more", names=names, n=len(rows) - NAMED)
    if len(rows) == 1:
        message = Text(
            "{names} bills {rate} in {region}, outside this region ({home}).",
            names=names,
            rate=rate,
            region=region,
            home=home or "?",
        )
    else:
        message = Text(
            "{n} resources bill {rate} in {region}, outside this region ({home}): {names}.",
            n=len(rows),
            rate=rate,
            region=region,
            home=home or "?",
            names=names,
        )
    return {
        "code": CODE,
        "severity": "critical",
        "message": message,
        "resource_id": None,
        "region": region,
    }
