"""Imported by every Python process of a `scripts/pytest_at.sh` run (it is on PYTHONPATH).

Debian's libfaketime 0.9.10 fakes CLOCK_MONOTONIC in a way CPython's timed waits cannot use
(`threading.Event().wait(0.3)` never returns), so the script sets
FAKETIME_DONT_FAKE_MONOTONIC=1. With that setting its `clock_nanosleep` wrapper rejects the
absolute monotonic deadline `time.sleep` passes (EINVAL). This sleeps with `select` instead,
which the wall-clock shift does not touch. Nothing else changes: the wall clock stays faked.
"""

from __future__ import annotations

import os
import select
import time

if "faketime" in os.environ.get("LD_PRELOAD", ""):
    _monotonic = time.monotonic

    def _sleep(seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        deadline = _monotonic() + seconds
        while (left := deadline - _monotonic()) > 0:
            select.select([], [], [], left)

    time.sleep = _sleep
