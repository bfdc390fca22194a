"""A wall clock the test moves, and timed waits that end when it has moved far enough."""

from __future__ import annotations

import asyncio
import time


class FakeClock:
    """Seconds since the epoch, moved only by the test.

    It starts at the real time by default, so real kernels' and terminals' timestamps stay
    comparable. `wait_event` stands in for `asyncio.wait_for(event.wait(), timeout)`: it
    returns when the event is set or when the test has advanced the clock past the timeout.
    """

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else float(start)
        self._moved: asyncio.Event | None = None

    def __call__(self) -> float:
        return self.now

    def set(self, now: float) -> None:
        self.now = float(now)
        if self._moved is not None:
            self._moved.set()

    def advance(self, seconds: float) -> None:
        self.set(self.now + seconds)

    async def wait_event(self, event: asyncio.Event, timeout: float) -> None:
        deadline = self.now + timeout
        while not event.is_set() and self.now < deadline:
            self._moved = asyncio.Event()
            waiters = {
                asyncio.ensure_future(event.wait()),
                asyncio.ensure_future(self._moved.wait()),
            }
            _, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
