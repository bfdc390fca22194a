"""Find everything that bills in one region, with as few AWS calls as the APIs allow.

A scan lists each source once (botocore paginators, 100 items a page), then describes only
what the lists do not say and no cache knows (`descriptions`), reads tags (`tag_index`) and
endpoint invocations (`endpoint_metrics`), and maps it all to resources (`resource_rows`).
A failed source keeps its last good answer, marked stale; the other sources carry on.
All of it is blocking boto3: run `scan()` in a worker thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from jupyter_costwidget.aws.calls import CountingCalls, SourceErrors
from jupyter_costwidget.aws.clients import AwsClients, AwsError
from jupyter_costwidget.aws.descriptions import (
    BILLING_ENDPOINT_STATUSES,
    Descriptions,
    Lists,
)
from jupyter_costwidget.aws.endpoint_metrics import EndpointMetrics
from jupyter_costwidget.aws.hourly_services import HourlyServices
from jupyter_costwidget.aws.hourly_services import list_sources as hourly_sources
from jupyter_costwidget.aws.job_kinds import RUNNING_JOBS
from jupyter_costwidget.aws.ownership import Home, Names
from jupyter_costwidget.aws.resource_rows import ResourceRows, names_in
from jupyter_costwidget.aws.tag_index import TagIndex
from jupyter_costwidget.spend import resources as r


@dataclass
class ScanResult:
    resources: list[r.Resource]
    errors: list[dict[str, Any]]
    stale_sources: list[str]
    calls: int
    seconds: float
    domains: list[str] = field(default_factory=list)


def list_sources(calls: CountingCalls) -> dict[str, Callable[[], list[dict[str, Any]]]]:
    """Every list call of a scan, by the name its answer goes under."""
    return {
        "domains": lambda: calls.list_all("sagemaker", "ListDomains", "Domains"),
        "apps": lambda: calls.list_all("sagemaker", "ListApps", "Apps"),
        "spaces": lambda: calls.list_all("sagemaker", "ListSpaces", "Spaces"),
        "profiles": lambda: calls.list_all("sagemaker", "ListUserProfiles", "UserProfiles"),
        "efs": lambda: calls.list_all("efs", "DescribeFileSystems", "FileSystems"),
        "endpoints": lambda: calls.list_all("sagemaker", "ListEndpoints", "Endpoints"),
        **{
            jobs.source: partial(
                calls.list_all,
                "sagemaker",
                jobs.list_operation,
                jobs.summaries,
                StatusEquals="InProgress",
            )
            for jobs in RUNNING_JOBS
        },
        # A completed job's warm pool keeps its instances, billing, until KeepAlive ends.
        "warm_pools": lambda: calls.list_all(
            "sagemaker",
            "ListTrainingJobs",
            "TrainingJobSummaries",
            WarmPoolStatusEquals="Available",
        ),
        "notebooks": lambda: calls.list_all(
            "sagemaker", "ListNotebookInstances", "NotebookInstances"
        ),
        **hourly_sources(calls),
    }


class Inventory:
    """Scans one region; keeps the caches and last good answers between scans."""

    def __init__(
        self,
        aws: Callable[[], AwsClients],
        max_workers: int = 8,
        idle_endpoint_hours: float = 24.0,
        metrics_interval: float = 600.0,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._aws_factory = aws
        self.monotonic = monotonic
        self.max_workers = max(1, max_workers)
        self.metrics_interval = metrics_interval
        self._last_good: Lists = {}
        self.names = Names()  # the last scan's, for the stop route's fresh check
        self.descriptions = Descriptions()
        self.tags = TagIndex(metrics_interval, monotonic)
        self.metrics = EndpointMetrics(idle_endpoint_hours, metrics_interval, clock, monotonic)
        self.hourly = HourlyServices()
        self._pool: ThreadPoolExecutor | None = None
        # Operations answered AccessDenied: not retried before the time stored with them.
        self._denied: dict[str, tuple[float, AwsError]] = {}

    def _executor(self) -> ThreadPoolExecutor:
        # Kept between scans: boto3 clients are cached per thread, and making one is slow.
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.max_workers, thread_name_prefix="costwidget-scan")
        return self._pool

    def forget_denials(self) -> None:
        """Call denied operations again on the next scan."""
        self._denied.clear()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def scan(self, home: Home | None = None) -> ScanResult:
        """One scan. Owner tags count only when their ARNs are of `home` (None: any)."""
        started = time.perf_counter()  # a measurement for the bench, not a decision
        calls = CountingCalls(
            self._aws_factory(), self._denied, self.metrics_interval, self.monotonic
        )
        errors = SourceErrors()
        stale: list[str] = []
        pool = self._executor()
        lists = self._list(calls, pool, errors, stale)
        self._describe(calls, pool, lists, errors)
        billing = {
            e["EndpointName"]: self.descriptions.endpoint(e["EndpointName"])
            for e in lists["endpoints"]
            if e.get("EndpointStatus") in BILLING_ENDPOINT_STATUSES
        }
        described = {name: desc for name, desc in billing.items() if desc is not None}
        self.metrics.refresh(calls, pool, described, errors)
        self.names = names_in(lists)
        rows = ResourceRows(
            self.descriptions, self.tags, self.metrics, self.names, home, self.hourly
        )
        return ScanResult(
            resources=rows.build(lists, stale),
            errors=errors.list(),
            stale_sources=stale,
            calls=calls.calls,
            seconds=time.perf_counter() - started,
            domains=[d["DomainId"] for d in lists["domains"]],
        )

    def _list(
        self,
        calls: CountingCalls,
        pool: ThreadPoolExecutor,
        errors: SourceErrors,
        stale: list[str],
    ) -> Lists:
        futures = {name: pool.submit(fn) for name, fn in list_sources(calls).items()}
        out: Lists = {}
        for name, future in futures.items():
            try:
                out[name] = future.result()
                self._last_good[name] = out[name]
            except AwsError as err:
                errors.add(err)
                out[name] = self._last_good.get(name, [])
                stale.append(name)
        return out

    def _describe(
        self, calls: CountingCalls, pool: ThreadPoolExecutor, lists: Lists, errors: SourceErrors
    ) -> None:
        """Describes and tags, in parallel; ListTags per resource only without tag:GetResources."""
        tagged = [
            (e.get("EndpointArn"), e.get("LastModifiedTime"))
            for e in lists["endpoints"]
            if e.get("EndpointStatus") in BILLING_ENDPOINT_STATUSES
        ]
        for jobs in RUNNING_JOBS:
            tagged += [(job.get(f"{jobs.prefix}Arn"), None) for job in lists[jobs.source]]
        tagged += [(job.get("TrainingJobArn"), None) for job in lists["warm_pools"]]
        tagged = [(str(arn), version) for arn, version in tagged if arn]
        arns = {arn for arn, _ in tagged}
        index = (
            pool.submit(self.tags.fetch_index, calls, arns) if self.tags.index_due(arns) else None
        )
        tasks = self.descriptions.tasks(calls, lists, errors)
        tasks += self.hourly.tasks(calls, lists, errors)
        for future in [pool.submit(t) for t in tasks]:
            future.result()
        if index is not None and not index.result():
            # No tagging API (e.g. tag:GetResources not granted): ListTags per resource, once.
            fallback = [
                pool.submit(self.tags.ensure_listed, calls, arn, version, errors)
                for arn, version in self.tags.uncovered(tagged)
            ]
            for future in fallback:
                future.result()
