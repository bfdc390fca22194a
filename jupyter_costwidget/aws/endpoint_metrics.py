"""Invocations of each billing endpoint over the idle window, from CloudWatch.

All variants of all endpoints go into GetMetricData, 500 queries a call, at most every
`refresh_seconds`; a new endpoint is asked for on the next scan.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any

from jupyter_costwidget.aws.calls import CountingCalls, SourceErrors
from jupyter_costwidget.aws.clients import AwsError

# botocore's GetMetricDataInput.MetricDataQueries: at most 500 queries a request.
METRIC_QUERIES_PER_CALL = 500


class EndpointMetrics:
    def __init__(
        self,
        idle_endpoint_hours: float,
        refresh_seconds: float,
        clock: Callable[[], float],
        monotonic: Callable[[], float],
    ) -> None:
        self.idle_endpoint_hours = idle_endpoint_hours
        self.refresh_seconds = refresh_seconds
        self._clock = clock
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._invocations: dict[str, float] = {}
        self._fetched_at = 0.0

    def invocations(self, endpoint_name: str) -> float | None:
        return self._invocations.get(endpoint_name)

    def refresh(
        self,
        calls: CountingCalls,
        pool: ThreadPoolExecutor,
        described: dict[str, dict[str, Any]],
        errors: SourceErrors,
    ) -> None:
        """`described`: DescribeEndpoint of each billing endpoint, by name."""
        due = self._monotonic() - self._fetched_at >= self.refresh_seconds
        wanted: list[tuple[str, str]] = []
        for name, desc in described.items():
            if not due and name in self._invocations:
                continue
            for variant in desc.get("ProductionVariants") or []:
                if not variant.get("CurrentServerlessConfig"):
                    wanted.append((name, variant.get("VariantName", "AllTraffic")))
        if not wanted:
            return
        window = max(60, int(self.idle_endpoint_hours * 3600) // 60 * 60)
        end = datetime.fromtimestamp(self._clock(), timezone.utc).replace(second=0, microsecond=0)
        start = end - timedelta(seconds=window)
        batches = [
            wanted[i : i + METRIC_QUERIES_PER_CALL]
            for i in range(0, len(wanted), METRIC_QUERIES_PER_CALL)
        ]
        results = [pool.submit(_invocation_sums, calls, b, start, end, window) for b in batches]
        sums: dict[str, float] = {}
        ok = True
        for future in results:
            try:
                for name, value in future.result().items():
                    sums[name] = sums.get(name, 0.0) + value
            except AwsError as err:
                errors.add(err)
                ok = False
        with self._lock:
            self._invocations.update(sums)
        if ok and due:
            self._fetched_at = self._monotonic()


def _invocation_sums(
    calls: CountingCalls,
    batch: list[tuple[str, str]],
    start: datetime,
    end: datetime,
    period: int,
) -> dict[str, float]:
    queries = [
        {
            "Id": f"m{i}",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/SageMaker",
                    "MetricName": "Invocations",
                    "Dimensions": [
                        {"Name": "EndpointName", "Value": name},
                        {"Name": "VariantName", "Value": variant},
                    ],
                },
                "Period": period,
                "Stat": "Sum",
            },
            "ReturnData": True,
        }
        for i, (name, variant) in enumerate(batch)
    ]
    sums = {name: 0.0 for name, _ in batch}
    params: dict[str, Any] = {"MetricDataQueries": queries, "StartTime": start, "EndTime": end}
    while True:
        page = calls.call("cloudwatch", "GetMetricData", **params)
        for result in page.get("MetricDataResults", []):
            index = int(str(result.get("Id", "m-1"))[1:])
            if 0 <= index < len(batch):
                sums[batch[index][0]] += float(sum(result.get("Values") or []))
        token = page.get("NextToken")
        if not token:
            return sums
        params["NextToken"] = token
