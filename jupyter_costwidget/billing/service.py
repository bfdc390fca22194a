"""Billed spend: Cost Explorer (month to date, yesterday, forecast) and Budgets.

Every Cost Explorer request costs $0.01 and its data changes a few times a day, so one
service per server fetches at most once per `c.CostWidget.billing_cache_hours` (default 6):
every tab and request shares that result (one coalesced fetch at a time), the result and the
per-day request count are persisted under the state dir, and a restarted server starts from
them. Per fetch: one GetCostAndUsage (SageMaker, daily, grouped by usage type) and
DescribeBudgets. The forecast, the tags' status and `mine` (a GetCostAndUsage filtered by the
Studio cost allocation tags, when active) move slowly: asked at most once per UTC day (the
tags' status once a week). `c.CostWidget.billing_max_requests_per_day` (default 4) caps the
Cost Explorer requests of a UTC day; past it the last figures are served with a note.

All AWS calls go through `AwsClients.call` in the state's worker pool. `clock` (seconds since
the epoch) is used for every time decision so tests can simulate a day.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

from jupyter_costwidget.aws.clients import AwsError
from jupyter_costwidget.aws.ownership import partition_of
from jupyter_costwidget.billing.requests import DailyRequestBudget
from jupyter_costwidget.billing.rows import (
    METRIC,
    SERVICE_NAME,
    cents,
    sagemaker_cost_budgets,
    summarize_daily,
)

SERVICE_FILTER = {"Dimensions": {"Key": "SERVICE", "Values": [SERVICE_NAME]}}
USER_PROFILE_TAG = "sagemaker:user-profile-arn"
SPACE_TAGS = ("sagemaker:space-arn", "sagemaker:shared-space-arn")
DOMAIN_TAG = "sagemaker:domain-arn"
STUDIO_TAGS = (USER_PROFILE_TAG, *SPACE_TAGS, DOMAIN_TAG)
CACHE_FILE = "billing.json"
FORMAT = 1
# `?refresh=1` bypasses the cache only if the last fetch is older than this (a user clicking
# refresh ten times must not cost ten sets of Cost Explorer requests).
REFRESH_FLOOR_SECONDS = 300.0
# Whether the Studio tags are active changes rarely (an admin activates them once): asked
# once a week, so the daily request limit goes to month-to-date and the forecast.
TAG_STATUS_DAYS = 7
DAILY_LIMIT_CODE = "DailyRequestLimit"


class DailyLimitReached(AwsError):
    """The day's Cost Explorer request limit is used up: nothing was sent."""


def _utc_date(ts: float) -> date:
    return datetime.fromtimestamp(ts, timezone.utc).date()


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat().replace("+00:00", "Z")


