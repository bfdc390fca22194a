"""What the collector announces on its SNS topic, and when. Pure: the state (notices.json
beside the snapshots) goes in and comes out.

- Once a UTC day, at the first run at or after `daily_hour`: yesterday's billed spend, the
  month against the budgets, and what bills now.
- Once per new warning that something may be forgotten (every critical warning, and storage
  whose domain is gone): a warning is announced when it first appears, never again while it
  lasts; one that goes away and comes back (a Canvas app opened again) is new.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jupyter_costwidget.spend.arithmetic import dollars

# Warnings announced besides every critical one.
ANNOUNCED_CODES = ("storage-orphaned",)
# The rows a daily notice names.
DAILY_TOP = 5


@dataclass(frozen=True)
class Notice:
    subject: str  # at most 100 characters (Amazon SNS API Reference, Publish, Subject)
    message: str


def announced(warning: Mapping[str, Any]) -> bool:
    return warning.get("severity") == "critical" or warning.get("code") in ANNOUNCED_CODES


def warning_key(region: str, warning: Mapping[str, Any]) -> str:
    return f"{region}/{warning['code']}/{warning['resource_id']}"


def current_warnings(snapshots: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The announced warnings of each region's own resources, by key. A region's snapshot
    also holds the other regions' rows and their `other-region` warning; they are announced
    in their own region, which the collector scans too."""
    out: dict[str, dict[str, Any]] = {}
    for region, snapshot in sorted(snapshots.items()):
        own = {row["id"] for row in snapshot["resources"] if "region" in row["scopes"]}
        for warning in snapshot["warnings"]:
            if announced(warning) and warning["resource_id"] in own:
                out[warning_key(region, warning)] = {**warning, "region": region}
    return out


def decide(
    state: Mapping[str, Any],
    snapshots: Mapping[str, Mapping[str, Any]],
    billing: Mapping[str, Any] | None,
    account: str,
    now: datetime,
    daily_hour: int,
) -> tuple[list[Notice], dict[str, Any]]:
    """The notices to publish now and the state to keep."""
    notices: list[Notice] = []
    current = current_warnings(snapshots)
    seen = set(state.get("announced") or [])
    new = [warning for key, warning in current.items() if key not in seen]
    if new:
        notices.append(warnings_notice(account, new))
    today = now.date().isoformat()
    daily = state.get("daily")
    if daily != today and now.hour >= daily_hour:
        notices.append(daily_notice(account, snapshots, billing, now))
        daily = today
    return notices, {"announced": sorted(current), "daily": daily}


def warnings_notice(account: str, new: Iterable[Mapping[str, Any]]) -> Notice:
    items = list(new)
    count = len(items)
    what = "1 new thing" if count == 1 else f"{count} new things"
    lines = [f"- [{w['region']}] {w['message']}" for w in items]
    lines.append("")
    lines.append("Stop what nobody uses from JupyterLab's cost panel or the SageMaker console.")
    return Notice(f"SageMaker {account}: {what} may bill unnoticed", "\n".join(lines))


def daily_notice(
    account: str,
    snapshots: Mapping[str, Mapping[str, Any]],
    billing: Mapping[str, Any] | None,
    now: datetime,
) -> Notice:
    lines = [f"SageMaker spend of account {account} on {now.date().isoformat()} (UTC)."]
    lines += ["", *_billed_lines(billing)]
    lines += ["", *_running_lines(snapshots)]
    return Notice(f"SageMaker {account}: daily spend", "\n".join(lines))


def _billed_lines(billing: Mapping[str, Any] | None) -> list[str]:
    if billing is None or not billing["enabled"]:
        return ["Billed spend: not collected (c.CostWidget.billing_enabled is off)."]
    lines = []
    yesterday = billing["yesterday"]
    month = billing["month_to_date"]
    forecast = billing["forecast"]
    lines.append(
        f"Yesterday: ${dollars(yesterday)}" if yesterday is not None else "Yesterday: unknown"
    )
    month_line = (
        f"This month so far: ${dollars(month)}" if month is not None else "This month: unknown"
    )
    if forecast is not None:
        month_line += f" (forecast ${dollars(forecast)})"
    lines.append(month_line)
    for budget in billing.get("budgets") or []:
        limit, actual = budget.get("limit"), budget.get("actual")
        if limit is None or actual is None:
            continue
        percent = budget.get("percent_actual")
        share = f" ({percent:.0f} %)" if percent is not None else ""
        lines.append(f"Budget {budget.get('name')}: ${dollars(actual)} of ${dollars(limit)}{share}")
    for error in billing.get("errors") or []:
        lines.append(f"Not known: {error.get('source')}: {error.get('message')}")
    return lines


def _running_lines(snapshots: Mapping[str, Mapping[str, Any]]) -> list[str]:
    rows = [
        (region, row)
        for region, snapshot in sorted(snapshots.items())
        for row in snapshot["resources"]
        if "region" in row["scopes"] and row["per_hour"] != 0
    ]
    known = sum(row["per_hour"] for _, row in rows if row["per_hour"] is not None)
    unknown = any(not row["price_known"] for _, row in rows)
    rate = f"at least ${dollars(known)}/h" if unknown else f"${dollars(known)}/h"
    lines = [f"Billing now: {len(rows)} resources, {rate}."]
    rows.sort(key=lambda item: (-(item[1]["per_hour"] or 0.0), item[1]["id"]))
    for region, row in rows[:DAILY_TOP]:
        price = "unknown $/h" if row["per_hour"] is None else f"${dollars(row['per_hour'])}/h"
        owner = f", {row['owner']}" if row["owner"] else ""
        lines.append(f"- [{region}] {row['kind']} {row['name']}{owner}: {price}")
    if len(rows) > DAILY_TOP:
        lines.append(f"- and {len(rows) - DAILY_TOP} more")
    return lines
