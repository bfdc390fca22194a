"""Scenario files: what the sandbox account contains. Validation only, no AWS state here.

`parse_scenario(data)` checks a whole scenario and returns a normalised copy, or raises
`ScenarioError` naming the offending field (e.g. ``domains[0].apps[2].space``). The loader
only touches the sandbox after this succeeded, so nothing is ever half-loaded.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

APP_TYPES = (
    "JupyterServer",
    "KernelGateway",
    "DetailedProfiler",
    "TensorBoard",
    "CodeEditor",
    "JupyterLab",
    "RStudioServerPro",
    "RSessionGateway",
    "Canvas",
)
# Apps that run in a space (new Studio); the others belong to a user profile.
SPACE_APP_TYPES = ("JupyterLab", "CodeEditor")  # these run in a space only
# ...and these may run in a space too (AWS allows Canvas apps in spaces).
IN_SPACE_APP_TYPES = (*SPACE_APP_TYPES, "Canvas")
APP_STATUSES = ("Deleted", "Deleting", "Failed", "InService", "Pending")
JOB_STATUSES = ("InProgress", "Completed", "Failed", "Stopping", "Stopped")
ENDPOINT_STATUSES = (
    "OutOfService",
    "Creating",
    "Updating",
    "SystemUpdating",
    "RollingBack",
    "InService",
    "Deleting",
    "Failed",
    "UpdateRollbackFailed",
)
NOTEBOOK_STATUSES = (
    "Pending",
    "InService",
    "Stopping",
    "Stopped",
    "Failed",
    "Deleting",
    "Updating",
)

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(s|m|h|d)$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")


class ScenarioError(ValueError):
    """An invalid scenario; `field` is the path of the offending value."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def read_scenario_file(path: str | Path) -> Any:
    """A scenario file's data: JSON, or YAML (`.yaml`/`.yml`, needs PyYAML)."""
    path = Path(path)
    text = path.read_text()
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml  # PyYAML ships with jupyter_server's dependencies

        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(f"{path}: not valid YAML: {exc}") from None
    return json.loads(text)


