"""Billed spend: Cost Explorer (month to date, yesterday, forecast) and Budgets.

Every Cost Explorer request costs $0.01 and its data changes a few times a day, so one
service per server fetches at most once per `c.CostWidget.billing_cache_hours` (default 6):
every tab and request shares that result (one coalesced fetch at a time), the result and the
per-day request count are persisted under the state dir, and a restarted server starts from
them. Per fetch: one GetCostAndUsage (SageMaker, daily, grouped by usage type and region) and
DescribeBudgets. The forecast, the tags' status and `mine` (a GetCostAndUsage filtered by the
Studio cost allocation tags, when active) move slowly: asked at most once per UTC day (the
tags' status once a week). `c.CostWidget.billing_max_requests_per_day` (default 4) caps the
Cost Explorer requests of a UTC day; past it the last figures are served with a note.

All AWS calls go through `AwsClients.call` in the state's worker pool. `clock` (seconds since
the epoch) is used for every time decision so tests can simulate a day.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Any

from jupyter_costwidget.aws.clients import AwsClients
from jupyter_costwidget.aws.context import Context, ContextProvider
from jupyter_costwidget.billing.cache import BillingCache
from jupyter_costwidget.billing.cost_explorer import (
    DAILY_LIMIT_CODE,
    BilledSpendFetch,
    DailyLimitReached,
)
from jupyter_costwidget.billing.requests import DailyRequestBudget
from jupyter_costwidget.billing.shared import SharedBillingReader, reader_mine
from jupyter_costwidget.collector.location import SnapshotLocation
from jupyter_costwidget.config import CostWidget

CACHE_FILE = "billing.json"
# `?refresh=1` bypasses the cache only if the last fetch is older than this (a user clicking
# refresh ten times must not cost ten sets of Cost Explorer requests).
REFRESH_FLOOR_SECONDS = 300.0
# A reader of the collector's billing.json asks S3 at most this often (a 304 when unchanged).
SHARED_READ_SECONDS = 60.0
# How long a fetch waits for the spend engine's first scan to say who "mine" is.
CONTEXT_WAIT_SECONDS = 30.0


class BillingService:
    """One per server (`state.billing`): cached, coalesced, counted billed-spend fetches."""

    def __init__(
        self,
        config: CostWidget,
        aws: Callable[[], AwsClients],
        run_blocking: Callable[..., Any],
        log: Any,
        clock: Callable[[], float],
        context: ContextProvider | None = None,
    ) -> None:
        self.config = config
        self.aws = aws  # the state's clients follow the region the engine detects
        self.run_blocking = run_blocking
        self.clock = clock
        self.context_provider = context
        self.cache = BillingCache(
            os.path.join(config.resolved_state_dir(), CACHE_FILE),
            DailyRequestBudget(config.billing_max_requests_per_day),
            clock,
            log,
        )
        self._inflight: asyncio.Future[dict[str, Any]] | None = None
        self.fetches = 0
        # c.CostWidget.snapshot_url: the collector's billing.json, read instead of asking.
        self.shared = (
            SharedBillingReader(SnapshotLocation.parse(config.snapshot_url), aws, self.cache)
            if config.snapshot_url
            else None
        )
        self._shared_read_at: float | None = None
        # The reader's own context and spaces, found when it last read the collector's file.
        self._reader_context: tuple[Context | None, list[str]] = (None, [])
        self._shared_error: dict[str, str] | None = None

    # ------------------------------------------------------------------ service API
    def start(self) -> None:
        pass  # nothing runs in the background: fetches happen when /billing is asked

    def stop(self) -> None:
        pass

    # ------------------------------------------------------------------ queries
    async def get(self, refresh: bool = False) -> dict[str, Any]:
        """The billed-spend payload; fetches if the cache is old (or `refresh`), shared."""
        if not self.config.billing_enabled:
            return {"enabled": False}
        if self.shared is not None:
            return await self._from_collector()
        if not self.cache.loaded:
            await self.run_blocking(self.cache.load)
        if self._inflight is not None:
            return await asyncio.shield(self._inflight)
        if self._fresh(REFRESH_FLOOR_SECONDS if refresh else None):
            return self._payload()
        if self.cache.limit_reached() and self.cache.result():
            payload = self._payload()  # the last figures, older than the cache period
            payload["notes"] = [*payload["notes"], self.limit_note]
            return payload
        inflight: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._inflight = inflight
        try:
            context, my_spaces = await self._context()
            await self.run_blocking(self._fetch, context, my_spaces)
            inflight.set_result(self._payload())
        except BaseException as exc:
            inflight.set_exception(exc)
            inflight.exception()  # waiters re-raise it themselves
            raise
        finally:
            self._inflight = None
        return inflight.result()

    async def _from_collector(self) -> dict[str, Any]:
        """The collector's figures: one conditional GET at most every SHARED_READ_SECONDS."""
        assert self.shared is not None
        now = self.clock()
        due = self._shared_read_at is None or now - self._shared_read_at >= SHARED_READ_SECONDS
        if due:
            self._reader_context = await self._context()
            context = self._reader_context[0]
            account = context.account if context is not None else None
            self._shared_read_at = now
            self._shared_error = await self.run_blocking(self.shared.read, account)
        payload = self._payload()
        payload["mine"] = reader_mine(self.cache.result().get("by_owner"), *self._reader_context)
        if self._shared_error is not None:
            payload["errors"] = [*payload["errors"], self._shared_error]
            payload["stale_sources"] = [*payload["stale_sources"], "snapshot"]
            payload["stale"] = True
        return payload

    def refresh_blocking(self) -> bool:
        """The shared collector's fetch (no user, no event loop): fetch when the cache is
        older than its period and today's request limit allows. True when it fetched."""
        if not self.cache.loaded:
            self.cache.load()
        if self._fresh() or self.cache.limit_reached():
            return False
        self._fetch(None, [])
        return True

    def payload(self) -> dict[str, Any]:
        """The billed-spend payload from the cache as it is (no request)."""
        return self._payload()

    def _fresh(self, max_age: float | None = None) -> bool:
        result = self.cache.result()
        if not result:
            return False
        age = self.clock() - float(result.get("fetched_at_ts", 0))
        if max_age is None:
            max_age = self.config.billing_cache_hours * 3600
        return 0 <= age < max_age

    async def _context(self) -> tuple[Context | None, list[str]]:
        """Who "mine" is and this user's spaces, if the spend engine knows."""
        provider = self.context_provider
        if provider is None:
            return None, []
        try:
            await provider.first_scan(CONTEXT_WAIT_SECONDS)
        except Exception:  # noqa: BLE001 - billing works without 'mine'
            return provider.context, []
        return provider.context, provider.my_spaces()

    def regions_with_spend(self) -> list[str]:
        """Regions where SageMaker billed this month, from the cached figures (no request)."""
        result = self.cache.copy().get("result") or {}
        return sorted(r for r, amount in (result.get("by_region") or {}).items() if amount > 0)

    def _payload(self) -> dict[str, Any]:
        disk = self.cache.copy()
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
            "by_region": {},
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
            "requests_today": self.cache.requests_today(disk),
        }
        payload["stale"] = bool(payload["stale_sources"]) or fetched_ts is None
        payload.pop("by_owner", None)  # every owner's share: for readers' "mine" only
        return payload

    @property
    def limit_note(self) -> str:
        return (
            f"Cost Explorer was asked {self.config.billing_max_requests_per_day} times today "
            "(c.CostWidget.billing_max_requests_per_day; each request costs $0.01): these "
            "figures refresh after midnight UTC."
        )

    # ------------------------------------------------------------------ fetching
    def _ce(self, operation: str, **params: Any) -> dict[str, Any]:
        """One Cost Explorer request, counted per UTC day (every request costs $0.01)."""
        if not self.cache.take_request():
            raise DailyLimitReached(
                f"ce.{operation}",
                DAILY_LIMIT_CODE,
                "Today's Cost Explorer request limit is used up.",
                "Raise c.CostWidget.billing_max_requests_per_day to allow more.",
            )
        return self.aws().call("ce", operation, **params)

    def _fetch(self, context: Context | None, my_spaces: list[str]) -> None:
        """One fetch of everything, stored; runs in a worker thread."""
        daily = self.cache.daily()
        fetch = BilledSpendFetch(self._ce, self.aws(), self.limit_note)
        result = fetch.fetch(self.clock(), context, my_spaces, self.cache.result(), daily)
        self.fetches += 1
        self.cache.store(result, daily)


def build(state: Any, clock: Callable[[], float] | None = None) -> BillingService:
    return BillingService(
        state.config,
        lambda: state.aws,
        state.run_blocking,
        state.log,
        clock or state.clock,
        state.spend,
    )


def setup(state: Any) -> None:
    service = build(state)
    state.billing = service
    state.add_service("billing", service)
