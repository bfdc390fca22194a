"""Benchmark of a team: 1, 50 and 500 readers for 10 simulated minutes, each scanning the
account itself (per-user) or reading the shared collector's snapshot (collector).

Both modes run against the sandbox's account-level rate limit (its `rate_limit` fault: a
token bucket per operation) on a simulated clock:
- collector: the real collector runs once a simulated minute through the sandbox, and each
  reader makes the reader's one conditional GetObject a refresh through the sandbox (the
  snapshot's parsing is left out: it makes no call). Every call is counted by the sandbox.
- per-user: every reader makes a warm scan a minute. 500 readers x 10 scans of 26 calls are
  too many HTTP calls for a benchmark, so the calls of one real warm scan (counted by the
  sandbox) are fed through the sandbox's own RateLimit at the instants each reader's scan
  makes them (spread over a warm scan's 0.66 s at 50 ms a call, bench/results/spend.json).
  For one reader the same run is also made for real, and both must agree.

A scan is throttled when one of its calls is refused (before botocore's retries, which
add calls and time). Writes bench/results/team.json and prints a summary.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _common import DUMMY_AWS_ENV

from jupyter_costwidget.aws.clients import AwsClients, AwsError
from jupyter_costwidget.aws.inventory import Inventory
from jupyter_costwidget.aws.ownership import Home
from jupyter_costwidget.collector.location import SnapshotLocation
from jupyter_costwidget.collector.run import Collector, CollectorSettings, collector_config
from jupyter_costwidget.sandbox import start_sandbox
from jupyter_costwidget.sandbox.faults import RateLimit
from jupyter_costwidget.sandbox.generated import large_scenario

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "team.json"
REGION, ACCOUNT = "us-east-1", "123456789012"
BUCKET, PREFIX = "team-costs", "costwidget"
READERS = (1, 50, 500)
MINUTES = 10
REFRESH_SECONDS = 60.0  # c.CostWidget.refresh_seconds and the collector's period
WARM_SCAN_SECONDS = 0.66  # bench/results/spend.json: a warm scan at 50 ms a call
# The account-level limit the sandbox applies to every operation. AWS publishes no
# per-operation rate for SageMaker's List calls; this is the benchmark's assumption.
LIMIT = {"per_second": 5.0, "burst": 10.0}
# S3: "at least 3,500 PUT/COPY/POST/DELETE or 5,500 GET/HEAD requests per second per
# partitioned prefix" (Amazon S3 User Guide, "Best practices design patterns: optimizing
# Amazon S3 performance").
S3_GET_LIMIT = {"per_second": 5500.0, "burst": 5500.0}


class SimClock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def offsets(readers: int, seed: int) -> list[float]:
    """When in each minute each reader refreshes (its server started at a random time)."""
    rng = random.Random(seed)
    return sorted(rng.uniform(0, REFRESH_SECONDS) for _ in range(readers))


def warm_scan_profile(sandbox: Any) -> list[str]:
    """The calls of one warm scan, in a real scan's order of operations."""
    inventory = Inventory(lambda: AwsClients(REGION, sandbox.url), max_workers=16)
    inventory.scan(Home(ACCOUNT, REGION))  # cold
    sandbox.reset_calls()
    inventory.scan(Home(ACCOUNT, REGION))
    inventory.close()
    calls = sandbox.calls()
    return [key for key in sorted(calls) for _ in range(calls[key])]


def per_user(profile: list[str], readers: int) -> dict[str, Any]:
    """Every reader scans each minute; the sandbox's token buckets decide who is refused."""
    limits: dict[str, RateLimit] = {}
    scans = throttled_scans = refused = 0
    events = []
    for offset in offsets(readers, seed=readers):
        for minute in range(MINUTES):
            events.append(minute * REFRESH_SECONDS + offset)
    for start in sorted(events):
        scans += 1
        refused_here = 0
        step = WARM_SCAN_SECONDS / max(1, len(profile))
        for i, operation in enumerate(profile):
            limit = limits.setdefault(operation, RateLimit(**LIMIT))
            if not limit.take(operation, start + i * step):
                refused_here += 1
        refused += refused_here
        throttled_scans += refused_here > 0
    calls = scans * len(profile)
    return {
        "calls_per_minute": calls / MINUTES,
        "sagemaker_calls_per_minute": sum(1 for op in profile if op.startswith("sagemaker."))
        * scans
        / MINUTES,
        "scans": scans,
        "throttled_scans": throttled_scans,
        "refused_calls": refused,
    }


def per_user_real_one_reader(sandbox: Any, clock: SimClock, inventory: Inventory) -> dict[str, Any]:
    """One reader scanning itself for real (a warm inventory): the check of the simulation."""
    sandbox.reset_calls()
    start = clock.now
    throttled = 0
    for minute in range(MINUTES):
        clock.now = start + minute * REFRESH_SECONDS
        result = inventory.scan(Home(ACCOUNT, REGION))
        throttled += bool(result.errors)
    return {
        "calls_per_minute": sum(sandbox.calls().values()) / MINUTES,
        "throttled_scans": throttled,
    }


def make_collector(sandbox: Any, clock: SimClock) -> Collector:
    return Collector(
        CollectorSettings(SnapshotLocation(BUCKET, PREFIX), [REGION], period_seconds=60),
        collector_config(state_dir=tempfile.mkdtemp(), aws_max_attempts=1),
        lambda region: AwsClients(region, sandbox.url, max_attempts=1, retry_mode="standard"),
        clock=clock,
    )


