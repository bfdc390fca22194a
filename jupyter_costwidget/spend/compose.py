"""One region's snapshot from what the inventories found: the same steps for a server that
scans itself and for the shared collector (which has no user: its context names only the
account and region). Pure apart from the inputs: no AWS, no clock of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from jupyter_costwidget.aws.context import Context
from jupyter_costwidget.aws.inventory import ScanResult
from jupyter_costwidget.spend.arithmetic import PriceLookup, Thresholds, compute_spend
from jupyter_costwidget.spend.other_regions import add_other_regions
from jupyter_costwidget.spend.tag_hygiene import apply_tag_hygiene
from jupyter_costwidget.stop.rules import mark_stoppable


def iso(now: datetime) -> str:
    return now.isoformat().replace("+00:00", "Z")


def compose_snapshot(
    ctx: Context,
    home: ScanResult,
    others: Mapping[str, ScanResult],
    lookup: PriceLookup,
    now: datetime,
    thresholds: Thresholds,
    required_tags: Sequence[str],
    allow_stop: str,
    extra_errors: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """A /spend snapshot without the fields that change between requests (age_seconds,
    stale, history, shared)."""
    region = ctx.region or ""
    spend = compute_spend(home.resources, ctx, region, lookup, now, thresholds)
    errors = list(ctx.errors) + list(home.errors)
    stale_sources = list(home.stale_sources)
    add_other_regions(
        spend,
        {name: scan.resources for name, scan in others.items()},
        region,
        lookup,
        now,
        thresholds,
    )
    for name, scan in others.items():
        errors += [{**e, "source": f"{name} {e['source']}"} for e in scan.errors]
        stale_sources += [f"{name} {source}" for source in scan.stale_sources]
    apply_tag_hygiene(spend, home.resources, required_tags)
    mark_stoppable(spend["resources"], allow_stop)
    errors += extra_errors
    return {
        "generated_at": iso(now),
        "currency": "USD",
        "context": ctx.public(),
        **spend,
        "errors": errors,
        "stale_sources": stale_sources,
        "scan": {"calls": home.calls, "seconds": round(home.seconds, 3)},
    }
