"""What the billing meter costs: Cost Explorer requests (at $0.01 each) per simulated day.

Runs `BillingService` against the sandbox's demo scenario (its cost allocation tags active,
and again inactive) with a simulated clock: 5 tabs asking every minute for 7 days. Also
times a cached answer and a cold fetch. Writes bench/results/billing.json.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import os
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

from jupyter_costwidget.aws.context import Context
from jupyter_costwidget.billing import service as billing_service
from jupyter_costwidget.config import CostWidget
from jupyter_costwidget.sandbox import DEMO_SCENARIO, start_sandbox
from jupyter_costwidget.sandbox.client import DUMMY_CREDENTIALS
from jupyter_costwidget.sandbox.scenario import read_scenario_file
from jupyter_costwidget.state import CostWidgetState

RESULTS = Path(__file__).resolve().parent / "results" / "billing.json"
DAYS = 7
TABS = 5
PRICE_PER_REQUEST = 0.01


async def _no_wait(timeout: float) -> None:
    return None


async def simulate(sandbox, scenario: dict, state_dir: str) -> dict:
    sandbox.load(scenario)
    sandbox.reset_calls()
    config = CostWidget(
        endpoint_url=sandbox.url, region=sandbox.region, state_dir=state_dir, aws_max_attempts=2
    )
    state = CostWidgetState(config, logging.getLogger("bench"))
    state.spend = SimpleNamespace(  # who "mine" is, as the spend engine would say
        context=Context(
            environment="studio",
            region=sandbox.region,
            account=sandbox.account,
            domain_id="d-demo1",
            user_profile="alice",
            space="alice-space",
        ),
        first_scan=_no_wait,
        my_spaces=lambda: [],
    )
    midnight = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    now = [midnight.timestamp()]
    service = billing_service.build(state, clock=lambda: now[0])
    per_day = []
    cached_ms: list[float] = []
    requests = 0
    for day in range(DAYS):
        before = sum(v for k, v in sandbox.calls().items() if k.startswith("ce."))
        for minute in range(24 * 60):
            now[0] = midnight.timestamp() + day * 86400 + minute * 60
            for _ in range(TABS):
                t0 = time.perf_counter()
                await service.get()
                requests += 1
                if minute % 60 == 30:
                    cached_ms.append((time.perf_counter() - t0) * 1000)
        after = sum(v for k, v in sandbox.calls().items() if k.startswith("ce."))
        per_day.append(after - before)
    await state.stop()
    return {
        "requests_to_billing": requests,
        "ce_requests_per_day": per_day,
        "ce_calls": {k: v for k, v in sandbox.calls().items() if k.startswith("ce.")},
        "usd_per_day_max": round(max(per_day) * PRICE_PER_REQUEST, 2),
        "cached_get_ms_median": round(statistics.median(cached_ms), 3),
    }


async def cold_fetch_ms(sandbox, scenario: dict) -> float:
    sandbox.load(scenario)
    with tempfile.TemporaryDirectory() as tmp:
        config = CostWidget(endpoint_url=sandbox.url, region=sandbox.region, state_dir=tmp)
        state = CostWidgetState(config, logging.getLogger("bench"))
        service = billing_service.build(state)
        await service.get()  # clients built, first fetch
        samples = []
        for _ in range(5):
            t0 = time.perf_counter()
            service.cache.forget()  # a full fetch each time
            await service.get()
            samples.append((time.perf_counter() - t0) * 1000)
        await state.stop()
    return round(statistics.median(samples), 1)


async def main() -> None:
    os.environ.update(DUMMY_CREDENTIALS)
    os.environ.pop("AWS_PROFILE", None)
    demo = read_scenario_file(DEMO_SCENARIO)
    inactive = copy.deepcopy(demo)
    inactive["billing"]["cost_allocation_tags_active"] = False
    sandbox = start_sandbox()
    try:
        results = {"days": DAYS, "tabs": TABS, "cache_hours": CostWidget().billing_cache_hours}
        for name, scenario in (("tags_active", demo), ("tags_inactive", inactive)):
            with tempfile.TemporaryDirectory() as tmp:
                results[name] = await simulate(sandbox, scenario, tmp)
        results["cold_fetch_ms_median"] = await cold_fetch_ms(sandbox, demo)
    finally:
        sandbox.stop()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
