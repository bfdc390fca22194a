"""What one `%%costs` cell cost: its wall time on this app's instance, and the resources it
started or stopped (the difference between the snapshots before and after it). Pure.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from gettext import NullTranslations
from typing import Any

from jupyter_costwidget.i18n import ENGLISH, Text, say, translate
from jupyter_costwidget.magics.view import duration, instance_label, parse_time, resource_label, usd

SELF_KINDS = ("app", "notebook-instance")
NOT_BILLING = ("Stopping", "Stopped", "Deleting", "Deleted", "Failed", "Completed")
# Clocks of AWS (or the sandbox) and of the kernel differ a little.
CLOCK_SLACK = timedelta(seconds=2)


def self_resource(snapshot: dict[str, Any] | None) -> dict[str, Any] | None:
    """This app (or notebook instance) in a /spend snapshot."""
    for r in (snapshot or {}).get("resources") or []:
        if "self" in (r.get("scopes") or []) and r.get("kind") in SELF_KINDS:
            return r
    return None


def compute_rate(resource: dict[str, Any] | None) -> float | None:
    """USD per hour of the instance alone (not its storage); None if unknown."""
    if resource is None:
        return None
    parts = resource.get("price_parts") or []
    compute = [p for p in parts if p.get("kind", "compute") == "compute"]
    if compute:
        if any(p.get("usd_per_hour") is None for p in compute):
            return None
        return float(sum(p["usd_per_hour"] for p in compute))
    per_hour = resource.get("per_hour")
    return float(per_hour) if per_hour is not None else None


def _billing(resource: dict[str, Any]) -> bool:
    return resource.get("status") not in NOT_BILLING


def _entry(resource: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": resource.get("id"),
        "kind": resource.get("kind"),
        "name": resource.get("name"),
        "label": resource_label(resource),
        "instance": instance_label(resource),
        "status": resource.get("status"),
        "per_hour": resource.get("per_hour"),
        "started_at": resource.get("started_at"),
    }


def cell_report(
    seconds: float,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    cell_started: datetime,
) -> dict[str, Any]:
    """The cell's cost and the billable resources that appeared or went away around it."""
    known = after or before or {}
    context = known.get("context") or {}
    me = self_resource(before) or self_resource(after)
    rate = compute_rate(me)
    report: dict[str, Any] = {
        "seconds": seconds,
        "environment": context.get("environment"),
        "instance_type": (me or {}).get("instance_type") or context.get("instance_type"),
        "usd_per_hour": rate,
        "cost": None if rate is None else rate * seconds / 3600.0,
        "started": [],
        "appeared": [],
        "stopped": [],
        "source": known.get("source"),
    }
    if before is None or after is None:
        report["diff"] = False
        return report
    report["diff"] = True
    old = {r.get("id"): r for r in before.get("resources") or [] if _billing(r)}
    new = {r.get("id"): r for r in after.get("resources") or [] if _billing(r)}
    for rid, r in new.items():
        if rid in old:
            continue
        started_at = parse_time(r.get("started_at"))
        if started_at is None or started_at >= cell_started - CLOCK_SLACK:
            report["started"].append(_entry(r))
        else:  # billing before the cell; the earlier snapshot had not seen it yet
            report["appeared"].append(_entry(r))
    report["stopped"] = [_entry(r) for rid, r in old.items() if rid not in new]
    mine_before = ((before.get("totals") or {}).get("mine") or {}).get("per_hour")
    mine_after = ((after.get("totals") or {}).get("mine") or {}).get("per_hour")
    report["mine_per_hour"] = {"before": mine_before, "after": mine_after}
    return report


def render_cell_text(report: dict[str, Any], said: NullTranslations = ENGLISH) -> str:
    took = duration(report["seconds"], said)
    instance = report.get("instance_type")
    if report.get("environment") == "local" and not instance:
        lines = [say(said, "{took} (not on SageMaker: no instance cost)", took=took)]
    elif not instance:
        lines = [
            say(said, "{took} (this app's instance type is unknown, so is its cost)", took=took)
        ]
    elif report.get("usd_per_hour") is None:
        lines = [
            say(said, "{took} on {instance} (no known price for it)", took=took, instance=instance)
        ]
    else:
        lines = [
            say(
                said,
                "{took} on {instance} ≈ {cost} (at {rate}/hour)",
                took=took,
                instance=instance,
                cost=usd(report["cost"], said),
                rate=usd(report["usd_per_hour"], said),
            )
        ]
    titles = {
        "started": Text("Started during this cell"),
        "stopped": Text("Stopped during this cell"),
        "appeared": Text("Running since before this cell (not in the previous scan)"),
    }
    for key, title in titles.items():
        for e in report.get(key) or []:
            if e["per_hour"] is None:
                rate = say(said, "price unknown")
            elif key == "stopped":
                rate = say(said, "was {rate}/hour", rate=usd(e["per_hour"], said))
            else:
                rate = say(said, "{rate}/hour", rate=usd(e["per_hour"], said))
            lines.append(
                f"{translate(title, said)}: {e['kind']} {e['label']} ({e['instance']}): {rate}"
            )
    mine = report.get("mine_per_hour") or {}
    if (report.get("started") or report.get("stopped")) and mine.get("before") != mine.get("after"):
        lines.append(
            say(
                said,
                "Your hourly rate went from {before} to {after}.",
                before=usd(mine.get("before"), said),
                after=usd(mine.get("after"), said),
            )
        )
    return "\n".join(lines)
