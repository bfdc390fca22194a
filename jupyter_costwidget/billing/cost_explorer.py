"""One fetch of billed spend: Cost Explorer (month to date and yesterday by usage type, the
Studio tags' status, your share, the forecast) and the budgets that cover SageMaker.

Every Cost Explorer request goes through `ce`, which counts it against the day's limit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

from jupyter_costwidget.aws.clients import AwsClients, AwsError
from jupyter_costwidget.aws.ownership import OWNER_TAGS, SPACE_TAGS, USER_PROFILE_TAG
from jupyter_costwidget.billing.rows import (
    METRIC,
    NOT_IN_A_DOMAIN,
    OWNER_GROUP_KEYS,
    SERVICE_NAME,
    cents,
    no_share,
    owner_arns_of,
    owner_groups,
    sagemaker_cost_budgets,
    summarize_daily,
)

SERVICE_FILTER = {"Dimensions": {"Key": "SERVICE", "Values": [SERVICE_NAME]}}
STUDIO_TAGS = OWNER_TAGS
# Whether the Studio tags are active changes rarely (an admin activates them once): asked
# once a week, so the daily request limit goes to month-to-date and the forecast.
TAG_STATUS_DAYS = 7
DAILY_LIMIT_CODE = "DailyRequestLimit"


class DailyLimitReached(AwsError):
    """The day's Cost Explorer request limit is used up: nothing was sent."""


def _utc_date(ts: float) -> date:
    return datetime.fromtimestamp(ts, timezone.utc).date()


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat().replace("+00:00", "Z")


