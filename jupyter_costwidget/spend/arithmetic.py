"""Pure spend arithmetic: prices x quantities, scopes, totals and warnings. No AWS here.

`accrued` is what a resource has cost since it started, at today's price and today's size
(an endpoint's instance count may have changed; the bill is the authority).
A price nobody knows stays None and is counted as `unpriced`, never as $0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jupyter_costwidget.api.models import SCOPES
from jupyter_costwidget.aws.context import NOTEBOOK_INSTANCE, Context
from jupyter_costwidget.i18n import Text
from jupyter_costwidget.pricing import Price
from jupyter_costwidget.spend import resources as r

GPU_PREFIXES = ("ml.g", "ml.p", "ml.inf", "ml.trn")
# Row fields of the hourly services (aws/hourly_services.py).
HOURLY_FACTS = ("size", "tier", "instance_groups")
# (region, component, instance_type) -> the price, or None when unknown
PriceLookup = Callable[[str, str, str], "Price | None"]


@dataclass(frozen=True)
class Thresholds:
    idle_endpoint_hours: float = 24.0
    long_running_hours: float = 12.0


def is_gpu(instance_type: str | None) -> bool:
    return bool(instance_type) and instance_type.startswith(GPU_PREFIXES)  # type: ignore[union-attr]


def hours_between(start: datetime | None, now: datetime) -> float:
    if start is None:
        return 0.0
    return max(0.0, (now - start).total_seconds() / 3600.0)


def dollars(amount: float) -> str:
    """1,234.50: an amount in a sentence, to the cent."""
    return f"{amount:,.2f}"


def format_hours(hours: float) -> Text:
    if hours < 1:
        return Text("{n} min", n=round(hours * 60))
    if hours < 48:
        shown = f"{hours:.1f}"
        return Text("{n} h", n=shown)
    shown = f"{hours / 24:.1f}"
    return Text("{n} days", n=shown)


def price_resource(res: r.Resource, region: str, lookup: PriceLookup) -> dict[str, Any]:
    """per_hour of one resource from its usages.

    The compute part decides: unknown compute price -> per_hour None. A missing storage price
    leaves per_hour as the compute part (a lower bound) with price_known False.
    """
    parts: list[dict[str, Any]] = []
    per_hour: float | None = 0.0
    known = True
    estimate = False
    notes: list[str] = list(res.facts.get("notes", []))
    for usage in res.usages:
        part: dict[str, Any] = {
            "component": usage.component,
            "instance_type": usage.instance_type,
            "quantity": usage.quantity,
            "kind": usage.kind,
        }
        if usage.note:
            notes.append(usage.note)
        if usage.component is None:  # free
            part["usd_per_hour"] = 0.0
            parts.append(part)
            continue
        price = _safe_lookup(lookup, region, usage.component, usage.instance_type)
        if price is None and usage.fallback:
            price = _safe_lookup(lookup, region, usage.fallback, usage.instance_type)
            if price is not None:
                estimate = True
                part["priced_as"] = usage.fallback
                notes.append(
                    f"No {usage.component} price for {usage.instance_type} here: estimated at "
                    f"the {usage.fallback} price of the same instance type."
                )
        if price is None or usage.kind == r.SERVERLESS:
            if price is not None:
                # Serverless bills per second of inference; idle costs nothing. Show the rate.
                part["rate_per_compute_hour"] = price.usd_per_hour
            part["usd_per_hour"] = None
            known = False
            if usage.kind in (r.COMPUTE, r.SERVERLESS) or len(res.usages) == 1:
                per_hour = None
            parts.append(part)
            continue
        estimate = estimate or price.estimate
        if price.source == "derived":
            rule = price.note[price.note.find("Derived:") :]
            if rule not in notes:
                notes.append(rule)
        part["usd_per_hour"] = price.usd_per_hour * usage.quantity
        part["unit_price"] = price.usd_per_unit
        part["unit"] = price.unit
        part["price_source"] = price.source
        part["price_date"] = price.source_date
        if per_hour is not None:
            per_hour += part["usd_per_hour"]
        parts.append(part)
    if not res.usages:
        per_hour, known = None, False
    return {
        "per_hour": per_hour,
        "price_known": known,
        "price_estimate": estimate,
        "parts": parts,
        "notes": notes,
    }


def _safe_lookup(
    lookup: PriceLookup, region: str, component: str, instance_type: str
) -> Price | None:
    # An unknown region or component is an unknown price, not a failed scan.
    try:
        return lookup(region, component, instance_type)
    except (ValueError, KeyError):
        return None


def scopes_of(res: r.Resource | Any, ctx: Context) -> list[str]:
    """The scopes a resource counts in for the user of `ctx` (a Resource, or anything with
    its kind, name, domain_id, owner, space, user_profile and app_type)."""
    scopes = []
    if _is_self(res, ctx):
        scopes.append("self")
    if "self" in scopes or (
        ctx.user_profile and res.owner == ctx.user_profile and res.domain_id == ctx.domain_id
    ):
        scopes.append("mine")
    if ctx.domain_id and res.domain_id == ctx.domain_id:
        scopes.append("domain")
    scopes += ["region", "account"]
    return scopes


def _is_self(res: r.Resource | Any, ctx: Context) -> bool:
    if ctx.environment == NOTEBOOK_INSTANCE:
        return res.kind == r.NOTEBOOK_INSTANCE and res.name == ctx.app_name
    if res.kind != r.APP or not ctx.domain_id or res.domain_id != ctx.domain_id:
        return False
    if res.app_type != ctx.app_type or res.name != ctx.app_name:
        return False
    if ctx.space:
        return res.space == ctx.space
    return res.user_profile == ctx.user_profile and not res.space


def scope_totals(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each scope's $/h, cost so far and count of resources without a full price, summed
    from the rows in their order (a server that scans and a reader of the shared snapshot
    add the same numbers in the same order, so their totals are equal to the last digit)."""
    totals: dict[str, dict[str, Any]] = {
        scope: {"per_hour": 0.0, "accrued": 0.0, "unpriced": 0} for scope in SCOPES
    }
    for row in rows:
        for scope in row["scopes"]:
            sums = totals[scope]
            if row["per_hour"] is not None:
                sums["per_hour"] += row["per_hour"]
                sums["accrued"] += row["accrued"] or 0.0
            if not row["price_known"]:
                sums["unpriced"] += 1
    for sums in totals.values():
        sums["per_hour"] = _round(sums["per_hour"])
        sums["accrued"] = _round(sums["accrued"])
    return totals


