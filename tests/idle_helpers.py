"""Driving a real server's idle monitor on a fake clock (tests/test_idle*.py).

The server's background check runs once an hour in these tests; the test runs the checks
itself every `step` fake seconds and moves the clock. Waits for real events (a kernel
turning busy, a terminal printing) poll with a bound and never serve as the assertion.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from .fake_clock import FakeClock


def monitor_of(serverapp: Any) -> Any:
    return serverapp.web_app.settings["costwidget"].idle


def drive(monitor: Any, clock: FakeClock | None = None) -> FakeClock:
    """Put the monitor on a fake clock (its save step waits on it too)."""
    clock = clock or FakeClock()
    monitor.clock = clock
    monitor.wait_event = clock.wait_event
    return clock


async def checks_until(
    monitor: Any, clock: FakeClock, until: float, step: float
) -> tuple[float | None, list[tuple[float, str]]]:
    """Check every `step` fake seconds up to `until`. Returns the fake time of the check that
    began a stop (None: no stop) and the (time, state) of every check."""
    seen = []
    while clock.now < until:
        clock.set(min(until, clock.now + step))
        state = await monitor.check()
        seen.append((clock.now, state))
        if state == "stopping":
            await monitor.stop_task
            return clock.now, seen
    return None, seen


async def wait_for(predicate: Any, limit: float, what: str) -> None:
    """Poll `predicate` (real time) until true; fail after `limit` seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {what} within {limit} s")
