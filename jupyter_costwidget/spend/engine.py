"""The refresh engine: one background scan loop per server, shared by every request and tab.

Scans run in a worker thread (boto3 blocks). At most one scan runs at a time: callers that
arrive while it runs await the same future, so 50 tabs polling /spend cost no AWS calls.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime, timezone
from gettext import NullTranslations
from typing import Any

from pydantic import ValidationError

from jupyter_costwidget.api.models import SCOPES, SpendSnapshot
from jupyter_costwidget.aws.context import Context, detect_context
from jupyter_costwidget.aws.inventory import Inventory, ScanResult
from jupyter_costwidget.aws.ownership import Home, Names
from jupyter_costwidget.collector.history import mine_key, mine_series
from jupyter_costwidget.collector.location import SnapshotLocation
from jupyter_costwidget.collector.shared import restore_messages
from jupyter_costwidget.i18n import Text, is_translated, normalize, translate, translations
from jupyter_costwidget.spend.arithmetic import Thresholds
from jupyter_costwidget.spend.compose import compose_snapshot
from jupyter_costwidget.spend.personalize import StopSent, mark_stops_sent, personalize
from jupyter_costwidget.spend.region_scans import RegionScans
from jupyter_costwidget.spend.shared_reader import (
    SOURCE as SHARED_SOURCE,
)
from jupyter_costwidget.spend.shared_reader import (
    SharedRead,
    SharedSnapshotReader,
    generated_ts,
)

# CloudWatch is asked about endpoint invocations at most this often (idle needs hours).
METRICS_INTERVAL_SECONDS = 600.0
# The shared snapshot is stale when older than this many collector periods.
SHARED_STALE_PERIODS = 3


class SpendEngine:
    def __init__(self, state: Any, price_lookup: Any = None) -> None:
        self.state = state
        self.config = state.config
        self.context: Context | None = None
        self.clock = state.clock
        self.monotonic = state.monotonic
        self.inventory = self._inventory(lambda: self.state.aws)
        self.other_regions = RegionScans(
            state.aws_in,
            self._inventory,
            lambda: self.config.other_regions_refresh_seconds,
            self.monotonic,
        )
        # Regions Cost Explorer shows SageMaker spend in this month (the billing cache).
        self.billed_regions: Callable[[], list[str]] = lambda: (
            state.billing.regions_with_spend() if state.billing is not None else []
        )
        self._price_lookup = price_lookup
        self._catalog_error: dict[str, str] | None = None
        self._snapshot: dict[str, Any] | None = None
        # The snapshot's JSON per language (None: English), made once per scan for every
        # language asked for so far: warnings and stop refusals are said in it.
        self._json_by_language: tuple[dict[str, Any] | None, dict[str | None, str]] = (None, {})
        self._languages: set[str | None] = {None}
        self._snapshot_at = 0.0  # monotonic time of the last finished scan
        self._inflight: asyncio.Future[dict[str, Any]] | None = None
        self._inflight_began = 0.0
        self._snapshot_began = float("-inf")  # when the scan behind the snapshot began
        self._scheduled: asyncio.Future[dict[str, Any]] | None = None  # a rate-limited scan
        self.sleep = asyncio.sleep  # waits for a rate-limited scan (tests drive it)
        self._failing: dict[str, dict[str, Any]] = {}  # source -> its error, while it fails
        self._contract_logged = False  # a snapshot that breaks api/schema.json is logged once
        self._scanned = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._history: deque[dict[str, Any]] = deque()
        self._history_lock = threading.Lock()
        self.scans = 0
        self.last_scan: dict[str, Any] | None = None
        self._billing_task: asyncio.Future[None] | None = None
        # c.CostWidget.snapshot_url: the shared collector's snapshot, read instead of a scan.
        self.shared = (
            SharedSnapshotReader(SnapshotLocation.parse(self.config.snapshot_url), self._aws)
            if self.config.snapshot_url
            else None
        )
        self._shared: dict[str, Any] | None = None  # the `shared` field of the snapshot
        self._shared_ts: float | None = None  # the collector's time of the snapshot shown
        self._shared_names = Names()
        # Stops this reader sent that the collector's snapshot does not show yet.
        self._stops_sent: dict[str, StopSent] = {}
        self._stops_lock = threading.Lock()
        self._history_seeded = False  # a reader takes the collector's history once

    def _aws(self) -> Any:
        return self.state.aws

    def names(self) -> Names:
        """The region's real domain, profile and space names, for the stop route's check:
        from the collector's file when this server reads it, else from its own scan."""
        if self._shared is not None and not self._shared["scanning_itself"]:
            return self._shared_names
        return self.inventory.names

    def thresholds(self) -> Thresholds:
        return Thresholds(self.config.idle_endpoint_hours, self.config.long_running_hours)

    def _inventory(self, aws: Callable[[], Any]) -> Inventory:
        return Inventory(
            aws=aws,
            clock=self.clock,
            monotonic=self.monotonic,
            max_workers=self.config.aws_max_workers,
            idle_endpoint_hours=self.config.idle_endpoint_hours,
            metrics_interval=METRICS_INTERVAL_SECONDS,
        )

    # ------------------------------------------------------------- service API
    async def start(self) -> None:
        self._wake = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._billing_task is not None and not self._billing_task.done():
            self._billing_task.cancel()
        if self._scheduled is not None and not self._scheduled.done():
            self._scheduled.cancel()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - shutting down
                pass
            self._task = None
        self.inventory.close()
        self.other_regions.close()

    async def _loop(self) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()  # an invalidate() during the scan below wakes the next one
            try:
                await self.refresh(force=True)
            except asyncio.CancelledError:
                raise
            except Exception:  # the loop must survive anything a scan throws
                self.state.log.exception("costwidget: spend scan failed")
            try:
                await asyncio.wait_for(
                    self._wake.wait(), timeout=max(1.0, self.config.refresh_seconds)
                )
            except asyncio.TimeoutError:
                pass

    def invalidate(self) -> None:
        """Something changed (a stop): rescan soon; cached describes stay valid."""
        self._snapshot_at = 0.0
        self._snapshot_began = float("-inf")  # a forced refresh after this scans again
        if self._wake is not None:
            self._wake.set()

    def stop_sent(self, resource_id: str, status: str) -> None:
        """This server just stopped `resource_id`. A reader shows it so until the collector's
        snapshot does; a server that scans itself sees it in its next scan."""
        if self.shared is not None:
            with self._stops_lock:
                self._stops_sent[resource_id] = StopSent(self.clock(), status)
        self.invalidate()

    # ---------------------------------------------------------------- queries
    async def refresh(
        self,
        force: bool = False,
        retry_denied: bool = False,
        floor: float = 0.0,
        not_before: float | None = None,
    ) -> dict[str, Any]:
        """The latest snapshot; scans if forced, missing or out of date. Scans are shared.

        A forced refresh wants data from a scan that began after it was asked for, or at
        or after the wall time `not_before` when given (a notebook cell that just changed
        something). If the scan in flight began earlier, it waits for it and then joins (or
        starts) the next. With a `floor` (users' forced refreshes: `min_refresh_seconds`),
        scans start at most once per `floor` seconds: a scan in flight that began within it
        is joined, and otherwise every forced refresh of the window waits for one scan at
        its end (twenty clicks make one scan).
        """
        asked = self.monotonic()

        def recent_enough(began: float) -> bool:
            if not_before is not None:
                return began >= asked - max(0.0, self.clock() - not_before)
            return began >= asked if floor <= 0 else began > asked - floor

        if retry_denied:  # a user asked: maybe they just granted the missing IAM action
            self.inventory.forget_denials()
        while True:
            if self._inflight is not None:
                began = self._inflight_began
                result = await asyncio.shield(self._inflight)
                if not force or recent_enough(began):
                    return result
                continue
            fresh = self.monotonic() - self._snapshot_at < self.config.refresh_seconds
            if self._snapshot is not None and fresh and not force:
                return self.snapshot()
            if self._snapshot is not None and force and recent_enough(self._snapshot_began):
                if floor > 0 and not_before is None:
                    return await self._scan_at(self._snapshot_began + floor)
                return self.snapshot()
            return await self._run_scan()

    async def _scan_at(self, due: float) -> dict[str, Any]:
        """One scan at monotonic time `due`, shared by every caller that asks for it."""
        if self._scheduled is None or self._scheduled.done():
            self._scheduled = asyncio.ensure_future(self._wait_then_scan(due))
        return await asyncio.shield(self._scheduled)

    async def _wait_then_scan(self, due: float) -> dict[str, Any]:
        delay = due - self.monotonic()
        if delay > 0:
            await self.sleep(delay)
        return await self.refresh(force=True)  # joins a scan in flight the usual way

    async def _run_scan(self) -> dict[str, Any]:
        inflight: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._inflight, self._inflight_began = inflight, self.monotonic()
        try:
            await self.state.run_blocking(self._scan_blocking, self._inflight_began)
            if self.scans == 1:
                self._learn_billed_regions()
            inflight.set_result(self.snapshot())
            self._scanned.set()
            self._scanned = asyncio.Event()
        except BaseException as exc:
            inflight.set_exception(exc)
            inflight.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        finally:
            self._inflight = None
        return inflight.result()

    def _learn_billed_regions(self) -> None:
        """With c.CostWidget.regions = 'auto' the other regions come from the billed spend:
        after the first scan (which says who "mine" is), fill the billing cache if it is
        empty (the fetch the panel's billing section makes anyway: shared, cached and
        counted by the billing service), then scan again."""
        billing = self.state.billing
        if self.shared is not None:  # the collector decides which regions it scans
            return
        if self.config.regions != "auto" or billing is None or not self.config.billing_enabled:
            return
        if billing.regions_with_spend():
            return

        async def fetch_then_rescan() -> None:
            try:
                await billing.get()
            except Exception:  # noqa: BLE001 - billing reports its own failures
                return
            if billing.regions_with_spend():
                self.invalidate()

        self._billing_task = asyncio.ensure_future(fetch_then_rescan())

    async def latest(self) -> dict[str, Any]:
        """The snapshot as it is; waits only for the very first scan."""
        if self._snapshot is None:
            return await self.refresh()
        return self.snapshot()

    async def first_scan(self, timeout: float) -> None:
        if self.context is None:
            await asyncio.wait_for(self.latest(), timeout=timeout)

    def my_spaces(self) -> list[str]:
        spaces = [
            row.get("space") or str(row.get("name", "")).split("/")[-1]
            for row in self.snapshot().get("resources", [])
            if row.get("kind") == "space-storage" and "mine" in (row.get("scopes") or [])
        ]
        return sorted({s for s in spaces if s})

    async def wait_for_scans(self, count: int) -> None:
        """Until `count` scans have finished (tests and tools; no polling)."""
        while self.scans < count:
            await self._scanned.wait()

    @property
    def scanning(self) -> bool:
        return self._inflight is not None

    def snapshot(self) -> dict[str, Any]:
        if self._snapshot is None:
            return self._empty_snapshot()
        return {**self._snapshot, **self.snapshot_meta()}

    def snapshot_json(self, language: str | None = None) -> str:
        """`snapshot()` as JSON text, from the text made once per scan, with the warnings in
        `language` when the package has its catalogue (English otherwise)."""
        snapshot, bodies = self._json_by_language
        if self._snapshot is None or snapshot is None:
            return json.dumps(self.snapshot(), default=str)
        snap = self.snapshot_meta()
        tail = {k: snap[k] for k in ("age_seconds", "stale", "history", "shared")}
        key = normalize(language) if is_translated(language) else None
        body = bodies.get(key)
        if body is None:
            # First ask in this language since the scan; later scans make it off the loop.
            self._languages.add(key)
            body = bodies[key] = _dump_without_closing_brace(snapshot, translations(key))
        return f"{body}, {json.dumps(tail)[1:]}"

    def snapshot_meta(self) -> dict[str, Any]:
        """age_seconds, stale, history and shared: the fields that change between scans."""
        assert self._snapshot is not None
        shared = self._shared
        with self._history_lock:  # appended by the scan thread
            history = list(self._history)
        if shared is not None and not shared["scanning_itself"]:
            # The collector's snapshot is as old as the collector's run that made it.
            if self._shared_ts is None:
                return {"age_seconds": None, "stale": True, "history": history, "shared": shared}
            age = self.clock() - self._shared_ts
            limit = SHARED_STALE_PERIODS * shared["period_seconds"]
            stale = bool(self._snapshot["stale_sources"]) or age > limit
            return {
                "age_seconds": round(age, 3),
                "stale": stale,
                "history": history,
                "shared": shared,
            }
        age = self.monotonic() - self._snapshot_at if self._snapshot_at else None
        if age is None:  # invalidated: age from the generation time
            generated = datetime.fromisoformat(
                self._snapshot["generated_at"].replace("Z", "+00:00")
            )
            age = self.clock() - generated.timestamp()
        stale = bool(self._snapshot["stale_sources"]) or age > self.config.effective_stale_after()
        return {"age_seconds": round(age, 3), "stale": stale, "history": history, "shared": shared}

    def find_resource(self, resource_id: str) -> dict[str, Any] | None:
        for row in (self._snapshot or {}).get("resources", []):
            if row["id"] == resource_id:
                return row
        return None

    def status(self) -> dict[str, Any]:
        snap = self._snapshot
        return {
            "scanning": self.scanning,
            "scans": self.scans,
            "has_snapshot": snap is not None,
            "generated_at": snap["generated_at"] if snap else None,
            "age_seconds": round(self.monotonic() - self._snapshot_at, 3)
            if snap and self._snapshot_at
            else None,
            "stale": self.snapshot_meta()["stale"] if snap else True,
            "errors": len(snap["errors"]) if snap else 0,
            "refresh_seconds": self.config.refresh_seconds,
            "last_scan": self.last_scan,
            "environment": self.context.environment if self.context else None,
        }

    # ------------------------------------------------------------------ scan
    def _scan_blocking(self, began: float) -> None:
        """One full scan; runs in a worker thread."""
        if self.context is None or not self.context.complete:
            previous = self.context
            self.context = detect_context(self.config, self._aws_for_region)
            if previous is not None and previous.instance_type and not self.context.instance_type:
                self.context.instance_type = previous.instance_type
        ctx = self.context
        if ctx.region:
            self.state.use_region(ctx.region)
        now = datetime.fromtimestamp(self.clock(), timezone.utc)
        if self.shared is not None:
            read = self.shared.read(ctx.account, ctx.region)
            usable = read.document is not None and (
                self.clock() - generated_ts(read.document)
                <= SHARED_STALE_PERIODS * float(read.document["period_seconds"])
            )
            if usable or not self.config.snapshot_fallback:
                self._publish(self._from_shared(ctx, read), began, now)
                return
            self._shared = self._shared_field(read, scanning_itself=True)
            self._shared_ts = None
        home = Home(ctx.account, ctx.region) if ctx.account and ctx.region else None
        result: ScanResult = self.inventory.scan(home)
        now = datetime.fromtimestamp(self.clock(), timezone.utc)  # cost so far: at the answer
        lookup = self._lookup()
        regions = self.config.other_regions(ctx.region, self.billed_regions())
        snapshot = compose_snapshot(
            ctx,
            result,
            self.other_regions.scan_due(regions, ctx.account),
            lookup,
            now,
            self.thresholds(),
            self.config.required_tags,
            self.config.allow_stop,
            [self._catalog_error] if self._catalog_error else [],
        )
        self._publish(snapshot, began, now)

    def _publish(self, snapshot: dict[str, Any], began: float, now: datetime) -> None:
        """Make `snapshot` the one every request gets (runs in the scan's worker thread)."""
        self._check_contract(snapshot)
        if snapshot["generated_at"] is not None:  # not a reader still without a snapshot
            self._record_history(now, snapshot["totals"]["mine"]["per_hour"])
        # Serialized once here, off the event loop: a large account's snapshot is ~1 MB of
        # JSON, too slow to dump per request. Requests only append the per-request fields.
        bodies = {
            key: _dump_without_closing_brace(snapshot, translations(key))
            for key in tuple(self._languages)
        }
        self._json_by_language = (snapshot, bodies)
        self._snapshot = snapshot
        self._snapshot_at = self.monotonic()
        self._snapshot_began = began
        self.scans += 1
        errors = snapshot["errors"]
        self._log_source_changes(errors)
        self.last_scan = {
            "at": now.isoformat().replace("+00:00", "Z"),
            **snapshot["scan"],
            "errors": len(errors),
        }

    # ------------------------------------------------------------ shared snapshot
    def _shared_field(self, read: SharedRead, scanning_itself: bool) -> dict[str, Any]:
        assert self.shared is not None
        period = (
            float(read.document["period_seconds"])
            if read.document is not None
            else self.config.refresh_seconds
        )
        return {
            "url": self.shared.location.url,
            "period_seconds": period,
            "scanning_itself": scanning_itself,
        }

    def _from_shared(self, ctx: Context, read: SharedRead) -> dict[str, Any]:
        """This user's snapshot from the collector's: no SageMaker call."""
        self._shared = self._shared_field(read, scanning_itself=False)
        errors = list(ctx.errors)
        stale_sources: list[str] = []
        document = read.document
        if document is None:
            self._shared_ts = None
            empty = self._empty_snapshot()
            for key in ("age_seconds", "stale", "history"):
                empty.pop(key)
            errors.append(read.error or {})
            return {
                **empty,
                "context": ctx.public(),
                "errors": errors,
                "stale_sources": [SHARED_SOURCE],
                "scan": {"calls": read.calls, "seconds": read.seconds},
            }
        shared = document["snapshot"]
        self._shared_ts = generated_ts(document)
        self._shared_names = Names.from_json(document["names"])
        if not self._history_seeded and ctx.account and ctx.region:
            self._seed_history(ctx)
            self._history_seeded = True
        rows, totals = personalize(shared["resources"], ctx, self.config.allow_stop)
        with self._stops_lock:
            self._stops_sent = mark_stops_sent(rows, self._stops_sent, self._shared_ts)
        errors += shared["errors"]
        stale_sources += shared["stale_sources"]
        age = self.clock() - self._shared_ts
        limit = SHARED_STALE_PERIODS * float(document["period_seconds"])
        if read.error is not None:
            errors.append(read.error)
            stale_sources.append(SHARED_SOURCE)
        elif age > limit:
            errors.append(
                {
                    "source": SHARED_SOURCE,
                    "code": "SnapshotStale",
                    "message": f"The shared snapshot is {age / 60:.0f} min old; the collector "
                    f"should write it every {float(document['period_seconds']) / 60:g} min.",
                    "hint": "Check the collector's Lambda function, its schedule and its log "
                    "(CloudWatch Logs), or set c.CostWidget.snapshot_fallback = True to scan "
                    "from this server meanwhile.",
                }
            )
            stale_sources.append(SHARED_SOURCE)
        return {
            "generated_at": shared["generated_at"],
            "currency": "USD",
            "context": ctx.public(),
            "totals": totals,
            "resources": rows,
            "warnings": restore_messages(document),
            "errors": errors,
            "stale_sources": stale_sources,
            "scan": {"calls": read.calls, "seconds": read.seconds},
        }

    def _seed_history(self, ctx: Context) -> None:
        """A reader that just started shows the collector's history of its $/h, before the
        points it records itself."""
        assert self.shared is not None
        points = self.shared.read_history(str(ctx.account), str(ctx.region))
        horizon = self.clock() - self.config.history_hours * 3600
        with self._history_lock:
            first = _ts(self._history[0]["t"]) if self._history else float("inf")
            earlier = [
                point
                for point in mine_series(points, mine_key(ctx))
                if horizon <= _ts(point["t"]) < first
            ]
            self._history.extendleft(reversed(earlier))

    def _check_contract(self, snapshot: dict[str, Any]) -> None:
        """The snapshot must be a SpendSnapshot (api/models.py); tests fail on any breach. A
        server still serves it, and logs the breach once."""
        try:
            SpendSnapshot.model_validate(
                {**snapshot, "age_seconds": 0.0, "stale": False, "history": []}
            )
        except ValidationError as exc:
            if not self._contract_logged:
                self._contract_logged = True
                self.state.log.error("costwidget: the /spend snapshot breaks its schema: %s", exc)

    def _log_source_changes(self, errors: list[dict[str, Any]]) -> None:
        """Log a source's failure once when it starts and once when it recovers."""
        now_failing = {str(e.get("source")): e for e in errors}
        for source, error in now_failing.items():
            if source not in self._failing:
                self.state.log.warning(
                    "costwidget: %s failing: %s: %s %s",
                    source,
                    error.get("code"),
                    error.get("message"),
                    error.get("hint") or "",
                )
        for source in self._failing.keys() - now_failing.keys():
            self.state.log.info("costwidget: %s recovered", source)
        self._failing = now_failing

    def _aws_for_region(self, region: str | None) -> Any:
        if region:
            self.state.use_region(region)
        return self.state.aws

    def _record_history(self, now: datetime, mine_per_hour: float | None) -> None:
        horizon = now.timestamp() - self.config.history_hours * 3600
        with self._history_lock:
            self._history.append(
                {"t": now.isoformat().replace("+00:00", "Z"), "mine_per_hour": mine_per_hour}
            )
            while self._history and _ts(self._history[0]["t"]) < horizon:
                self._history.popleft()

    def _lookup(self) -> Any:
        """The price lookup for this scan. The catalog is reloaded only when a
        `jupyter costwidget prices update` wrote new prices, so a refresh shows up without a
        server restart."""
        if self._price_lookup is not None:  # injected (tests, benchmarks)
            return self._price_lookup
        try:
            from jupyter_costwidget.pricing import PriceCatalog

            catalog = PriceCatalog.load(os.path.join(self.config.resolved_state_dir(), "prices"))
            self._catalog_error = None
            return catalog.lookup
        except Exception as exc:  # noqa: BLE001 - no prices is not a reason to stop
            self._catalog_error = {
                "source": "pricing",
                "code": "CatalogUnavailable",
                "message": f"The price catalog could not be loaded ({type(exc).__name__}).",
                "hint": "Reinstall jupyter-costwidget; every price shows as unknown meanwhile.",
            }
            return lambda *_args: None

    def _empty_snapshot(self) -> dict[str, Any]:
        return {
            "generated_at": None,
            "age_seconds": None,
            "stale": True,
            "currency": "USD",
            "context": (self.context or Context()).public(),
            "totals": {s: {"per_hour": None, "accrued": None, "unpriced": 0} for s in SCOPES},
            "resources": [],
            "warnings": [],
            "errors": [],
            "stale_sources": [],
            "scan": None,
            "history": [],
        }


def _dump_without_closing_brace(snapshot: dict[str, Any], said: NullTranslations) -> str:
    """JSON of the snapshot minus its final '}', its words said in `said`'s language. Long
    lists are dumped item by item: one json.dumps of a megabyte holds the GIL for tens of ms
    and would stall the event loop."""
    head = json.dumps(
        {k: v for k, v in snapshot.items() if k not in ("resources", "warnings")}, default=str
    )
    rows = ",".join(
        json.dumps(_said(row, "stop_refused_reason", said), default=str)
        for row in snapshot.get("resources", [])
    )
    warnings = ",".join(
        json.dumps(_said(w, "message", said), default=str) for w in snapshot.get("warnings", [])
    )
    return f'{head[:-1]}, "resources": [{rows}], "warnings": [{warnings}]'


def _said(item: dict[str, Any], key: str, said: NullTranslations) -> dict[str, Any]:
    value = item.get(key)
    return {**item, key: translate(value, said)} if isinstance(value, Text) else item


def _ts(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def setup(state: Any) -> None:
    engine = SpendEngine(state)
    state.spend = engine
    state.add_service("spend", engine)