def with_collector(
    sandbox: Any, clock: SimClock, collector: Collector, readers: int
) -> dict[str, Any]:
    sandbox.reset_calls()
    reader_aws = AwsClients(REGION, sandbox.url, max_attempts=1, retry_mode="standard")
    key = f"{PREFIX}/{ACCOUNT}/{REGION}/spend.json"
    etags: list[str | None] = [None] * readers
    start = clock.now
    events = [(m * REFRESH_SECONDS, -1) for m in range(MINUTES)]
    events += [
        (m * REFRESH_SECONDS + offset, i)
        for i, offset in enumerate(offsets(readers, seed=readers))
        for m in range(MINUTES)
    ]
    collector_runs = throttled_runs = reads = not_modified = refused_reads = 0
    for at, who in sorted(events):
        clock.now = start + at
        if who < 0:
            report = collector.run()
            collector_runs += 1
            throttled_runs += any("Throttl" in str(e.get("code")) for e in report.errors)
            continue
        params: dict[str, Any] = {"Bucket": BUCKET, "Key": key}
        if etags[who]:
            params["IfNoneMatch"] = etags[who]
        reads += 1
        try:
            answer = reader_aws.call("s3", "GetObject", **params)
            answer["Body"].read()
            etags[who] = answer["ETag"]
        except AwsError as err:
            if err.code == "304":
                not_modified += 1
            else:
                refused_reads += 1
    clock.now = start + MINUTES * REFRESH_SECONDS
    calls = sandbox.calls()
    sagemaker = sum(v for k, v in calls.items() if k.startswith("sagemaker."))
    total = sum(calls.values())
    return {
        "calls_per_minute": total / MINUTES,
        "sagemaker_calls_per_minute": sagemaker / MINUTES,
        "collector_calls_per_minute": (total - reads) / MINUTES,
        "reader_gets_per_minute": reads / MINUTES,
        "not_modified": not_modified,
        "collector_runs": collector_runs,
        "throttled_scans": throttled_runs,
        "refused_reader_gets": refused_reads,
    }


def main() -> int:
    os.environ.update(DUMMY_AWS_ENV)
    scenario = large_scenario()
    scenario.pop("other_regions")  # one region: the team's own
    sandbox = start_sandbox(scenario=scenario)
    try:
        sandbox.shared_bucket(BUCKET)
        profile = warm_scan_profile(sandbox)
        clock = SimClock(time.time())
        # Cold starts before the limits: steady state is what is measured.
        aws = AwsClients(REGION, sandbox.url, max_attempts=1, retry_mode="standard")
        one_reader = Inventory(lambda: aws, max_workers=16)
        one_reader.scan(Home(ACCOUNT, REGION))
        collector = make_collector(sandbox, clock)
        sandbox.reset_calls()
        collector.run()  # its cold start: every describe once, and Cost Explorer
        collector_cold = sum(sandbox.calls().values())
        clock.now += REFRESH_SECONDS
        sandbox.app.faults.clock = clock
        sandbox.fault({"rate_limit": {"operation": "*", **LIMIT}})
        sandbox.fault({"rate_limit": {"operation": "s3.GetObject", **S3_GET_LIMIT}})
        real_one = per_user_real_one_reader(sandbox, clock, one_reader)
        one_reader.close()
        clock.now += REFRESH_SECONDS
        results: dict[str, Any] = {
            "scenario": "bench_spend's large account, one region (1,000 apps, 200 endpoints)",
            "minutes": MINUTES,
            "refresh_seconds": REFRESH_SECONDS,
            "rate_limit_per_operation": LIMIT,
            "warm_scan_calls": len(profile),
            "warm_scan_calls_by_operation": dict(Counter(profile)),
            "per_user_one_reader_real": real_one,
            "collector_cold_run_calls": collector_cold,
            "readers": {},
        }
        for readers in READERS:
            results["readers"][str(readers)] = {
                "per_user": per_user(profile, readers),
                "collector": with_collector(sandbox, clock, collector, readers),
            }
        collector.close()
    finally:
        sandbox.stop()
    simulated_one = results["readers"]["1"]["per_user"]["calls_per_minute"]
    assert simulated_one == real_one["calls_per_minute"], (simulated_one, real_one)
    base = {n: r["collector"]["collector_calls_per_minute"] for n, r in results["readers"].items()}
    # The collector's own calls may differ by its history file's PutObject (one every 5 min).
    spread = max(base.values()) - min(base.values())
    results["collector_own_calls_per_minute"] = sorted(set(base.values()))
    results["collector_load_grows_only_by_reader_gets"] = spread <= 0.2 + 1e-9
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"warm scan: {len(profile)} calls; rate limit {LIMIT} per operation")
    print(
        f"{'readers':>8} {'per-user calls/min':>19} {'throttled scans':>16} "
        f"{'collector calls/min':>20} {'of which GETs':>14} {'throttled':>10}"
    )
    for n, r in results["readers"].items():
        pu, co = r["per_user"], r["collector"]
        print(
            f"{n:>8} {pu['calls_per_minute']:>19.1f} {pu['throttled_scans']:>7}/{pu['scans']:<8} "
            f"{co['calls_per_minute']:>20.1f} {co['reader_gets_per_minute']:>14.1f} "
            f"{co['throttled_scans']:>6}/{co['collector_runs']}"
        )
    print(f"collector's own calls a minute (every reader count): {sorted(set(base.values()))}")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
