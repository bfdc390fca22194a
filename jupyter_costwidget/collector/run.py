"""One run of the shared collector: every region scanned once, one snapshot written per
region, the billed spend refreshed when due, new warnings and the daily summary announced.

The same inventory, pricing and spend code as a server that scans itself, with a context
that names only the account and region: readers add their own `self`, `mine` and `domain`
(spend/personalize.py). Inventories live as long as the process, so a warm Lambda keeps
its describes and tags and a warm run costs the list calls only.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from jupyter_costwidget import __version__
from jupyter_costwidget.aws.clients import AwsClients, AwsError
from jupyter_costwidget.aws.context import LOCAL, Context
from jupyter_costwidget.aws.inventory import Inventory, ScanResult
from jupyter_costwidget.aws.ownership import Home
from jupyter_costwidget.billing.service import BillingService
from jupyter_costwidget.collector import history, notices
from jupyter_costwidget.collector.location import (
    BILLING,
    HISTORY,
    NO_SUCH_OBJECT,
    NOTICES,
    SPEND,
    SnapshotLocation,
)
from jupyter_costwidget.collector.shared import envelope
from jupyter_costwidget.config import CostWidget
from jupyter_costwidget.spend.arithmetic import Thresholds
from jupyter_costwidget.spend.compose import compose_snapshot, iso

LOG = logging.getLogger("jupyter_costwidget.collector")
# CloudWatch is asked about endpoint invocations at most this often (as the server does).
METRICS_INTERVAL_SECONDS = 600.0


@dataclass
class CollectorSettings:
    location: SnapshotLocation
    regions: list[str]  # the first is where billing, notices and STS are asked
    topic_arn: str | None = None
    period_seconds: float = 60.0  # the schedule: readers call older than 3 periods stale
    history_step_seconds: float = 300.0
    daily_hour: int = 0  # UTC hour of the daily notice


@dataclass
class RunReport:
    account: str
    regions: list[str]
    written: list[str] = field(default_factory=list)  # object keys
    published: list[str] = field(default_factory=list)  # notice subjects
    billing_fetched: bool = False
    scan_calls: int = 0
    other_calls: int = 0  # STS, S3, SNS
    errors: list[dict[str, Any]] = field(default_factory=list)


class Collector:
    def __init__(
        self,
        settings: CollectorSettings,
        config: CostWidget,
        aws_in: Callable[[str], AwsClients],
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        log: logging.Logger = LOG,
        price_lookup: Any = None,
    ) -> None:
        if not settings.regions:
            raise ValueError("the collector needs at least one region")
        self.settings = settings
        self.config = config
        self.aws_in = aws_in
        self.clock = clock
        self.monotonic = monotonic
        self.log = log
        self._price_lookup = price_lookup
        self._inventories: dict[str, Inventory] = {}
        self._account: str | None = None
        self._history: dict[str, list[dict[str, Any]]] = {}
        self._notices: dict[str, Any] | None = None
        self._billing: BillingService | None = None
        self.runs = 0

    @property
    def home(self) -> AwsClients:
        return self.aws_in(self.settings.regions[0])

    # ------------------------------------------------------------------ the run
    def run(self) -> RunReport:
        calls = _Counter()
        account = self._account or self._caller_account(calls)
        self._account = account
        report = RunReport(account, list(self.settings.regions))
        scans: dict[str, ScanResult] = {}
        for region in self.settings.regions:
            scans[region] = self._inventory(region).scan(Home(account, region))
            report.scan_calls += scans[region].calls
        now = datetime.fromtimestamp(self.clock(), timezone.utc)
        lookup = self._lookup()
        thresholds = Thresholds(self.config.idle_endpoint_hours, self.config.long_running_hours)
        snapshots: dict[str, dict[str, Any]] = {}
        for region in self.settings.regions:
            ctx = Context(environment=LOCAL, region=region, account=account)
            others = {name: scan for name, scan in scans.items() if name != region}
            snapshot = compose_snapshot(
                ctx,
                scans[region],
                others,
                lookup,
                now,
                thresholds,
                self.config.required_tags,
                "none",  # readers decide who may stop what
            )
            snapshot.update(
                {
                    "age_seconds": 0.0,
                    "stale": bool(snapshot["stale_sources"]),
                    "history": [],
                    "shared": None,
                }
            )
            snapshots[region] = snapshot
            document = envelope(
                snapshot,
                account,
                region,
                self.settings.period_seconds,
                __version__,
                self._inventory(region).names.as_json(),
            )
            # One PutObject of the whole file: readers see the old one or the new one.
            self._put(calls, account, region, SPEND, json.dumps(document, default=str))
            report.written.append(self.settings.location.key(account, region, SPEND))
            report.errors += snapshot["errors"]
            if self._add_history(calls, account, region, snapshot, now):
                report.written.append(self.settings.location.key(account, region, HISTORY))
        billing, report.billing_fetched = self._refresh_billing(calls, account)
        if report.billing_fetched:
            report.written.append(self.settings.location.key(account, None, BILLING))
        report.published = self._announce(calls, account, snapshots, billing, now)
        report.other_calls = calls.count
        self.runs += 1
        return report

    def close(self) -> None:
        for inventory in self._inventories.values():
            inventory.close()
        self._inventories.clear()

    # ------------------------------------------------------------------ parts
    def _caller_account(self, calls: _Counter) -> str:
        calls.count += 1
        return str(self.home.call("sts", "GetCallerIdentity")["Account"])

    def _inventory(self, region: str) -> Inventory:
        inventory = self._inventories.get(region)
        if inventory is None:
            inventory = self._inventories[region] = Inventory(
                aws=lambda: self.aws_in(region),
                clock=self.clock,
                monotonic=self.monotonic,
                max_workers=self.config.aws_max_workers,
                idle_endpoint_hours=self.config.idle_endpoint_hours,
                metrics_interval=METRICS_INTERVAL_SECONDS,
            )
        return inventory

    def _lookup(self) -> Any:
        if self._price_lookup is not None:
            return self._price_lookup
        from jupyter_costwidget.pricing import PriceCatalog

        return PriceCatalog.snapshot_only().lookup

    def _add_history(
        self, calls: _Counter, account: str, region: str, snapshot: dict[str, Any], now: datetime
    ) -> bool:
        points = self._history.get(region)
        if points is None:  # a cold start continues the file
            data = self._get_json(calls, account, region, HISTORY)
            points = self._history[region] = list((data or {}).get("points") or [])
        point = history.history_point(iso(now), snapshot["resources"])
        horizon = self.config.history_hours * 3600
        if not history.add_point(points, point, self.settings.history_step_seconds, horizon):
            return False
        self._put(calls, account, region, HISTORY, json.dumps({"points": points}))
        return True

    def _refresh_billing(self, calls: _Counter, account: str) -> tuple[dict[str, Any] | None, bool]:
        """Cost Explorer at most `billing_max_requests_per_day` times a UTC day for the
        account; its figures and the day's request count live in billing.json in S3."""
        if not self.config.billing_enabled:
            return None, False
        service = self._billing
        if service is None:
            service = self._billing = BillingService(
                self.config, lambda: self.home, None, self.log, self.clock
            )
            data = self._get_json(calls, account, None, BILLING)
            service.cache.replace(data or {})
        fetched = service.refresh_blocking()
        if fetched:
            self._put(calls, account, None, BILLING, service.cache.text())
        return service.payload(), fetched

    def _announce(
        self,
        calls: _Counter,
        account: str,
        snapshots: dict[str, dict[str, Any]],
        billing: dict[str, Any] | None,
        now: datetime,
    ) -> list[str]:
        if not self.settings.topic_arn:
            return []
        if self._notices is None:
            self._notices = self._get_json(calls, account, None, NOTICES) or {}
        to_publish, state = notices.decide(
            self._notices, snapshots, billing, account, now, self.settings.daily_hour
        )
        published = []
        for notice in to_publish:
            calls.count += 1
            try:
                self.home.call(
                    "sns",
                    "Publish",
                    TopicArn=self.settings.topic_arn,
                    Subject=notice.subject[:100],
                    Message=notice.message,
                )
            except AwsError as err:  # announced next run
                self.log.warning("costwidget collector: could not publish: %s", err)
                return published
            published.append(notice.subject)
        if state != self._notices:
            self._put(calls, account, None, NOTICES, json.dumps(state))
            self._notices = state
        return published

    # ------------------------------------------------------------------ S3
    def _put(self, calls: _Counter, account: str, region: str | None, name: str, body: str) -> None:
        calls.count += 1
        self.home.call(
            "s3",
            "PutObject",
            Bucket=self.settings.location.bucket,
            Key=self.settings.location.key(account, region, name),
            Body=body.encode("utf-8"),
            ContentType="application/json",
        )

    def _get_json(
        self, calls: _Counter, account: str, region: str | None, name: str
    ) -> dict[str, Any] | None:
        calls.count += 1
        key = self.settings.location.key(account, region, name)
        try:
            answer = self.home.call(
                "s3", "GetObject", Bucket=self.settings.location.bucket, Key=key
            )
            data = json.loads(answer["Body"].read())
        except AwsError as err:
            if err.code not in NO_SUCH_OBJECT:
                raise
            return None
        except ValueError:
            self.log.warning("costwidget collector: ignoring unreadable s3 object %s", key)
            return None
        return data if isinstance(data, dict) else None


@dataclass
class _Counter:
    count: int = 0


COLLECTOR_CE_REQUESTS_PER_DAY = 5


def collector_config(**settings: Any) -> CostWidget:
    """The collector's settings: c.CostWidget traits (their COSTWIDGET_* environment
    defaults included), with state in the temporary directory (a Lambda's only writable
    place)."""
    # One Cost Explorer request a day more than a server's: the month split by owner tag that
    # every reader's billed "mine" comes from.
    settings.setdefault("billing_max_requests_per_day", COLLECTOR_CE_REQUESTS_PER_DAY)
    config = CostWidget(**settings)
    if not config.state_dir:
        config.state_dir = os.path.join(tempfile.gettempdir(), "costwidget-collector")
    return config