class BillingService:
    """One per server (`state.billing`): cached, coalesced, counted billed-spend fetches."""

    def __init__(self, state: Any, clock: Callable[[], float] | None = None) -> None:
        self.state = state
        self.config = state.config
        self.clock: Callable[[], float] = clock or state.clock
        self._lock = threading.Lock()  # guards _disk (written by the fetch thread)
        self._disk: dict[str, Any] | None = None  # what billing.json holds
        self._inflight: asyncio.Future[dict[str, Any]] | None = None
        self.fetches = 0

    # ------------------------------------------------------------------ service API
    def start(self) -> None:
        pass  # nothing runs in the background: fetches happen when /billing is asked

    def stop(self) -> None:
        pass

    @property
    def requests(self) -> DailyRequestBudget:
        return DailyRequestBudget(self.config.billing_max_requests_per_day)

    @property
    def path(self) -> str:
        return os.path.join(self.config.resolved_state_dir(), CACHE_FILE)

    # ------------------------------------------------------------------ queries
    async def get(self, refresh: bool = False) -> dict[str, Any]:
        """The billed-spend payload; fetches if the cache is old (or `refresh`), shared."""
        if not self.config.billing_enabled:
            return {"enabled": False}
        if self._disk is None:
            await self.state.run_blocking(self._load)
        if self._inflight is not None:
            return await asyncio.shield(self._inflight)
        if self._fresh(REFRESH_FLOOR_SECONDS if refresh else None):
            return self._payload()
        if self._limit_reached() and (self._disk or {}).get("result"):
            payload = self._payload()  # the last figures, older than the cache period
            payload["notes"] = [*payload["notes"], self._limit_note()]
            return payload
        inflight: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._inflight = inflight
        try:
            context, my_spaces = await self._context()
            await self.state.run_blocking(self._fetch, context, my_spaces)
            inflight.set_result(self._payload())
        except BaseException as exc:
            inflight.set_exception(exc)
            inflight.exception()  # waiters re-raise it themselves
            raise
        finally:
            self._inflight = None
        return inflight.result()

    def _fresh(self, max_age: float | None = None) -> bool:
        result = (self._disk or {}).get("result")
        if not result:
            return False
        age = self.clock() - float(result.get("fetched_at_ts", 0))
        if max_age is None:
            max_age = self.config.billing_cache_hours * 3600
        return 0 <= age < max_age

    async def _context(self) -> tuple[Any, list[str]]:
        """The spend engine's context (who 'mine' is) and this user's spaces, if it knows."""
        engine = self.state.spend
        if engine is None:
            return None, []
        if engine.context is None:
            try:  # the first scan finds the context; do not wait forever for it
                await asyncio.wait_for(engine.latest(), timeout=30)
            except Exception:  # noqa: BLE001 - billing works without 'mine'
                return engine.context, []
        context = engine.context
        spaces = []
        try:
            for row in engine.snapshot().get("resources", []):
                if row.get("kind") == "space-storage" and "mine" in (row.get("scopes") or []):
                    spaces.append(row.get("space") or str(row.get("name", "")).split("/")[-1])
        except Exception:  # noqa: BLE001 - the snapshot shape is the engine's business
            spaces = []
        return context, sorted({s for s in spaces if s})

    def _payload(self) -> dict[str, Any]:
        with self._lock:
            disk = json.loads(json.dumps(self._disk or {}))
        result = disk.get("result") or {}
        fetched_ts = result.pop("fetched_at_ts", None)
        age = None if fetched_ts is None else max(0.0, self.clock() - float(fetched_ts))
        payload = {
            "enabled": True,
            "currency": "USD",
            "month_to_date": None,
            "yesterday": None,
            "forecast": None,
            "by_usage_type": {},
            "budgets": [],
            "tags_active": None,
            "tags": {},
            "mine": None,
            "errors": [],
            "notes": [],
            "stale_sources": [],
            **result,
            "age_seconds": None if age is None else round(age, 3),
            "cache_hours": self.config.billing_cache_hours,
            "requests_today": self._requests_today(disk),
        }
        payload["stale"] = bool(payload["stale_sources"]) or fetched_ts is None
        return payload

    def _limit_reached(self) -> bool:
        with self._lock:
            counter = dict((self._disk or {}).get("requests") or {})
        return self.requests.exhausted(counter, self.clock())

    def _limit_note(self) -> str:
        return (
            f"Cost Explorer was asked {self.config.billing_max_requests_per_day} times today "
            "(c.CostWidget.billing_max_requests_per_day; each request costs $0.01): these "
            "figures refresh after midnight UTC."
        )

    def _requests_today(self, disk: dict[str, Any]) -> int:
        return self.requests.used(disk.get("requests"), self.clock())

    # ------------------------------------------------------------------ persistence
    def _load(self) -> None:
        data: dict[str, Any] = {}
        try:
            with open(self.path, encoding="utf-8") as fh:
                loaded = json.load(fh)
            if isinstance(loaded, dict) and loaded.get("format") == FORMAT:
                data = loaded
        except FileNotFoundError:
            pass
        except (OSError, ValueError):
            self.state.log.warning("costwidget: ignoring unreadable %s", self.path)
        with self._lock:
            if self._disk is None:
                self._disk = data

    def _save(self) -> None:
        with self._lock:
            text = json.dumps(self._disk, indent=1, sort_keys=True)
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            tmp = f"{self.path}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, self.path)
        except OSError as exc:  # a read-only home still serves from memory
            self.state.log.warning("costwidget: could not save %s: %s", self.path, exc)

    # ------------------------------------------------------------------ fetching
    def _ce(self, operation: str, **params: Any) -> dict[str, Any]:
        """One Cost Explorer request, counted per UTC day (every request costs $0.01)."""
        with self._lock:
            assert self._disk is not None
            counter = self._disk.setdefault("requests", {})
            if not self.requests.take(counter, self.clock()):
                raise DailyLimitReached(
                    f"ce.{operation}",
                    DAILY_LIMIT_CODE,
                    "Today's Cost Explorer request limit is used up.",
                    "Raise c.CostWidget.billing_max_requests_per_day to allow more.",
                )
        return self.state.aws.call("ce", operation, **params)

    def _fetch(self, context: Any, my_spaces: list[str]) -> None:
        """One fetch of everything; runs in a worker thread."""
        now = self.clock()
        today = _utc_date(now)
        month_start = today.replace(day=1)
        yesterday = today - timedelta(days=1)
        with self._lock:
            assert self._disk is not None
            previous = dict(self._disk.get("result") or {})
            daily_cache = dict(self._disk.get("daily") or {})
        errors: list[dict[str, str]] = []
        stale: list[str] = []
        notes: list[str] = []
        result: dict[str, Any] = {
            "fetched_at": _iso(now),
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

        # 1. Month to date and yesterday, by usage type: one request.
        try:
            results = self._daily_costs(min(month_start, yesterday), today + timedelta(days=1))
            result.update(summarize_daily(results, month_start, yesterday))
        except AwsError as err:
            failed(err, ("month_to_date", "yesterday", "by_usage_type"))

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
            notes.append(self._limit_note())
        result["errors"] = errors
        result["notes"] = notes
        result["stale_sources"] = stale
        with self._lock:
            assert self._disk is not None
            self._disk["format"] = FORMAT
            self._disk["result"] = result
            self._disk["daily"] = daily_cache
        self.fetches += 1
        self._save()

    def _daily_costs(self, start: date, end: date) -> list[dict[str, Any]]:
        params: dict[str, Any] = {
            "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
            "Granularity": "DAILY",
            "Metrics": [METRIC],
            "Filter": SERVICE_FILTER,
            "GroupBy": [{"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
        }
        out: list[dict[str, Any]] = []
        while True:
            page = self._ce("GetCostAndUsage", **params)
            out += page.get("ResultsByTime", [])
            token = page.get("NextPageToken")
            if not token:
                return out
            params["NextPageToken"] = token

    def _tag_status(
        self, daily_cache: dict[str, Any], today: date
    ) -> tuple[dict[str, str], dict[str, str] | None]:
        cached = daily_cache.get("tags")
        if cached and 0 <= (today - date.fromisoformat(cached["day"])).days < TAG_STATUS_DAYS:
            return dict(cached["status"]), None
        try:
            page = self._ce("ListCostAllocationTags", TagKeys=list(STUDIO_TAGS), MaxResults=100)
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
        mine: dict[str, Any] = {"month_to_date": None, "filtered_by": [], "message": ""}
        region = getattr(context, "region", None)
        account = getattr(context, "account", None)
        domain = getattr(context, "domain_id", None)
        profile = getattr(context, "user_profile", None)
        spaces = sorted({*my_spaces, *([context.space] if getattr(context, "space", None) else [])})
        if not (region and account and domain and (profile or spaces)):
            mine["message"] = (
                "Not in a SageMaker Studio domain: billed spend is shown for the whole account."
            )
            return mine
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
        prefix = f"arn:{partition_of(region)}:sagemaker:{region}:{account}"
        filters = []
        if profile and USER_PROFILE_TAG in active:
            arns = _spellings([f"{prefix}:user-profile/{domain}/{profile}"])
            filters.append({"Tags": {"Key": USER_PROFILE_TAG, "Values": arns}})
        space_arns = _spellings([f"{prefix}:space/{domain}/{space}" for space in spaces])
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
            page = self._ce(
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
            page = self._ce(
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
            account = str(self.state.aws.call("sts", "GetCallerIdentity")["Account"])
        daily_cache["account"] = account
        return str(account)

    def _describe_budgets(self, account: str) -> list[dict[str, Any]]:
        return list(
            self.state.aws.paginate("budgets", "DescribeBudgets", "Budgets", AccountId=account)
        )


def _spellings(arns: list[str]) -> list[str]:
    """Each ARN in lower case (as SageMaker tags it), then as written if that differs."""
    out: list[str] = []
    for arn in arns:
        for spelling in (arn.lower(), arn):
            if spelling not in out:
                out.append(spelling)
    return out


def _described(err: AwsError) -> dict[str, str]:
    return err.as_dict()


def setup(state: Any) -> None:
    service = BillingService(state)
    state.billing = service
    state.add_service("billing", service)