def resource_warnings(
    res: r.Resource, priced: dict[str, Any], accrued: float | None, now: datetime, th: Thresholds
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    age = hours_between(res.started_at, now)

    def add(code: str, severity: str, message: Text) -> None:
        out.append({"code": code, "severity": severity, "message": message, "resource_id": res.id})

    if res.kind == r.APP and res.app_type == "Canvas" and res.status == "InService":
        cost = (
            Text("about ${amount} so far", amount=dollars(accrued))
            if accrued is not None
            else Text("an unknown amount so far")
        )
        rate = (
            Text("${amount}/h", amount=dollars(priced["per_hour"]))
            if priced["per_hour"] is not None
            else Text("by the hour")
        )
        add(
            "canvas-running",
            "critical",
            Text(
                "Canvas of {owner} has been running for {age} ({cost}). Canvas bills {rate} "
                "until its owner logs out or an admin deletes the app.",
                owner=res.owner or Text("an unknown user"),
                age=format_hours(age),
                cost=cost,
                rate=rate,
            ),
        )
    if (
        res.kind == r.ENDPOINT
        and not res.facts.get("serverless_only")
        and res.status == "InService"
    ):
        invocations = res.facts.get("invocations")
        if invocations == 0 and age >= th.idle_endpoint_hours:
            hours = f"{th.idle_endpoint_hours:g}"
            add(
                "endpoint-idle",
                "critical",
                Text(
                    "Endpoint {name} had no invocations in the last {hours} h but keeps billing "
                    "for its instances. Delete it if nobody uses it.",
                    name=res.name,
                    hours=hours,
                ),
            )
    if res.kind == r.TRAINING_WARM_POOL and res.status == "Available":
        # Nothing runs on a warm pool until a new job reuses it; it bills all the same.
        keep = res.facts.get("keep_alive_seconds")
        values = {
            "name": res.name,
            "count": res.count or "?",
            "instance": res.instance_type or Text("unknown"),
            "age": format_hours(age),
        }
        if isinstance(keep, int | float):
            remaining = max(0.0, keep / 3600 - age)
            message = Text(
                "The warm pool of training job {name} has kept {count} x {instance} for {age} "
                "with no job on it. It is kept for another {left} unless stopped. Stop it if no "
                "job will reuse it.",
                left=format_hours(remaining),
                **values,
            )
        else:
            message = Text(
                "The warm pool of training job {name} has kept {count} x {instance} for {age} "
                "with no job on it. Stop it if no job will reuse it.",
                **values,
            )
        add("warm-pool-idle", "warning", message)
    if res.kind == r.EFS and res.facts.get("orphaned"):
        add(
            "storage-orphaned",
            "warning",
            Text(
                "EFS file system {name} belonged to domain {domain}, which no longer exists; it "
                "still bills for its storage.",
                name=res.name,
                domain=res.domain_id,
            ),
        )
    if (
        res.kind in (r.APP, r.NOTEBOOK_INSTANCE)
        and res.status == "InService"
        and is_gpu(res.instance_type)
        and age > th.long_running_hours
    ):
        add(
            "long-running",
            "critical",
            Text(
                "{name} has been running on GPU instance {instance} for {age}. Stop it when you "
                "are done.",
                name=res.name,
                instance=res.instance_type,
                age=format_hours(age),
            ),
        )
    if res.kind == r.HYPERPOD_CLUSTER and res.status == "InService" and age > th.long_running_hours:
        add(
            "long-running",
            "critical",
            Text(
                "HyperPod cluster {name} has kept {count} instances ({instance}) for {age}. "
                "They bill until the cluster is deleted, whether or not jobs run.",
                name=res.name,
                count=res.count or 0,
                instance=res.instance_type or Text("unknown"),
                age=format_hours(age),
            ),
        )
    if not priced["price_known"]:
        if res.facts.get("serverless_only"):
            message = Text(
                "Endpoint {name} is serverless: it bills per second of inference, so there is "
                "no hourly price.",
                name=res.name,
            )
        else:
            missing = sorted(
                {
                    f"{p['component']} {p['instance_type']}".strip()
                    for p in priced["parts"]
                    if p["usd_per_hour"] is None
                }
            )
            message = Text(
                "No price known for {missing} in this region ({name}).",
                missing=", ".join(missing) or res.name,
                name=res.name,
            )
        add("price-unknown", "info", message)
    return out


def compute_spend(
    resources: Iterable[r.Resource],
    ctx: Context,
    region: str,
    lookup: PriceLookup,
    now: datetime,
    thresholds: Thresholds = Thresholds(),
) -> dict[str, Any]:
    """totals, resources and warnings of a /spend snapshot."""
    rows: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    for res in resources:
        priced = price_resource(res, region, lookup)
        per_hour = priced["per_hour"]
        accrued = None if per_hour is None else per_hour * hours_between(res.started_at, now)
        res_warnings = resource_warnings(res, priced, accrued, now, thresholds)
        warnings += res_warnings
        rows.append(resource_row(res, priced, accrued, scopes_of(res, ctx), res_warnings, region))
    rows.sort(key=lambda row: (-(row["per_hour"] or 0.0), row["id"]))
    return {"totals": scope_totals(rows), "resources": rows, "warnings": warnings}


def resource_row(
    res: r.Resource,
    priced: dict[str, Any],
    accrued: float | None,
    scopes: list[str],
    res_warnings: list[dict[str, Any]],
    region: str,
) -> dict[str, Any]:
    """One row of /spend's resources."""
    return {
        "id": res.id,
        "kind": res.kind,
        "name": res.name,
        "arn": res.arn,
        "app_type": res.app_type,
        "owner": res.owner,
        "domain_id": res.domain_id,
        "space": res.space,
        "instance_type": res.instance_type,
        "count": res.count,
        "status": res.status,
        "started_at": _iso(res.started_at),
        "per_hour": _round(priced["per_hour"]),
        "accrued": _round(accrued),
        "price_known": priced["price_known"],
        "price_estimate": priced["price_estimate"],
        # "derived": a part priced by the same-compute-price rule (catalog.py).
        "price_source": "derived"
        if any(part.get("price_source") == "derived" for part in priced["parts"])
        else "list",
        "price_parts": priced["parts"],
        "notes": priced["notes"],
        "scopes": scopes,
        "warnings": [w["code"] for w in res_warnings],
        "stale": res.stale,
        "region": region or None,
        # A Classic app's user profile: who "self" is when no space owns it.
        **({"user_profile": res.user_profile} if res.user_profile else {}),
        **{
            k: v
            for k, v in res.facts.items()
            if k in ("orphaned", "invocations", "spot", "variants", *HOURLY_FACTS)
        },
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 9)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None