class BilledSpendFetch:
    def __init__(self, ce: Callable[..., dict[str, Any]], aws: AwsClients, limit_note: str) -> None:
        self.ce = ce
        self.aws = aws
        self.limit_note = limit_note

    def fetch(
        self,
        now: float,
        context: Any,
        my_spaces: list[str],
        previous: dict[str, Any],
        daily_cache: dict[str, Any],
    ) -> dict[str, Any]:
        """Everything, once; `daily_cache` (what is asked once a day) is updated in place.
        Blocking: runs in a worker thread."""
        today = _utc_date(now)
        month_start = today.replace(day=1)
        yesterday = today - timedelta(days=1)
        errors: list[dict[str, str]] = []
        stale: list[str] = []
        notes: list[str] = []
        result: dict[str, Any] = {
            "fetched_at": iso(now),
            "fetched_at_ts": now,
            "period": {
                "month_start": month_start.isoformat(),
                "yesterday": yesterday.isoformat(),
                "today": today.isoformat(),
            },
        }

        def failed(err: AwsError, keys: tuple[str, ...]) -> None:
            errors.append(_described(err))
            for key in keys:  # keep the last good value, marked stale
                if key in previous:
                    result[key] = previous[key]
                    stale.append(key)

        # 1. Month to date and yesterday, by usage type and region: one request.
        try:
            results = self._daily_costs(min(month_start, yesterday), today + timedelta(days=1))
            result.update(summarize_daily(results, month_start, yesterday))
        except AwsError as err:
            failed(err, ("month_to_date", "yesterday", "by_usage_type", "by_region"))

        # 2. Which Studio tags are active (once a day), then 'mine' filtered by them.
        tags, tag_error = self._tag_status(daily_cache, today)
        if tag_error is not None:
            errors.append(tag_error)
        result["tags"] = tags
        mine_keys = [USER_PROFILE_TAG, *SPACE_TAGS]
        active = [key for key in mine_keys if tags.get(key) == "Active"]
        result["tags_active"] = None if not tags else bool(active)
        result["mine"] = self._mine(
            context, my_spaces, tags, active, month_start, today, failed, daily_cache
        )
        if context is None:
            # The shared collector: the month split by owner, so every reader finds its share.
            by_owner = self._by_owner(active, month_start, today, daily_cache)
            if isinstance(by_owner, AwsError):
                failed(by_owner, ("by_owner",))
            elif by_owner is not None:
                result["by_owner"] = by_owner

        # 3. Forecast to the end of the month (once a day; "where allowed"). Cost Explorer's
        # forecast starts today and covers the whole of today, while month to date already
        # holds today's first hours: count today once, in the forecast.
        forecast_rest = self._forecast_rest(daily_cache, today, errors, notes)
        mtd = result.get("month_to_date")
        if forecast_rest is not None and mtd is not None:
            before_today = float(mtd) - float(result.get("today") or 0.0)
            result["forecast"] = cents(before_today + forecast_rest)
        else:
            result["forecast"] = None

        # 4. Budgets covering SageMaker.
        try:
            account = self._account(context, daily_cache)
            result["budgets"] = sagemaker_cost_budgets(self._describe_budgets(account))
        except AwsError as err:
            failed(err, ("budgets",))

        if any(e["code"] == DAILY_LIMIT_CODE for e in errors):
            # Not a failure: the limit an admin set. Say it once, as a note.
            errors = [e for e in errors if e["code"] != DAILY_LIMIT_CODE]
            notes.append(self.limit_note)
        result["errors"] = errors
        result["notes"] = notes
        result["stale_sources"] = stale
        return result

    def _daily_costs(self, start: date, end: date) -> list[dict[str, Any]]:
        params: dict[str, Any] = {
            "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
            "Granularity": "DAILY",
            "Metrics": [METRIC],
            "Filter": SERVICE_FILTER,
            # Two groupings in the one request: by region too, so the regions where
            # SageMaker bills this month cost no extra request ($0.01 each).
            "GroupBy": [
                {"Type": "DIMENSION", "Key": "USAGE_TYPE"},
                {"Type": "DIMENSION", "Key": "REGION"},
            ],
        }
        return self._cost_and_usage(params)

    def _cost_and_usage(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Every page's ResultsByTime (GetCostAndUsage pages by NextPageToken)."""
        out: list[dict[str, Any]] = []
        while True:
            page = self.ce("GetCostAndUsage", **params)
            out += page.get("ResultsByTime", [])
            token = page.get("NextPageToken")
            if not token:
                return out
            params["NextPageToken"] = token

    def _by_owner(
        self, active: list[str], month_start: date, today: date, daily_cache: dict[str, Any]
    ) -> dict[str, Any] | AwsError | None:
        """The month so far grouped by the owner tags (one request a UTC day): None when
        neither tag is active, the error when the request failed."""
        keys = [key for key in OWNER_GROUP_KEYS if key in active]
        if not keys:
            return None
        cached = daily_cache.get("by_owner")
        if cached and cached.get("day") == today.isoformat() and cached.get("keys") == keys:
            return cached
        params: dict[str, Any] = {
            "TimePeriod": {
                "Start": month_start.isoformat(),
                "End": (today + timedelta(days=1)).isoformat(),
            },
            "Granularity": "MONTHLY",
            "Metrics": [METRIC],
            "Filter": SERVICE_FILTER,
            "GroupBy": [{"Type": "TAG", "Key": key} for key in OWNER_GROUP_KEYS],
        }
        try:
            groups = owner_groups(self._cost_and_usage(params))
        except AwsError as err:
            return err
        daily_cache["by_owner"] = {"day": today.isoformat(), "keys": keys, "groups": groups}
        return daily_cache["by_owner"]

    def _tag_status(
        self, daily_cache: dict[str, Any], today: date
    ) -> tuple[dict[str, str], dict[str, str] | None]:
        cached = daily_cache.get("tags")
        if cached and 0 <= (today - date.fromisoformat(cached["day"])).days < TAG_STATUS_DAYS:
            return dict(cached["status"]), None
        try:
            page = self.ce("ListCostAllocationTags", TagKeys=list(STUDIO_TAGS), MaxResults=100)
        except AwsError as err:
            status = dict(cached["status"]) if cached else {}
            return status, _described(err)
        status = {key: "Inactive" for key in STUDIO_TAGS}  # unlisted: never seen, not active
        for tag in page.get("CostAllocationTags", []):
            if tag.get("TagKey") in status:
                status[tag["TagKey"]] = str(tag.get("Status", "Inactive"))
        daily_cache["tags"] = {"day": today.isoformat(), "status": status}
        return status, None

    def _mine(
        self,
        context: Any,
        my_spaces: list[str],
        tags: dict[str, str],
        active: list[str],
        month_start: date,
        today: date,
        failed: Callable[[AwsError, tuple[str, ...]], None],
        daily_cache: dict[str, Any],
    ) -> dict[str, Any]:
        arns = owner_arns_of(context, my_spaces)
        if arns is None:
            return no_share(NOT_IN_A_DOMAIN)
        mine = no_share("")
        if not tags:
            mine["message"] = "The status of the cost allocation tags is unknown (see errors)."
            return mine
        if not active:
            mine["message"] = (
                "The SageMaker cost allocation tags (sagemaker:user-profile-arn, "
                "sagemaker:space-arn) are not active, so billed spend cannot be split per user. "
                "An administrator can activate them in the Billing console under Cost "
                "allocation tags; they apply to costs from then on."
            )
            return mine
        # SageMaker writes these tags' ARNs in lower case (see ownership.py). Cost Explorer
        # matches tag values case-sensitively (its TagValues.MatchOptions apply to cost
        # categories only), so ask for the lower-case ARN and, where it differs, the
        # spelling a user may have tagged by hand.
        profile_arns, space_arns = arns
        filters = []
        if profile_arns and USER_PROFILE_TAG in active:
            filters.append({"Tags": {"Key": USER_PROFILE_TAG, "Values": profile_arns}})
        for key in SPACE_TAGS:
            if space_arns and key in active:
                filters.append({"Tags": {"Key": key, "Values": space_arns}})
        if not filters:
            mine["message"] = "The cost allocation tags that identify you are not active."
            return mine
        mine["filtered_by"] = [f["Tags"]["Key"] for f in filters]
        tag_filter = filters[0] if len(filters) == 1 else {"Or": filters}
        message = (
            "Costs tagged with your user profile or spaces (tags apply from their activation "
            "on); updated once a day."
        )
        # Your share moves slowly: asked once per UTC day (and when the filter changes).
        key = json.dumps(tag_filter, sort_keys=True)
        cached = daily_cache.get("mine")
        if cached and cached.get("day") == today.isoformat() and cached.get("filter") == key:
            mine.update(month_to_date=cached["value"], message=message)
            return mine
        try:
            page = self.ce(
                "GetCostAndUsage",
                TimePeriod={
                    "Start": month_start.isoformat(),
                    "End": (today + timedelta(days=1)).isoformat(),
                },
                Granularity="MONTHLY",
                Metrics=[METRIC],
                Filter={"And": [SERVICE_FILTER, tag_filter]},
            )
            total = sum(float(r["Total"][METRIC]["Amount"]) for r in page.get("ResultsByTime", []))
            mine.update(month_to_date=cents(total), message=message)
            daily_cache["mine"] = {"day": today.isoformat(), "filter": key, "value": cents(total)}
        except AwsError as err:
            failed(err, ())
            mine["message"] = "Your share could not be fetched (see errors)."
        return mine

    def _forecast_rest(
        self, daily_cache: dict[str, Any], today: date, errors: list, notes: list
    ) -> float | None:
        """Forecast of the rest of the month (today to month end), asked once per UTC day."""
        cached = daily_cache.get("forecast")
        if cached and cached.get("day") == today.isoformat():
            if cached.get("note"):
                notes.append(cached["note"])
            return cached.get("rest")
        next_month = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
        entry: dict[str, Any] = {"day": today.isoformat(), "rest": None}
        try:
            page = self.ce(
                "GetCostForecast",
                TimePeriod={"Start": today.isoformat(), "End": next_month.isoformat()},
                Metric="UNBLENDED_COST",
                Granularity="MONTHLY",
                Filter=SERVICE_FILTER,
            )
            entry["rest"] = float(page["Total"]["Amount"])
        except AwsError as err:
            if err.code == "DataUnavailableException":
                # Not an error: Cost Explorer needs some history before it forecasts.
                entry["note"] = "Cost Explorer has too little history to forecast this month yet."
                notes.append(entry["note"])
            else:
                errors.append(_described(err))
                return None  # not cached: asked again on the next fetch
        daily_cache["forecast"] = entry
        return entry["rest"]

    def _account(self, context: Any, daily_cache: dict[str, Any]) -> str:
        account = getattr(context, "account", None) or daily_cache.get("account")
        if not account:
            account = str(self.aws.call("sts", "GetCallerIdentity")["Account"])
        daily_cache["account"] = account
        return str(account)

    def _describe_budgets(self, account: str) -> list[dict[str, Any]]:
        return list(self.aws.paginate("budgets", "DescribeBudgets", "Budgets", AccountId=account))


def _described(err: AwsError) -> dict[str, str]:
    return err.as_dict()
