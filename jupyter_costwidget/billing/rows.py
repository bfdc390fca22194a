"""How Cost Explorer's and Budgets' answers become the /billing figures (pure functions).

Shapes: botocore's `ce` GetCostAndUsage (ResultsByTime[].Groups[].Metrics) and `budgets`
DescribeBudgets (Budgets[]: BudgetLimit, CalculatedSpend, CostFilters, FilterExpression,
BudgetType) service models.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from jupyter_costwidget.aws.ownership import partition_of

# The SERVICE dimension value of SageMaker in Cost Explorer and Budgets filters.
SERVICE_NAME = "Amazon SageMaker"
METRIC = "UnblendedCost"
# The owner tags the shared collector splits the month by, in one request (GroupBy takes at
# most two groupings: botocore's ce model, GroupDefinitions).
OWNER_GROUP_KEYS = ("sagemaker:user-profile-arn", "sagemaker:space-arn")
NOT_IN_A_DOMAIN = "Not in a SageMaker Studio domain: billed spend is shown for the whole account."


def cents(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def covers_sagemaker(budget: dict[str, Any]) -> bool:
    """A budget counts SageMaker if it has no service filter or its service filter names it."""
    services = (budget.get("CostFilters") or {}).get("Service")
    if services is None:
        services = _expression_services(budget.get("FilterExpression"))
    return services is None or any(SERVICE_NAME in str(s) for s in services)


def _expression_services(expr: Any) -> list[str] | None:
    """Service values of a Budgets FilterExpression, or None when it has no service filter."""
    if not isinstance(expr, dict):
        return None
    dims = expr.get("Dimensions")
    if isinstance(dims, dict) and dims.get("Key") == "SERVICE":
        return list(dims.get("Values") or [])
    found: list[str] | None = None
    for key in ("And", "Or"):
        for sub in expr.get(key) or []:
            values = _expression_services(sub)
            if values is not None:
                found = (found or []) + values
    return found


def budget_row(budget: dict[str, Any]) -> dict[str, Any]:
    """The /billing shape of one DescribeBudgets entry."""

    def amount(spend: Any) -> float | None:
        try:
            return float(spend["Amount"])
        except (TypeError, KeyError, ValueError):
            return None

    limit = amount(budget.get("BudgetLimit"))
    spend = budget.get("CalculatedSpend") or {}
    actual = amount(spend.get("ActualSpend"))
    forecast = amount(spend.get("ForecastedSpend"))

    def percent(value: float | None) -> float | None:
        return None if value is None or not limit else round(100.0 * value / limit, 1)

    services = (budget.get("CostFilters") or {}).get("Service")
    if services is None:
        services = _expression_services(budget.get("FilterExpression"))
    return {
        "name": budget.get("BudgetName"),
        "limit": limit,
        "actual": actual,
        "forecast": forecast,
        "unit": (budget.get("BudgetLimit") or {}).get("Unit", "USD"),
        "time_unit": budget.get("TimeUnit"),
        "services": services,
        "percent_actual": percent(actual),
        "percent_forecast": percent(forecast),
    }


def summarize_daily(
    results: list[dict[str, Any]], month_start: date, yesterday: date
) -> dict[str, Any]:
    """month_to_date, yesterday, today (so far), by_usage_type and by_region from a DAILY
    GetCostAndUsage result grouped by USAGE_TYPE (then REGION, when asked)."""
    mtd = 0.0
    yday = 0.0
    today_so_far = 0.0
    today = yesterday + timedelta(days=1)
    by_type: dict[str, float] = {}
    by_region: dict[str, float] = {}
    for result in results:
        day = date.fromisoformat(result["TimePeriod"]["Start"][:10])
        for group in result.get("Groups") or []:
            amount = float(group["Metrics"][METRIC]["Amount"])
            keys = group["Keys"]
            if day >= month_start:
                mtd += amount
                by_type[keys[0]] = by_type.get(keys[0], 0.0) + amount
                if len(keys) > 1:
                    by_region[keys[1]] = by_region.get(keys[1], 0.0) + amount
            if day == yesterday:
                yday += amount
            if day == today:
                today_so_far += amount
    ordered = sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0]))
    regions = sorted(by_region.items(), key=lambda kv: (-kv[1], kv[0]))
    return {
        "month_to_date": cents(mtd),
        "yesterday": cents(yday),
        "today": cents(today_so_far),
        "by_usage_type": {k: cents(v) for k, v in ordered if round(v, 2) != 0},
        "by_region": {k: cents(v) for k, v in regions if round(v, 2) != 0},
    }


def sagemaker_cost_budgets(budgets: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of the dollar budgets that count SageMaker. Usage budgets (hours, GB) and
    RI/Savings Plans budgets are left out: their amounts are not dollars."""
    return [
        budget_row(b)
        for b in budgets
        if b.get("BudgetType", "COST") == "COST" and covers_sagemaker(b)
    ]


def spellings(arns: list[str]) -> list[str]:
    """Each ARN in lower case (as SageMaker tags it), then as written if that differs."""
    out: list[str] = []
    for arn in arns:
        for spelling in (arn.lower(), arn):
            if spelling not in out:
                out.append(spelling)
    return out


def my_owner_arns(
    partition: str, region: str, account: str, domain: str, profile: str | None, spaces: list[str]
) -> tuple[list[str], list[str]]:
    """The spellings of this user's profile ARN and of their spaces' ARNs, as the owner tags
    carry them."""
    prefix = f"arn:{partition}:sagemaker:{region}:{account}"
    profiles = spellings([f"{prefix}:user-profile/{domain}/{profile}"]) if profile else []
    return profiles, spellings([f"{prefix}:space/{domain}/{space}" for space in spaces])


def no_share(message: str) -> dict[str, Any]:
    """A billed "mine" without a figure, and why."""
    return {"month_to_date": None, "filtered_by": [], "message": message}


def owner_arns_of(context: Any, my_spaces: list[str]) -> tuple[list[str], list[str]] | None:
    """This user's owner-tag ARNs (profile, spaces) from where the server runs; None outside
    a Studio domain."""
    region = getattr(context, "region", None)
    account = getattr(context, "account", None)
    domain = getattr(context, "domain_id", None)
    profile = getattr(context, "user_profile", None)
    space = getattr(context, "space", None)
    spaces = sorted({*my_spaces, *([space] if space else [])})
    if not (region and account and domain and (profile or spaces)):
        return None
    return my_owner_arns(partition_of(region), region, account, domain, profile, spaces)


def owner_groups(results: list[dict[str, Any]]) -> list[list[Any]]:
    """GetCostAndUsage grouped by OWNER_GROUP_KEYS, summed over its periods:
    [[user profile ARN, space ARN, amount]], "" where a cost has no such tag; costs with
    neither tag are left out. Group keys read "<tag key>$<value>"."""
    sums: dict[tuple[str, str], float] = {}
    for period in results:
        for group in period.get("Groups", []):
            profile, space = (key.partition("$")[2] for key in group["Keys"])
            if profile or space:
                amount = float(group["Metrics"][METRIC]["Amount"])
                sums[(profile, space)] = sums.get((profile, space), 0.0) + amount
    return [[profile, space, amount] for (profile, space), amount in sorted(sums.items())]


def mine_from_owner_groups(
    groups: list[list[Any]], profile_arns: list[str], space_arns: list[str]
) -> float | None:
    """This user's month to date: the costs tagged with their profile or one of their
    spaces, each counted once."""
    total = sum(
        float(amount)
        for profile, space, amount in groups
        if profile in profile_arns or space in space_arns
    )
    return cents(total)