def parse_duration(value: Any, field: str) -> float:
    """'90s' / '45m' / '3h' / '9d' -> seconds."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match:
        raise ScenarioError(field, f"bad duration {value!r}; use e.g. '90s', '45m', '3h', '9d'")
    return float(match.group(1)) * _SECONDS[match.group(2)]


class _Checker:
    """Small helpers that raise `ScenarioError` with the field path."""

    def obj(self, value: Any, field: str, allowed: dict[str, bool]) -> dict[str, Any]:
        """`allowed` maps key -> required."""
        if not isinstance(value, dict):
            raise ScenarioError(field, "must be an object")
        for key in value:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                raise ScenarioError(_join(field, key), f"unknown key (known keys: {known})")
        for key, required in allowed.items():
            if required and key not in value:
                raise ScenarioError(_join(field, key), "is required")
        return value

    def lst(self, value: Any, field: str) -> list[Any]:
        if not isinstance(value, list):
            raise ScenarioError(field, "must be a list")
        return value

    def string(self, value: Any, field: str, pattern: re.Pattern[str] | None = None) -> str:
        if not isinstance(value, str) or not value:
            raise ScenarioError(field, "must be a non-empty string")
        if pattern is not None and not pattern.match(value):
            raise ScenarioError(field, f"{value!r} is not a valid name")
        return value

    def number(self, value: Any, field: str, minimum: float = 0, integer: bool = False) -> Any:
        ok = isinstance(value, int) if integer else isinstance(value, int | float)
        if isinstance(value, bool) or not ok or value < minimum:
            kind = "an integer" if integer else "a number"
            raise ScenarioError(field, f"must be {kind} >= {minimum}")
        return value

    def choice(self, value: Any, field: str, choices: tuple[str, ...]) -> str:
        if value not in choices:
            raise ScenarioError(field, f"{value!r} is not one of {', '.join(choices)}")
        return value

    def tags(self, value: Any, field: str) -> dict[str, str]:
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise ScenarioError(field, "must be an object of string keys and string values")
        return value

    def unique(self, names: list[str], field: str, what: str) -> None:
        seen: set[str] = set()
        for i, name in enumerate(names):
            if name in seen:
                raise ScenarioError(f"{field}[{i}]", f"duplicate {what} {name!r}")
            seen.add(name)


def _join(field: str, key: str) -> str:
    return f"{field}.{key}" if field else key


_TOP = {
    "region": False,
    "account": False,
    "domains": False,
    "deleted_domain_efs": False,
    "endpoints": False,
    "training_jobs": False,
    "processing_jobs": False,
    "transform_jobs": False,
    "notebook_instances": False,
    "prices": False,
    "me": False,
    "app_delete_seconds": False,
    "description": False,
    "billing": False,
    "mlflow_tracking_servers": False,
    "hyperpod_clusters": False,
    "partner_apps": False,
    "other_regions": False,
}
# What another region of the account may hold: the resources, not the account-wide keys.
_OTHER_REGION = {
    key: False
    for key in _TOP
    if key not in ("region", "account", "prices", "me", "app_delete_seconds", "description")
    and key not in ("billing", "other_regions")
}
_TRACKING_SERVER = {"name": True, "size": False, "status": False, "age": False, "tags": False}
_CLUSTER = {"name": True, "groups": True, "status": False, "age": False, "tags": False}
_GROUP = {"name": True, "instance": True, "count": True}
_PARTNER_APP = {"name": True, "type": True, "tier": True, "status": False, "age": False}
# botocore's SageMaker model: TrackingServerSize, TrackingServerStatus, ClusterStatus,
# PartnerAppType, PartnerAppStatus.
TRACKING_SERVER_SIZES = ("Small", "Medium", "Large")
TRACKING_SERVER_STATUSES = (
    "Creating", "Created", "CreateFailed", "Updating", "Updated", "UpdateFailed", "Deleting",
    "DeleteFailed", "Stopping", "Stopped", "StopFailed", "Starting", "Started", "StartFailed",
    "MaintenanceInProgress", "MaintenanceComplete", "MaintenanceFailed",
)  # fmt: skip
CLUSTER_STATUSES = (
    "Creating", "Deleting", "Failed", "InService", "RollingBack", "SystemUpdating", "Updating",
)  # fmt: skip
PARTNER_APP_TYPES = ("lakera-guard", "comet", "deepchecks-llm-evaluation", "fiddler")
PARTNER_APP_STATUSES = (
    "Creating", "Updating", "Deleting", "Available", "Failed", "UpdateFailed", "Deleted",
)  # fmt: skip
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_DOMAIN = {
    "id": True,
    "name": False,
    "efs_gb": False,
    "user_profiles": False,
    "spaces": False,
    "apps": False,
    "age": False,
}
_SPACE = {"name": True, "owner": False, "ebs_gb": False, "age": False}
_APP = {
    "type": True,
    "space": False,
    "user": False,
    "name": False,
    "instance": False,
    "status": False,
    "age": False,
}
_ENDPOINT = {
    "name": True,
    "age": False,
    "invocations_24h": False,
    "tags": False,
    "variants": True,
    "status": False,
    "async": False,
}
_VARIANT = {
    "name": False,
    "instance": False,
    "count": False,
    "volume_gb": False,
    "serverless": False,
    "pools": False,
}
_POOL = {"instance": True, "count": False}
_SERVERLESS = {"memory_mb": True, "max_concurrency": False}
_JOB = {
    "name": True,
    "instance": False,
    "preferences": False,
    "selected": False,
    "warm_pool": False,
    "count": False,
    "spot": False,
    "status": False,
    "age": False,
    "tags": False,
    "volume_gb": False,
}
_NOTEBOOK = {
    "name": True,
    "instance": True,
    "volume_gb": False,
    "status": False,
    "age": False,
    "tags": False,
}
_PRICE = {
    "region": True,
    "component": True,
    "instance_type": False,
    "usd": True,
    "unit": False,
    "usage_type": False,
    "source_id": False,
}
_ORPHAN = {"domain_id": True, "efs_gb": False}


def parse_scenario(data: Any) -> dict[str, Any]:
    """Validate a scenario; return a normalised deep copy (defaults filled, ages in seconds)."""
    c = _Checker()
    s = copy.deepcopy(c.obj(data, "", _TOP))
    s["region"] = c.string(s.get("region", "us-east-1"), "region", _REGION)
    s["account"] = c.string(s.get("account", "123456789012"), "account", re.compile(r"^\d{12}$"))
    s["app_delete_seconds"] = c.number(s.get("app_delete_seconds", 2), "app_delete_seconds")
    _resources(c, s, "")
    others = s.get("other_regions", {})
    if not isinstance(others, dict):
        raise ScenarioError("other_regions", "must be an object of region -> resources")
    s["other_regions"] = {}
    for region, other in others.items():
        f = f"other_regions.{region}"
        c.string(region, f, _REGION)
        if region == s["region"]:
            raise ScenarioError(f, "is the scenario's own region")
        part = copy.deepcopy(c.obj(other, f, _OTHER_REGION))
        part.update(region=region, account=s["account"])
        _resources(c, part, f + ".")
        s["other_regions"][region] = part
    s["prices"] = c.lst(s.get("prices", []), "prices")
    for i, row in enumerate(s["prices"]):
        f = f"prices[{i}]"
        c.obj(row, f, _PRICE)
        for key in ("region", "component", "usd"):
            c.string(row[key], f"{f}.{key}")
        try:
            float(row["usd"])
        except ValueError:
            raise ScenarioError(f"{f}.usd", f"{row['usd']!r} is not a decimal string") from None
        row.setdefault("instance_type", "")
        row.setdefault("unit", "Hrs")
        row.setdefault("usage_type", "")
        row.setdefault("source_id", "scenario")
    if "me" in s and s["me"] is not None:
        _me(c, s["me"], s)
    if s.get("billing") is not None:
        s["billing"] = parse_billing(c, s["billing"], "billing", _today())
    return s


def _resources(c: _Checker, s: dict[str, Any], prefix: str) -> None:
    """The resource lists of one region, checked and normalised in place."""
    for key in (
        "domains",
        "deleted_domain_efs",
        "endpoints",
        "training_jobs",
        "processing_jobs",
        "transform_jobs",
        "notebook_instances",
        "mlflow_tracking_servers",
        "hyperpod_clusters",
        "partner_apps",
    ):
        s[key] = c.lst(s.get(key, []), prefix + key)

    c.unique(
        [d.get("id") if isinstance(d, dict) else None for d in s["domains"]],
        prefix + "domains",
        "domain id",
    )
    for i, domain in enumerate(s["domains"]):
        _domain(c, domain, f"{prefix}domains[{i}]")
    c.unique([d["name"] for d in s["domains"]], prefix + "domains", "domain name")
    for i, orphan in enumerate(s["deleted_domain_efs"]):
        f = f"{prefix}deleted_domain_efs[{i}]"
        c.obj(orphan, f, _ORPHAN)
        c.string(orphan["domain_id"], f"{f}.domain_id")
        if any(d["id"] == orphan["domain_id"] for d in s["domains"]):
            raise ScenarioError(f"{f}.domain_id", "names a domain that exists; it must be deleted")
        orphan["efs_gb"] = c.number(orphan.get("efs_gb", 0), f"{f}.efs_gb")

    c.unique(
        [e.get("name") for e in s["endpoints"] if isinstance(e, dict)],
        prefix + "endpoints",
        "endpoint",
    )
    for i, endpoint in enumerate(s["endpoints"]):
        _endpoint(c, endpoint, f"{prefix}endpoints[{i}]")
    for key in ("training_jobs", "processing_jobs", "transform_jobs"):
        c.unique([j.get("name") for j in s[key] if isinstance(j, dict)], prefix + key, "job")
        for i, job in enumerate(s[key]):
            _job(c, job, f"{prefix}{key}[{i}]")
    c.unique(
        [n.get("name") for n in s["notebook_instances"] if isinstance(n, dict)],
        prefix + "notebook_instances",
        "notebook instance",
    )
    for i, nb in enumerate(s["notebook_instances"]):
        f = f"{prefix}notebook_instances[{i}]"
        c.obj(nb, f, _NOTEBOOK)
        c.string(nb["name"], f"{f}.name", _NAME)
        c.string(nb["instance"], f"{f}.instance")
        nb["volume_gb"] = c.number(nb.get("volume_gb", 5), f"{f}.volume_gb", 5, integer=True)
        nb["status"] = c.choice(nb.get("status", "InService"), f"{f}.status", NOTEBOOK_STATUSES)
        nb["age_s"] = parse_duration(nb.get("age", "0s"), f"{f}.age")
        nb["tags"] = c.tags(nb.get("tags", {}), f"{f}.tags")
    _managed(c, s, prefix)


def _managed(c: _Checker, s: dict[str, Any], prefix: str) -> None:
    """MLflow tracking servers, HyperPod clusters and partner apps."""
    for key, what in (
        ("mlflow_tracking_servers", "tracking server"),
        ("hyperpod_clusters", "cluster"),
        ("partner_apps", "partner app"),
    ):
        c.unique([x.get("name") for x in s[key] if isinstance(x, dict)], prefix + key, what)
    for i, server in enumerate(s["mlflow_tracking_servers"]):
        f = f"{prefix}mlflow_tracking_servers[{i}]"
        c.obj(server, f, _TRACKING_SERVER)
        c.string(server["name"], f"{f}.name", _NAME)
        server["size"] = c.choice(server.get("size", "Small"), f"{f}.size", TRACKING_SERVER_SIZES)
        server["status"] = c.choice(
            server.get("status", "Created"), f"{f}.status", TRACKING_SERVER_STATUSES
        )
        server["age_s"] = parse_duration(server.get("age", "0s"), f"{f}.age")
        server["tags"] = c.tags(server.get("tags", {}), f"{f}.tags")
    for i, cluster in enumerate(s["hyperpod_clusters"]):
        f = f"{prefix}hyperpod_clusters[{i}]"
        c.obj(cluster, f, _CLUSTER)
        c.string(cluster["name"], f"{f}.name", _NAME)
        groups = c.lst(cluster["groups"], f"{f}.groups")
        if not groups:
            raise ScenarioError(f"{f}.groups", "needs at least one instance group")
        for j, group in enumerate(groups):
            g = f"{f}.groups[{j}]"
            c.obj(group, g, _GROUP)
            c.string(group["name"], f"{g}.name", _NAME)
            c.string(group["instance"], f"{g}.instance")
            group["count"] = c.number(group["count"], f"{g}.count", 0, integer=True)
        c.unique([g["name"] for g in groups], f"{f}.groups", "instance group")
        cluster["status"] = c.choice(
            cluster.get("status", "InService"), f"{f}.status", CLUSTER_STATUSES
        )
        cluster["age_s"] = parse_duration(cluster.get("age", "0s"), f"{f}.age")
        cluster["tags"] = c.tags(cluster.get("tags", {}), f"{f}.tags")
    for i, app in enumerate(s["partner_apps"]):
        f = f"{prefix}partner_apps[{i}]"
        c.obj(app, f, _PARTNER_APP)
        c.string(app["name"], f"{f}.name", _NAME)
        app["type"] = c.choice(app["type"], f"{f}.type", PARTNER_APP_TYPES)
        c.string(app["tier"], f"{f}.tier")
        app["status"] = c.choice(
            app.get("status", "Available"), f"{f}.status", PARTNER_APP_STATUSES
        )
        app["age_s"] = parse_duration(app.get("age", "0s"), f"{f}.age")


def _today() -> date:
    return datetime.now(timezone.utc).date()


_BILLING = {
    "month_to_date": False,
    "by_usage_type": False,
    "daily": False,
    "forecast": False,
    "cost_allocation_tags_active": False,
    "by_tag": False,
    "budgets": False,
    "by_region": False,
}
_DAY = {"date": False, "days_ago": False, "amount": True, "by_usage_type": False}
_BUDGET = {
    "name": True,
    "limit": True,
    "actual": False,
    "forecast": False,
    "services": False,
    "time_unit": False,
}
_TIME_UNITS = ("DAILY", "MONTHLY", "QUARTERLY", "ANNUALLY")
# Cent-level slack for sums of amounts written by hand.
_SLACK = 0.005


def parse_billing(c: _Checker, b: Any, f: str, today: date) -> dict[str, Any]:
    """Cost Explorer and Budgets data. Daily dates are resolved against `today` (UTC), so
    a scenario written with `days_ago` works on any day."""
    c.obj(b, f, _BILLING)
    month_start = today.replace(day=1)
    daily = c.lst(b.get("daily", []), f"{f}.daily")
    seen: set[str] = set()
    for i, day in enumerate(daily):
        df = f"{f}.daily[{i}]"
        c.obj(day, df, _DAY)
        if ("date" in day) == ("days_ago" in day):
            raise ScenarioError(df, "needs exactly one of 'date' or 'days_ago'")
        if "days_ago" in day:
            ago = c.number(day.pop("days_ago"), f"{df}.days_ago", 0, integer=True)
            day["date"] = (today - timedelta(days=ago)).isoformat()
        else:
            try:
                day["date"] = date.fromisoformat(c.string(day["date"], f"{df}.date")).isoformat()
            except ValueError:
                raise ScenarioError(f"{df}.date", f"{day['date']!r} is not YYYY-MM-DD") from None
        if day["date"] > today.isoformat():
            raise ScenarioError(f"{df}.date", "is in the future")
        if day["date"] in seen:
            raise ScenarioError(f"{df}.date", f"duplicate day {day['date']}")
        seen.add(day["date"])
        c.number(day["amount"], f"{df}.amount")
        day["by_usage_type"] = _usage_split(
            c, day.get("by_usage_type"), f"{df}.by_usage_type", day["amount"]
        )
    in_month = [d for d in daily if d["date"] >= month_start.isoformat()]
    listed = sum(d["amount"] for d in in_month)
    mtd = b.get("month_to_date", listed)
    c.number(mtd, f"{f}.month_to_date")
    if listed > mtd + _SLACK:
        raise ScenarioError(
            f"{f}.month_to_date",
            f"{mtd} is less than the daily amounts of this month ({listed:.2f})",
        )
    b["month_to_date"] = mtd
    b["by_usage_type"] = _usage_split(c, b.get("by_usage_type"), f"{f}.by_usage_type", mtd)
    if b["by_usage_type"]:
        for usage_type, amount in _sum_usage(in_month).items():
            if amount > b["by_usage_type"].get(usage_type, 0) + _SLACK:
                raise ScenarioError(
                    f"{f}.by_usage_type.{usage_type}",
                    f"is less than the daily amounts of this month ({amount:.2f})",
                )
    b["daily"] = sorted(daily, key=lambda d: d["date"])
    forecast = b.get("forecast")
    if forecast is not None:
        c.number(forecast, f"{f}.forecast")
        if forecast + _SLACK < mtd:
            raise ScenarioError(
                f"{f}.forecast", "is the month-end total; it cannot be below month_to_date"
            )
    b["forecast"] = forecast
    active = b.get("cost_allocation_tags_active", False)
    if not isinstance(active, bool):
        raise ScenarioError(f"{f}.cost_allocation_tags_active", "must be true or false")
    b["cost_allocation_tags_active"] = active
    by_tag = b.get("by_tag", {})
    if not isinstance(by_tag, dict):
        raise ScenarioError(f"{f}.by_tag", "must be an object of tag value -> amount")
    for value, amount in by_tag.items():
        if tag_key_of(value) is None:
            raise ScenarioError(
                f"{f}.by_tag.{value}",
                "must be a SageMaker user-profile, space or domain ARN, or '<tag key>$<value>'",
            )
        c.number(amount, f"{f}.by_tag.{value}")
    for key in {tag_key_of(v) for v in by_tag}:
        total = sum(a for v, a in by_tag.items() if tag_key_of(v) == key)
        if total > mtd + _SLACK:
            raise ScenarioError(f"{f}.by_tag", f"amounts for {key} exceed month_to_date")
    b["by_tag"] = by_tag
    # This month's SageMaker spend per region; the rest is the scenario's own region's.
    by_region = b.get("by_region", {})
    if not isinstance(by_region, dict):
        raise ScenarioError(f"{f}.by_region", "must be an object of region -> amount")
    for region, amount in by_region.items():
        c.string(region, f"{f}.by_region", _REGION)
        c.number(amount, f"{f}.by_region.{region}")
    if sum(by_region.values()) > mtd + _SLACK:
        raise ScenarioError(f"{f}.by_region", "amounts exceed month_to_date")
    b["by_region"] = by_region
    budgets = c.lst(b.get("budgets", []), f"{f}.budgets")
    for i, budget in enumerate(budgets):
        bf = f"{f}.budgets[{i}]"
        c.obj(budget, bf, _BUDGET)
        c.string(budget["name"], f"{bf}.name")
        if ":" in budget["name"] or "\\" in budget["name"]:
            raise ScenarioError(f"{bf}.name", "may not contain ':' or '\\'")
        c.number(budget["limit"], f"{bf}.limit")
        budget["actual"] = c.number(budget.get("actual", 0), f"{bf}.actual")
        budget["forecast"] = c.number(budget.get("forecast", 0), f"{bf}.forecast")
        services = c.lst(budget.get("services", []), f"{bf}.services")
        for j, service in enumerate(services):
            c.string(service, f"{bf}.services[{j}]")
        budget["services"] = services
        budget["time_unit"] = c.choice(
            budget.get("time_unit", "MONTHLY"), f"{bf}.time_unit", _TIME_UNITS
        )
    c.unique([bd["name"] for bd in budgets], f"{f}.budgets", "budget")
    b["budgets"] = budgets
    return b


def _usage_split(c: _Checker, value: Any, f: str, amount: float) -> dict[str, float]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not value:
        raise ScenarioError(f, "must be a non-empty object of usage type -> amount")
    for usage_type, part in value.items():
        c.number(part, f"{f}.{usage_type}")
    if abs(sum(value.values()) - amount) > _SLACK + 1e-9 * amount:
        raise ScenarioError(f, f"adds up to {sum(value.values()):.2f}, not {amount}")
    return value


def _sum_usage(days: list[dict[str, Any]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for day in days:
        for usage_type, amount in day["by_usage_type"].items():
            out[usage_type] = out.get(usage_type, 0.0) + amount
    return out


_TAGGED_ARN = re.compile(r"^arn:aws[a-z-]*:sagemaker:[^:]*:\d{12}:(user-profile|space|domain)/")
_ARN_TAG_KEYS = {
    "user-profile": "sagemaker:user-profile-arn",
    "space": "sagemaker:space-arn",
    "domain": "sagemaker:domain-arn",
}


def tag_key_of(value: str) -> str | None:
    """The cost-allocation tag a `by_tag` key belongs to ('<key>$<value>' or an ARN)."""
    if "$" in value:
        key = value.split("$", 1)[0]
        return key or None
    match = _TAGGED_ARN.match(value)
    return _ARN_TAG_KEYS[match.group(1)] if match else None


def _domain(c: _Checker, d: Any, f: str) -> None:
    c.obj(d, f, _DOMAIN)
    c.string(d["id"], f"{f}.id", re.compile(r"^d-[a-z0-9]{1,61}$"))
    d["name"] = c.string(d.get("name", d["id"]), f"{f}.name", _NAME)
    d["efs_gb"] = c.number(d.get("efs_gb", 0), f"{f}.efs_gb")
    d["age_s"] = parse_duration(d.get("age", "90d"), f"{f}.age")
    users = c.lst(d.get("user_profiles", []), f"{f}.user_profiles")
    for i, user in enumerate(users):
        c.string(user, f"{f}.user_profiles[{i}]", _NAME)
    c.unique(users, f"{f}.user_profiles", "user profile")
    d["user_profiles"] = users
    spaces = c.lst(d.get("spaces", []), f"{f}.spaces")
    for i, space in enumerate(spaces):
        sf = f"{f}.spaces[{i}]"
        c.obj(space, sf, _SPACE)
        c.string(space["name"], f"{sf}.name", _NAME)
        owner = space.get("owner")
        if owner is not None and owner not in users:
            raise ScenarioError(
                f"{sf}.owner", f"user profile {owner!r} is not in {f}.user_profiles"
            )
        space["ebs_gb"] = c.number(space.get("ebs_gb", 5), f"{sf}.ebs_gb", 5, integer=True)
        space["age_s"] = parse_duration(space.get("age", "30d"), f"{sf}.age")
    c.unique([s["name"] for s in spaces], f"{f}.spaces", "space")
    d["spaces"] = spaces
    space_names = {s["name"] for s in spaces}
    apps = c.lst(d.get("apps", []), f"{f}.apps")
    keys = set()
    for i, app in enumerate(apps):
        af = f"{f}.apps[{i}]"
        c.obj(app, af, _APP)
        c.choice(app["type"], f"{af}.type", APP_TYPES)
        app["name"] = c.string(app.get("name", "default"), f"{af}.name")
        has_space, has_user = "space" in app, "user" in app
        if has_space == has_user:
            raise ScenarioError(af, "needs exactly one of 'space' or 'user'")
        if has_space:
            if app["space"] not in space_names:
                raise ScenarioError(
                    f"{af}.space", f"space {app['space']!r} does not exist in {f}.spaces"
                )
        elif app["user"] not in users:
            raise ScenarioError(
                f"{af}.user", f"user profile {app['user']!r} is not in {f}.user_profiles"
            )
        if has_space and app["type"] not in IN_SPACE_APP_TYPES:
            raise ScenarioError(f"{af}.type", f"{app['type']} apps belong to a user, not a space")
        if has_user and app["type"] in SPACE_APP_TYPES:
            raise ScenarioError(f"{af}.type", f"{app['type']} apps run in a space; use 'space'")
        if "instance" in app:
            c.string(app["instance"], f"{af}.instance")
        app["status"] = c.choice(app.get("status", "InService"), f"{af}.status", APP_STATUSES)
        app["age_s"] = parse_duration(app.get("age", "0s"), f"{af}.age")
        key = (app.get("space") or app.get("user"), app["type"], app["name"])
        if key in keys and app["status"] != "Deleted":
            raise ScenarioError(af, f"duplicate app {key}")
        keys.add(key)
    d["apps"] = apps


def _endpoint(c: _Checker, e: Any, f: str) -> None:
    c.obj(e, f, _ENDPOINT)
    c.string(e["name"], f"{f}.name", _NAME)
    e["age_s"] = parse_duration(e.get("age", "0s"), f"{f}.age")
    e["invocations_24h"] = c.number(
        e.get("invocations_24h", 0), f"{f}.invocations_24h", integer=True
    )
    e["tags"] = c.tags(e.get("tags", {}), f"{f}.tags")
    e["status"] = c.choice(e.get("status", "InService"), f"{f}.status", ENDPOINT_STATUSES)
    variants = c.lst(e["variants"], f"{f}.variants")
    if not variants:
        raise ScenarioError(f"{f}.variants", "needs at least one variant")
    for i, v in enumerate(variants):
        vf = f"{f}.variants[{i}]"
        c.obj(v, vf, _VARIANT)
        v["name"] = c.string(
            v.get("name", "AllTraffic" if len(variants) == 1 else f"variant-{i + 1}"), f"{vf}.name"
        )
        if sum(key in v for key in ("serverless", "instance", "pools")) != 1:
            raise ScenarioError(vf, "needs exactly one of 'instance', 'pools' or 'serverless'")
        if "serverless" in v:
            sv = c.obj(v["serverless"], f"{vf}.serverless", _SERVERLESS)
            c.number(sv["memory_mb"], f"{vf}.serverless.memory_mb", 1024, integer=True)
            sv["max_concurrency"] = c.number(
                sv.get("max_concurrency", 1), f"{vf}.serverless.max_concurrency", 1, integer=True
            )
        elif "pools" in v:
            pools = c.lst(v["pools"], f"{vf}.pools")
            if not pools:
                raise ScenarioError(f"{vf}.pools", "needs at least one pool")
            for j, pool in enumerate(pools):
                pf = f"{vf}.pools[{j}]"
                c.obj(pool, pf, _POOL)
                c.string(pool["instance"], f"{pf}.instance")
                pool["count"] = c.number(pool.get("count", 1), f"{pf}.count", 0, integer=True)
            if "count" in v:
                raise ScenarioError(f"{vf}.count", "a variant with pools counts per pool")
        else:
            c.string(v["instance"], f"{vf}.instance")
            v["count"] = c.number(v.get("count", 1), f"{vf}.count", 0, integer=True)
        if "volume_gb" in v:
            c.number(v["volume_gb"], f"{vf}.volume_gb", 1, integer=True)
    c.unique([v["name"] for v in variants], f"{f}.variants", "variant")
    if not isinstance(e.get("async", False), bool):
        raise ScenarioError(f"{f}.async", "must be true or false")
    e["async"] = e.get("async", False)


def _job(c: _Checker, j: Any, f: str) -> None:
    c.obj(j, f, _JOB)
    c.string(j["name"], f"{f}.name", _NAME)
    if ("instance" in j) == ("preferences" in j):
        raise ScenarioError(f, "needs exactly one of 'instance' or 'preferences'")
    if "instance" in j:
        c.string(j["instance"], f"{f}.instance")
        if "selected" in j:
            raise ScenarioError(f"{f}.selected", "goes with 'preferences'")
    else:
        prefs = c.lst(j["preferences"], f"{f}.preferences")
        if not prefs:
            raise ScenarioError(f"{f}.preferences", "needs at least one instance type")
        for i, pref in enumerate(prefs):
            c.string(pref, f"{f}.preferences[{i}]")
        if "selected" in j:
            sel = c.obj(j["selected"], f"{f}.selected", {"instance": True, "count": False})
            c.string(sel["instance"], f"{f}.selected.instance")
            if sel["instance"] not in prefs:
                raise ScenarioError(f"{f}.selected.instance", "must be one of 'preferences'")
            sel["count"] = c.number(sel.get("count", 1), f"{f}.selected.count", 1, integer=True)
    j["count"] = c.number(j.get("count", 1), f"{f}.count", 1, integer=True)
    j["volume_gb"] = c.number(j.get("volume_gb", 30), f"{f}.volume_gb", 1, integer=True)
    if not isinstance(j.get("spot", False), bool):
        raise ScenarioError(f"{f}.spot", "must be true or false")
    j["spot"] = j.get("spot", False)
    j["status"] = c.choice(j.get("status", "InProgress"), f"{f}.status", JOB_STATUSES)
    if "warm_pool" in j:
        wf = f"{f}.warm_pool"
        warm = c.obj(j["warm_pool"], wf, {"status": False, "age": False, "keep_alive": False})
        warm["status"] = c.choice(
            warm.get("status", "Available"),
            f"{wf}.status",
            ("Available", "Terminated", "Reused", "InUse"),
        )
        warm["age_s"] = parse_duration(warm.get("age", "0s"), f"{wf}.age")
        warm["keep_alive_s"] = parse_duration(warm.get("keep_alive", "1h"), f"{wf}.keep_alive")
        if j["status"] != "Completed":
            raise ScenarioError(f"{f}.status", "a warm pool follows a Completed job")
    j["age_s"] = parse_duration(j.get("age", "0s"), f"{f}.age")
    j["tags"] = c.tags(j.get("tags", {}), f"{f}.tags")


def _me(c: _Checker, me: Any, s: dict[str, Any]) -> None:
    f = "me"
    if isinstance(me, dict) and "notebook_instance" in me:
        c.obj(me, f, {"notebook_instance": True})
        if not any(n["name"] == me["notebook_instance"] for n in s["notebook_instances"]):
            raise ScenarioError(
                "me.notebook_instance", f"{me['notebook_instance']!r} is not in notebook_instances"
            )
        return
    c.obj(
        me, f, {"domain": True, "space": False, "user": False, "app_type": True, "app_name": False}
    )
    domain = next((d for d in s["domains"] if d["id"] == me["domain"]), None)
    if domain is None:
        raise ScenarioError("me.domain", f"domain {me['domain']!r} is not in domains")
    c.choice(me["app_type"], "me.app_type", APP_TYPES)
    me.setdefault("app_name", "default")
    if ("space" in me) == ("user" in me):
        raise ScenarioError(f, "needs exactly one of 'space' or 'user'")
    owner_key = "space" if "space" in me else "user"
    match = [
        a
        for a in domain["apps"]
        if a.get(owner_key) == me[owner_key]
        and a["type"] == me["app_type"]
        and a["name"] == me["app_name"]
        and a["status"] in ("InService", "Pending")
    ]
    if not match:
        raise ScenarioError(
            f"me.{owner_key}",
            f"no running {me['app_type']} app {me['app_name']!r} "
            f"of {me[owner_key]!r} in {me['domain']}",
        )
