"""Cost Explorer (`GetCostAndUsage`, `GetCostForecast`, `ListCostAllocationTags`) served from
a scenario's `billing`, and its budgets put into moto's Budgets backend.

moto 5.2.1's Cost Explorer answers `GetCostAndUsage` from a queue of canned responses that
ignores the request (filters, dates, grouping) and has no forecast or cost-allocation tags,
so these three operations are served here, in botocore's response shapes. Budgets are moto's
own (`DescribeBudgets` and friends), created with the scenario's spend.

The data model: every cost is "Amazon SageMaker". A day's cost is split by usage type. What
the scenario's `daily` list does not cover of `month_to_date` is spread evenly over the other
elapsed days of the month. Tag filters and groupings scale a day's cost by the share of the
month that `by_tag` gives the tag value (only when cost allocation tags are active, as in AWS:
an inactive tag matches nothing).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

from moto.budgets.models import budgets_backends

from .scenario import tag_key_of

SERVICE = "Amazon SageMaker"
OTHER_USAGE_TYPE = "Other"
STUDIO_TAG_KEYS = (
    "sagemaker:domain-arn",
    "sagemaker:user-profile-arn",
    "sagemaker:space-arn",
    "sagemaker:shared-space-arn",
)
OPERATIONS = ("GetCostAndUsage", "GetCostForecast", "ListCostAllocationTags")
_COST_METRICS = {
    "AmortizedCost",
    "BlendedCost",
    "NetAmortizedCost",
    "NetUnblendedCost",
    "UnblendedCost",
}
_GRANULARITIES = ("DAILY", "MONTHLY", "HOURLY")
_FORECAST_METRICS = {
    "AMORTIZED_COST": "AmortizedCost",
    "BLENDED_COST": "BlendedCost",
    "NET_AMORTIZED_COST": "NetAmortizedCost",
    "NET_UNBLENDED_COST": "NetUnblendedCost",
    "UNBLENDED_COST": "UnblendedCost",
}


class BillingError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _validation(message: str) -> BillingError:
    return BillingError(400, "ValidationException", message)


def _same_tag(a: str, b: str) -> bool:
    # A space ARN is tagged sagemaker:space-arn or sagemaker:shared-space-arn.
    spaces = {"sagemaker:space-arn", "sagemaker:shared-space-arn"}
    return a == b or (a in spaces and b in spaces)


def _tag_matches(tag_filter: dict[str, Any], tagged: str, value: str) -> bool:
    key = str(tag_filter.get("Key", ""))
    if key not in STUDIO_TAG_KEYS or not _same_tag(tag_key_of(tagged) or "", key):
        return False
    values = [str(v) for v in tag_filter.get("Values", [])]
    if "CASE_INSENSITIVE" in (tag_filter.get("MatchOptions") or []):
        return value.lower() in {v.lower() for v in values}
    return value in values


class CostExplorer:
    """The Cost Explorer of one scenario. `today` is injectable for tests of this module."""

    def __init__(self, today: Callable[[], date] | None = None) -> None:
        self._today = today or (lambda: datetime.now(timezone.utc).date())
        self.billing: dict[str, Any] | None = None
        self.region = "us-east-1"

    def set(self, billing: dict[str, Any] | None, region: str = "us-east-1") -> None:
        self.billing = billing
        self.region = region

    def _region_shares(self) -> dict[str, float]:
        """region -> its share of every cost: `by_region` of month_to_date, the rest is the
        scenario's own region's."""
        b = self.billing or {}
        mtd = float(b.get("month_to_date") or 0.0)
        by_region = b.get("by_region") or {}
        if mtd <= 0 or not by_region:
            return {self.region: 1.0}
        shares = {r: float(a) / mtd for r, a in by_region.items()}
        shares[self.region] = shares.get(self.region, 0.0) + max(0.0, 1.0 - sum(shares.values()))
        return {r: s for r, s in shares.items() if s > 0}

    # -- the data ----------------------------------------------------------------------

    def _days(self) -> dict[str, dict[str, float]]:
        """date -> usage type -> amount, for every day with a cost."""
        b = self.billing or {}
        today = self._today()
        month_start = today.replace(day=1).isoformat()
        days: dict[str, dict[str, float]] = {}
        for day in b.get("daily", []):
            split = dict(day["by_usage_type"]) or {OTHER_USAGE_TYPE: float(day["amount"])}
            days[day["date"]] = split
        # The part of month_to_date the daily list does not cover: spread over the other
        # elapsed days of the month (today if there are none).
        mtd = float(b.get("month_to_date") or 0.0)
        listed: dict[str, float] = {}
        for when, split in days.items():
            if when >= month_start:
                for usage_type, amount in split.items():
                    listed[usage_type] = listed.get(usage_type, 0.0) + amount
        month_split = b.get("by_usage_type") or {}
        if month_split:
            rest = {u: month_split[u] - listed.get(u, 0.0) for u in month_split}
        else:
            rest = {OTHER_USAGE_TYPE: mtd - sum(listed.values())}
        rest = {u: a for u, a in rest.items() if a > 1e-9}
        if rest:
            free = [
                (today.replace(day=1) + timedelta(days=i)).isoformat() for i in range(today.day - 1)
            ]
            free = [d for d in free if d not in days] or [today.isoformat()]
            for when in free:
                split = days.setdefault(when, {})
                for usage_type, amount in rest.items():
                    split[usage_type] = split.get(usage_type, 0.0) + amount / len(free)
        return days

    def _tags_share(self, filters: list[dict[str, Any]]) -> float:
        """Share of this month's cost matching any of the TagValues filters: a union, so a
        `by_tag` entry matched by two filters counts once. SageMaker's owner tags carry
        lower-case ARNs; values match case-sensitively unless MatchOptions says
        CASE_INSENSITIVE (botocore's ce model: TagValues.MatchOptions, default EQUALS and
        CASE_SENSITIVE)."""
        b = self.billing or {}
        mtd = float(b.get("month_to_date") or 0.0)
        if not b.get("cost_allocation_tags_active") or mtd <= 0:
            return 0.0
        matched = 0.0
        for tagged, amount in b.get("by_tag", {}).items():
            value = tagged.split("$", 1)[1] if "$" in tagged else tagged.lower()
            if any(_tag_matches(f, tagged, value) for f in filters):
                matched += float(amount)
        return min(1.0, matched / mtd)

    def _in_month(self, when: str) -> bool:
        return when >= self._today().replace(day=1).isoformat()

    def _weight(self, expr: Any, when: str, usage_type: str) -> float:
        """How much of one (day, usage type) cost an Expression selects (0..1)."""
        if not isinstance(expr, dict) or not expr:
            raise _validation("Expression must have exactly one of And, Or, Not, Dimensions, Tags")
        if "And" in expr:
            weight = 1.0
            for sub in expr["And"]:
                weight *= self._weight(sub, when, usage_type)
            return weight
        if "Or" in expr and expr["Or"] and all("Tags" in sub for sub in expr["Or"]):
            if not self._in_month(when):
                return 0.0
            return self._tags_share([t["Tags"] for t in expr["Or"]])
        if "Or" in expr:
            return min(1.0, sum(self._weight(sub, when, usage_type) for sub in expr["Or"]))
        if "Not" in expr:
            return 1.0 - self._weight(expr["Not"], when, usage_type)
        if "Dimensions" in expr:
            dim = expr["Dimensions"]
            values = dim.get("Values", [])
            key = dim.get("Key")
            if key == "SERVICE":
                return 1.0 if SERVICE in values else 0.0
            if key == "USAGE_TYPE":
                return 1.0 if usage_type in values else 0.0
            if key == "REGION":
                return sum(s for r, s in self._region_shares().items() if r in values)
            if key in ("RECORD_TYPE", "LINKED_ACCOUNT"):
                return 1.0  # the scenario is one account
            raise _validation(f"The sandbox does not filter on dimension {key}")
        if "Tags" in expr:
            tags = expr["Tags"]
            if not self._in_month(when):
                return 0.0
            return self._tags_share([tags])
        raise _validation("Expression must have exactly one of And, Or, Not, Dimensions, Tags")

    def _group_keys(self, group_by: list[dict[str, str]], when: str, usage_type: str) -> list:
        """[(group keys, share)] of one (day, usage type) cost. Dimensions split it
        independently; TAG groupings split it jointly (see `_tag_parts`)."""
        out: list[tuple[dict[int, str], float]] = [({}, 1.0)]
        tag_positions = [i for i, g in enumerate(group_by) if g.get("Type") == "TAG"]
        for i, g in enumerate(group_by):
            parts: list[tuple[str, float]]
            if g.get("Type") == "TAG":
                continue
            if g.get("Type") == "DIMENSION" and g.get("Key") == "USAGE_TYPE":
                parts = [(usage_type, 1.0)]
            elif g.get("Type") == "DIMENSION" and g.get("Key") == "SERVICE":
                parts = [(SERVICE, 1.0)]
            elif g.get("Type") == "DIMENSION" and g.get("Key") == "REGION":
                parts = sorted(self._region_shares().items())
            else:
                raise _validation(f"The sandbox cannot group by {g.get('Type')} {g.get('Key')}")
            out = [({**keys, i: k}, s * share) for keys, s in out for k, share in parts]
        if tag_positions:
            tags = self._tag_parts([group_by[i].get("Key", "") for i in tag_positions], when)
            out = [
                ({**keys, **dict(zip(tag_positions, tag_keys, strict=True))}, s * share)
                for keys, s in out
                for tag_keys, share in tags
            ]
        return [(tuple(keys[i] for i in range(len(group_by))), s) for keys, s in out]

    def _tag_parts(self, keys: list[str], when: str) -> list[tuple[tuple[str, ...], float]]:
        """The groups of TAG groupings, as AWS keys them ("<key>$<value>", "<key>$" for no
        such tag). Each `by_tag` entry is a cost line carrying one tag: it falls in its own
        value's group of the first grouping of its key and in the "no tag" group of the
        others; what no entry covers carries none of them."""
        none = tuple(f"{key}$" for key in keys)
        parts: list[tuple[tuple[str, ...], float]] = []
        b = self.billing or {}
        if self._in_month(when) and b.get("cost_allocation_tags_active"):
            for tagged in b.get("by_tag", {}):
                value = tagged.split("$", 1)[1] if "$" in tagged else tagged.lower()
                for i, key in enumerate(keys):
                    if _same_tag(tag_key_of(tagged) or "", key):
                        share = self._tags_share([{"Key": key, "Values": [value]}])
                        parts.append(((*none[:i], f"{key}${value}", *none[i + 1 :]), share))
                        break
        parts.append((none, 1.0 - sum(share for _, share in parts)))
        return parts

    # -- operations --------------------------------------------------------------------

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation == "GetCostAndUsage":
            return self.get_cost_and_usage(params)
        if operation == "GetCostForecast":
            return self.get_cost_forecast(params)
        return self.list_cost_allocation_tags(params)

    def get_cost_and_usage(self, params: dict[str, Any]) -> dict[str, Any]:
        start, end = _period(params.get("TimePeriod"))
        granularity = params.get("Granularity")
        if granularity not in _GRANULARITIES:
            raise _validation("Granularity must be DAILY, MONTHLY or HOURLY")
        metrics = params.get("Metrics") or []
        if not metrics:
            raise _validation("Metrics are required")
        group_by = params.get("GroupBy") or []
        if len(group_by) > 2:
            raise _validation("GroupBy accepts at most two groupings")
        expr = params.get("Filter")
        days = self._days()
        estimated_from = self._today().replace(day=1)
        results = []
        for p_start, p_end in _periods(start, end, granularity):
            total = 0.0
            groups: dict[tuple[str, ...], float] = {}
            day = p_start
            while day < p_end:
                when = day.isoformat()
                for usage_type, amount in days.get(when, {}).items():
                    weight = 1.0 if expr is None else self._weight(expr, when, usage_type)
                    if weight <= 0:
                        continue
                    total += amount * weight
                    if group_by:
                        for keys, share in self._group_keys(group_by, when, usage_type):
                            if share > 0:
                                groups[keys] = groups.get(keys, 0.0) + amount * weight * share
                day += timedelta(days=1)
            result: dict[str, Any] = {
                "TimePeriod": {"Start": p_start.isoformat(), "End": p_end.isoformat()},
                "Total": {} if group_by else _metrics(metrics, total),
                "Groups": [
                    {"Keys": list(keys), "Metrics": _metrics(metrics, amount)}
                    for keys, amount in sorted(groups.items())
                ],
                "Estimated": p_end > estimated_from,
            }
            results.append(result)
        response: dict[str, Any] = {"ResultsByTime": results, "DimensionValueAttributes": []}
        if group_by:
            response["GroupDefinitions"] = [{"Type": g["Type"], "Key": g["Key"]} for g in group_by]
        return response

    def get_cost_forecast(self, params: dict[str, Any]) -> dict[str, Any]:
        start, end = _period(params.get("TimePeriod"))
        today = self._today()
        if start < today:
            raise _validation("Start date must be equal to or no later than the current date")
        metric = _FORECAST_METRICS.get(str(params.get("Metric")))
        if metric is None:
            raise _validation("Metric must be one of " + ", ".join(_FORECAST_METRICS))
        granularity = params.get("Granularity")
        if granularity not in ("DAILY", "MONTHLY"):
            raise _validation("Granularity must be DAILY or MONTHLY")
        b = self.billing or {}
        if b.get("forecast") is None:
            raise BillingError(
                400,
                "DataUnavailableException",
                "Insufficient amount of historical data to generate forecast.",
            )
        # The scenario's forecast is the month's total. Cost Explorer forecasts from today on,
        # today included (its month to date also holds today's first hours): the rest is the
        # total less the days before today, evenly over the days left.
        month_days = calendar.monthrange(today.year, today.month)[1]
        left_days = month_days - today.day + 1
        month_start = today.replace(day=1).isoformat()
        before_today = sum(
            sum(split.values())
            for when, split in self._days().items()
            if month_start <= when < today.isoformat()
        )
        per_day = max(0.0, float(b["forecast"]) - before_today) / left_days
        expr = params.get("Filter")
        weight = 1.0 if expr is None else self._weight(expr, today.isoformat(), "")
        results, total = [], 0.0
        for p_start, p_end in _periods(start, end, granularity):
            amount = per_day * (p_end - p_start).days * weight
            total += amount
            results.append(
                {
                    "TimePeriod": {"Start": p_start.isoformat(), "End": p_end.isoformat()},
                    "MeanValue": _amount(amount),
                    "PredictionIntervalLowerBound": _amount(amount * 0.9),
                    "PredictionIntervalUpperBound": _amount(amount * 1.1),
                }
            )
        total_value = {"Amount": _amount(total), "Unit": "USD"}
        return {"Total": total_value, "ForecastResultsByTime": results}

    def list_cost_allocation_tags(self, params: dict[str, Any]) -> dict[str, Any]:
        b = self.billing or {}
        status = "Active" if b.get("cost_allocation_tags_active") else "Inactive"
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        tags = [
            {"TagKey": key, "Type": "AWSGenerated", "Status": status, "LastUpdatedDate": stamp}
            for key in STUDIO_TAG_KEYS
        ]
        if params.get("TagKeys"):
            tags = [t for t in tags if t["TagKey"] in params["TagKeys"]]
        if params.get("Status"):
            tags = [t for t in tags if t["Status"] == params["Status"]]
        if params.get("Type"):
            tags = [t for t in tags if t["Type"] == params["Type"]]
        return {"CostAllocationTags": tags}


def load_budgets(billing: dict[str, Any] | None, account: str) -> None:
    """Create the scenario's budgets in moto's Budgets backend (emptied by reset_moto)."""
    if not billing:
        return
    backend = budgets_backends[account]["aws"]
    today = datetime.now(timezone.utc)
    month_start = datetime(today.year, today.month, 1, tzinfo=timezone.utc)
    for budget in billing.get("budgets", []):
        spec: dict[str, Any] = {
            "BudgetName": budget["name"],
            "BudgetLimit": {"Amount": _amount(budget["limit"]), "Unit": "USD"},
            "TimeUnit": budget["time_unit"],
            "BudgetType": "COST",
            "TimePeriod": {"Start": month_start.timestamp(), "End": 3706473600},
            "CalculatedSpend": {
                "ActualSpend": {"Amount": _amount(budget["actual"]), "Unit": "USD"},
                "ForecastedSpend": {"Amount": _amount(budget["forecast"]), "Unit": "USD"},
            },
        }
        if budget["services"]:
            spec["CostFilters"] = {"Service": list(budget["services"])}
        backend.create_budget(account_id=account, budget=spec, notifications=[])


def _amount(value: float) -> str:
    # Cost Explorer writes amounts as decimal strings; 10 decimals is what it sends.
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return text or "0"


def _metrics(names: list[str], amount: float) -> dict[str, dict[str, str]]:
    out = {}
    for name in names:
        if name in _COST_METRICS:
            out[name] = {"Amount": _amount(amount), "Unit": "USD"}
        elif name in ("UsageQuantity", "NormalizedUsageAmount"):
            out[name] = {"Amount": "0", "Unit": "N/A"}
        else:
            raise _validation(f"Unknown metric {name}")
    return out


def _period(value: Any) -> tuple[date, date]:
    if not isinstance(value, dict):
        raise _validation("TimePeriod is required")
    try:
        start = date.fromisoformat(str(value.get("Start"))[:10])
        end = date.fromisoformat(str(value.get("End"))[:10])
    except ValueError:
        raise _validation("TimePeriod dates must be YYYY-MM-DD") from None
    if start >= end:
        raise _validation("Start date must be before End date")
    return start, end


def _periods(start: date, end: date, granularity: str) -> list[tuple[date, date]]:
    out = []
    cursor = start
    while cursor < end:
        if granularity == "MONTHLY":
            last = calendar.monthrange(cursor.year, cursor.month)[1]
            nxt = min(end, cursor.replace(day=last) + timedelta(days=1))
        else:
            nxt = cursor + timedelta(days=1)
        out.append((cursor, nxt))
        cursor = nxt
    return out
