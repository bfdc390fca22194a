"""The idle monitor's decisions, in-process on a fake clock (milliseconds per test).

The monitor reads a stand-in kernel manager and terminal manager; its stop is a recorder;
its save step waits on the fake clock. Every expected time is written from the settings
below: timeout 30 min = 1800 s, warning 5 min = 300 s before, bounds 1..120 min.
`tests/test_idle.py` and `tests/test_idle_timing.py` run the same rules on a real server.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_costwidget.config import CostWidget
from jupyter_costwidget.idle.kernel_probe import KernelProbe
from jupyter_costwidget.idle.monitor import ACTIVITY_MIN_INTERVAL, IdleMonitor
from jupyter_costwidget.idle.tabs import IdleInputError
from jupyter_costwidget.idle.work import program_name
from jupyter_costwidget.state import CostWidgetState

from .fake_clock import FakeClock
from .idle_helpers import wait_for

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc).timestamp()
TIMEOUT = 1800.0  # idle_timeout_minutes = 30
GRACE = 300.0  # idle_grace_minutes = 5
SETTINGS: dict[str, Any] = {
    "idle_enabled": True,
    "idle_timeout_minutes": 30.0,
    "idle_grace_minutes": 5.0,
    "idle_check_seconds": 3600.0,
    "idle_min_minutes": 1.0,
    "idle_max_minutes": 120.0,
    "idle_cpu_percent": 0.0,
    "idle_save_timeout_seconds": 30.0,
    "idle_client_ttl_seconds": 150.0,
    "idle_unsaved_max_hours": 12.0,
}


@dataclass
class Kernel:
    execution_state: str = "idle"
    last_activity: datetime | None = None
    kernel_name: str = "python3"
    # What a direct `kernel_info` request meets: a cell the server did not see start
    # (silent), or a kernel without ZeroMQ ports to ask (remote).
    silent: bool = False
    remote: bool = False
    asked: int = 0
    closed: int = 0


class StandInProbe:
    """The kernel_info request of `idle/kernel_probe.py`, answered by a stand-in kernel."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.timeouts: list[float] = []

    async def answers(self, timeout: float) -> bool | None:
        self.kernel.asked += 1
        self.timeouts.append(timeout)
        return None if self.kernel.remote else not self.kernel.silent

    def close(self) -> None:
        self.kernel.closed += 1


class Kernels:
    """What the monitor reads of jupyter_server's kernel manager."""

    def __init__(self) -> None:
        self.kernels: dict[str, Kernel] = {}

    def list_kernel_ids(self) -> list[str]:
        return list(self.kernels)

    def get_kernel(self, kernel_id: str) -> Kernel:
        return self.kernels[kernel_id]


class Rig:
    """A monitor with its fakes: `kernels`, `terminals`, the `stops` it made."""

    def __init__(self, tmp_path: Any, **overrides: Any) -> None:
        self.clock = FakeClock(T0)
        self.kernels = Kernels()
        self.terminals: dict[str, Any] = {}
        server_app = SimpleNamespace(
            kernel_manager=self.kernels,
            web_app=SimpleNamespace(
                settings={"terminal_manager": SimpleNamespace(terminals=self.terminals)}
            ),
        )
        config = CostWidget(**{**SETTINGS, "state_dir": str(tmp_path), **overrides})
        self.state = CostWidgetState(
            config, logging.getLogger("test-idle"), server_app, clock=self.clock
        )
        self.stops: list[tuple[str, float]] = []
        self.monitor = IdleMonitor(
            self.state, stop_app=self._stop, wait_event=self.clock.wait_event
        )
        self.monitor.probes.nvidia_smi = None
        self.monitor.work.kernel_probe = StandInProbe

    async def _stop(self, state: Any, monitor: IdleMonitor) -> dict[str, Any]:
        assert state is self.state and monitor is self.monitor
        self.stops.append((monitor.stop_reason or "", self.clock.now))
        return {"summary": "stopped", "calls": []}

    def at(self, seconds_after_t0: float) -> datetime:
        return datetime.fromtimestamp(T0 + seconds_after_t0, timezone.utc)

    async def check_at(self, seconds_after_t0: float) -> str:
        self.clock.set(T0 + seconds_after_t0)
        state = await self.monitor.check()
        if state == "stopping":
            await self.monitor.stop_task
        return state

    async def stop_with_tabs(self, *tabs: str) -> None:
        """The tabs poll 10 s before the timeout; at the timeout a check begins the stop,
        which asks them to save."""
        self.clock.set(T0 + TIMEOUT - 10)
        for tab in tabs:
            self.monitor.register_client(tab, [])
        self.clock.set(T0 + TIMEOUT)
        assert await self.monitor.check() == "stopping"
        await _yield()

    async def first_stop(self, start: float, end: float, step: float = 1.0) -> float | None:
        """Check every `step` s from `start` to `end` (seconds after T0); when the first stop
        began, or None."""
        t = start
        while t <= end:
            if await self.check_at(t) == "stopping":
                return t
            t += step
        return None

    def close(self) -> None:
        self.state.executor.shutdown(wait=False)


@pytest.fixture
def rig(tmp_path):
    made: list[Rig] = []

    def build(**overrides: Any) -> Rig:
        made.append(Rig(tmp_path, **overrides))
        return made[-1]

    yield build
    for r in made:
        r.close()


# --- the timeout ----------------------------------------------------------------------------------
async def test_stops_at_the_timeout_not_before(rig):
    r = rig()
    # Nothing since the server started at T0: the stop is due at T0 + 1800 s.
    assert await r.check_at(TIMEOUT - 1) == "warning"
    assert r.stops == []
    assert await r.check_at(TIMEOUT) == "stopping" or r.stops
    assert r.stops == [("idle", T0 + TIMEOUT)]
    assert r.monitor.last_action["ok"] is True and r.monitor.last_action["reason"] == "idle"


async def test_warns_grace_minutes_before(rig):
    r = rig()
    assert await r.check_at(TIMEOUT - GRACE - 1) == "idle"  # 1499 s: not yet
    assert await r.check_at(TIMEOUT - GRACE) == "warning"  # 1500 s
    snap = r.monitor.snapshot()
    assert snap["seconds_left"] == 300.0
    assert snap["stops_at"] == "2026-12-02T09:30:00Z"
    assert snap["idle_seconds"] == 1500.0


async def test_after_a_stop_nothing_stops_again(rig):
    r = rig()
    assert await r.first_stop(TIMEOUT, TIMEOUT) == TIMEOUT
    # The clock restarted at the stop; another full timeout later it is still "stopped".
    assert await r.check_at(3 * TIMEOUT) == "stopped"
    assert len(r.stops) == 1


async def test_disabled_never_stops(rig):
    r = rig(idle_enabled=False)
    assert await r.first_stop(0, 10 * TIMEOUT, step=600) is None
    assert r.monitor.current_state == "disabled"


# --- activity moves the clock ---------------------------------------------------------------------
async def test_kernel_activity_restarts_the_clock(rig):
    r = rig()
    r.kernels.kernels["k1"] = Kernel(last_activity=r.at(1000))
    # The last activity at 1000 s: stop due at 2800 s.
    assert await r.first_stop(1000, 2799, step=100) is None
    assert await r.check_at(2800) == "stopping"
    assert r.stops == [("idle", T0 + 2800)]


async def test_a_busy_kernel_holds_the_clock_at_now(rig):
    r = rig()
    r.kernels.kernels["k1"] = Kernel("busy", last_activity=r.at(0))
    # Busy for three timeouts: no stop, and the clock stays at the last check.
    assert await r.first_stop(60, 3 * TIMEOUT, step=60) is None
    assert r.monitor.last_active == T0 + 3 * TIMEOUT
    r.kernels.kernels["k1"] = Kernel("idle", last_activity=r.at(3 * TIMEOUT))
    done = 3 * TIMEOUT
    assert await r.first_stop(done + 60, done + TIMEOUT - 1, step=60) is None
    assert await r.check_at(done + TIMEOUT) == "stopping"


async def test_a_starting_kernel_is_busy(rig):
    r = rig()
    r.kernels.kernels["k1"] = Kernel("starting", last_activity=None)
    assert await r.check_at(2 * TIMEOUT) == "active"
    assert r.stops == []


async def test_busy_ceiling_lets_the_stop_through(rig):
    r = rig(idle_max_busy_hours=1.0)
    r.kernels.kernels["k1"] = Kernel("busy", last_activity=r.at(0))
    # Busy since 0: a blocker up to 3600 s, then it no longer holds the clock.
    assert await r.check_at(3600) == "active"
    assert r.monitor.busy_too_long("k1") is False
    assert await r.check_at(3601) != "stopping"
    assert r.monitor.busy_too_long("k1") is True
    # The clock ran from the last check that held it (3600 s): the stop at 5400 s.
    assert await r.first_stop(3602, 5399, step=60) is None
    assert await r.check_at(5400) == "stopping"


async def test_ignore_busy_kernels(rig):
    r = rig(idle_ignore_busy_kernels=True)
    r.kernels.kernels["k1"] = Kernel("busy", last_activity=r.at(0))
    assert await r.first_stop(0, TIMEOUT, step=60) == TIMEOUT


# --- a kernel whose busy state the server missed ------------------------------------------
# Checks every 30 s from T0 with the kernel silent: a warning could first begin at
# 1800 - 300 = 1500 s, so it is asked then; it does not answer, which holds the clock at
# 1500; the next time a warning could begin is 1500 + 1500 = 3000 s, and so on.


async def test_a_kernel_that_does_not_answer_holds_the_stop(rig, caplog):
    caplog.set_level(logging.INFO, logger="test-idle")
    r = rig()
    k1 = Kernel("idle", silent=True)
    r.kernels.kernels["k1"] = k1
    r.kernels.kernels["k2"] = Kernel("idle")  # answers every time: nothing to log
    assert await r.first_stop(30, 1470, step=30) is None
    assert k1.asked == 0  # no warning could begin yet: not asked
    assert await r.check_at(1500) == "active"
    assert k1.asked == 1
    assert _idle_lines(caplog)[-1].startswith("costwidget idle: kernel k1 reads idle but")
    assert [b.public() for b in r.monitor.blockers] == [
        {"kind": "kernel", "name": "python3 k1", "detail": "busy for 0 s (does not answer)"}
    ]
    assert r.monitor.last_active == T0 + 1500
    assert await r.first_stop(1530, 2970, step=30) is None
    assert k1.asked == 1
    assert await r.check_at(3000) == "active"
    assert r.monitor.blockers[0].detail == "busy for 25 min (does not answer)"
    assert k1.asked == 2
    assert r.monitor.work.kernel_probes["k1"].timeouts == [5.0, 5.0]  # the default
    # The cell ends at 3100: asked at 4500 it answers; the clock ran from 3000, so the
    # warning is at 4500 and the stop at 3000 + 1800 = 4800.
    k1.silent = False
    assert await r.first_stop(3030, 4470, step=30) is None
    assert await r.check_at(4500) == "warning"
    assert k1.asked == 3
    assert await r.first_stop(4530, 4770, step=30) is None
    assert await r.check_at(4800) == "stopping"
    assert r.stops == [("idle", T0 + 4800)]
    said = [line for line in _idle_lines(caplog) if "costwidget idle: kernel" in line]
    assert said == [
        "costwidget idle: kernel k1 reads idle but does not answer within 5.0 s: it runs "
        "something, so it holds the stop",
        "costwidget idle: kernel k1 answers again",
    ]


async def test_a_kernel_that_does_not_answer_and_the_busy_ceiling(rig):
    r = rig(idle_max_busy_hours=1.0)
    r.kernels.kernels["k1"] = Kernel("idle", silent=True)
    # Silent since 1500: it holds at 1500, 3000 and 4500 (4500 - 1500 = 3000 <= 3600); at
    # 6000 it is past the hour and no longer holds; the clock ran from 4500: stop at 6300.
    assert await r.first_stop(30, 5970, step=30) is None
    assert r.monitor.last_active == T0 + 4500
    assert await r.check_at(6000) == "warning"
    assert await r.first_stop(6030, 6270, step=30) is None
    assert await r.check_at(6300) == "stopping"


@pytest.mark.parametrize(
    ("overrides", "kernel_fields"),
    [
        ({"idle_kernel_probe_seconds": 0.0}, {}),
        ({"idle_ignore_busy_kernels": True}, {}),
        ({}, {"remote": True}),  # cannot be asked: unknown
        ({}, {"execution_state": "dead"}),  # runs no cell
        ({}, {"execution_state": "restarting"}),
    ],
)
async def test_kernels_not_asked_or_not_holding(rig, overrides, kernel_fields):
    r = rig(**overrides)
    kernel = Kernel(**{"execution_state": "idle", "silent": True, **kernel_fields})
    r.kernels.kernels["k1"] = kernel
    assert await r.first_stop(30, TIMEOUT, step=30) == TIMEOUT
    # Asked when a warning could begin (1500) and at the last look before the stop (1800).
    expected_asks = 2 if kernel.remote else 0
    assert kernel.asked == expected_asks


async def test_stop_when_done_waits_for_a_kernel_that_does_not_answer(rig):
    r = rig(idle_enabled=False)
    k1 = Kernel("idle", silent=True)
    r.kernels.kernels["k1"] = k1
    r.monitor.stop_when_done(True)
    for t in (10, 20, 600):
        assert await r.check_at(t) == "active"
    assert k1.asked == 3  # armed: every check may begin the warning
    k1.silent = False
    assert await r.check_at(630) == "warning"
    assert await r.check_at(640) == "warning"
    assert k1.asked == 4  # not asked again during the warning
    assert await r.check_at(630 + WHEN_DONE_GRACE) == "stopping"
    assert r.stops == [("when-done", T0 + 630 + WHEN_DONE_GRACE)]


async def test_a_kernel_silent_at_the_last_look_cancels_the_stop(rig):
    r = rig()
    k1 = Kernel("idle")
    r.kernels.kernels["k1"] = k1
    r.clock.set(T0 + TIMEOUT)
    assert await r.monitor.check() == "stopping"
    k1.silent = True  # a cell began while the front-ends were saving
    await r.monitor.stop_task
    assert r.stops == []
    assert r.monitor.last_action["cancelled"] is True
    assert "python3 k1: busy for 0 s (does not answer)" in r.monitor.last_action["message"]


async def test_the_probes_of_kernels_that_went_away_are_closed(rig):
    r = rig()
    k1, k2 = Kernel("idle", silent=True), Kernel("idle")
    r.kernels.kernels.update({"k1": k1, "k2": k2})
    assert await r.check_at(1500) == "active"
    del r.kernels.kernels["k1"]  # shut down
    k2.execution_state = "dead"  # asked no more
    assert await r.check_at(3000) == "warning"
    assert (k1.closed, k2.closed) == (1, 1)
    assert r.monitor.work.kernel_probes == {}
    await r.monitor.stop()


class KernelsWithAGap(Kernels):
    """A kernel listed, then shut down before it is read (jupyter_server raises KeyError)."""

    def list_kernel_ids(self) -> list[str]:
        return ["gone", *self.kernels]

    def get_kernel(self, kernel_id: str) -> Kernel:
        if kernel_id == "gone":
            raise KeyError(kernel_id)
        return self.kernels[kernel_id]


async def test_asking_each_kernel_whatever_comes_before_it(rig):
    r = rig(idle_kernel_probe_seconds=0.5)
    r.monitor.work.server_app.kernel_manager = kernels = KernelsWithAGap()
    # In order: a vanished one, a dead one, one that answers, then the silent one.
    kernels.kernels.update(
        {
            "k0": Kernel("dead"),
            "k1": Kernel("idle"),
            "0123456789abcdef": SimpleNamespace(
                execution_state="idle", silent=True, remote=False, asked=0, closed=0
            ),
        }
    )
    work = r.monitor.work
    (held,) = await work.unanswering_kernels(T0)
    # No kernel_name: "kernel", and the id's first 8 characters.
    assert (held.kind, held.name, held.detail) == (
        "kernel",
        "kernel 01234567",
        "busy for 0 s (does not answer)",
    )
    assert (held.holds_schedule, held.ongoing, held.hold) == (True, True, False)
    assert kernels.kernels["k1"].asked == 1 and kernels.kernels["k0"].asked == 0
    assert work.kernel_probes["k1"].timeouts == [0.5]


async def test_the_busy_ceiling_for_a_silent_kernel_to_the_second(rig):
    r = rig(idle_max_busy_hours=1.0)
    work = r.monitor.work
    r.kernels.kernels["k1"] = Kernel("idle", silent=True)
    assert len(await work.unanswering_kernels(T0 + 100)) == 1  # silent since 100
    r.kernels.kernels["k2"] = Kernel("idle", silent=True)
    assert len(await work.unanswering_kernels(T0 + 3000)) == 2  # k2 silent since 3000
    # k1: 3600 s silent still holds; past it, not; k2 (after it in order) still does.
    assert [b.name for b in await work.unanswering_kernels(T0 + 3700)] == [
        "python3 k1",
        "python3 k2",
    ]
    assert [b.name for b in await work.unanswering_kernels(T0 + 3700.5)] == ["python3 k2"]


async def test_a_restarted_kernel_is_silent_from_its_restart(rig):
    r = rig()
    k1 = Kernel("idle", silent=True)
    r.kernels.kernels["k1"] = k1
    assert await r.check_at(1500) == "active"  # silent since 1500
    k1.execution_state = "restarting"  # the same id, a new process
    assert await r.check_at(3000) == "warning"
    k1.execution_state = "idle"  # up again, and its first cell's status missed again
    assert await r.check_at(3300) == "stopping"
    assert r.stops == []
    # Asked at the last look: silent since then, not since 1500.
    assert "python3 k1: busy for 0 s (does not answer)" in r.monitor.last_action["message"]


async def test_no_kernel_manager_nothing_to_ask(rig):
    r = rig()
    r.monitor.work.server_app = SimpleNamespace()
    assert await r.monitor.work.unanswering_kernels(T0) == []


async def test_when_kernels_are_not_asked(rig):
    # Off: asked only while auto-stop (or a schedule or "stop when done") could stop.
    off = rig(idle_enabled=False)
    off.kernels.kernels["k1"] = k1 = Kernel("idle")
    assert await off.first_stop(30, 2 * TIMEOUT, step=30) is None
    assert k1.asked == 0
    # Stopped, and nothing new since: nothing is about to happen, so nothing is asked.
    r = rig()
    r.kernels.kernels["k1"] = k2 = Kernel("idle")
    assert await r.check_at(1499) == "idle"  # 301 s before the timeout: not yet
    assert k2.asked == 0
    assert await r.check_at(TIMEOUT) == "stopping"
    assert k2.asked == 2  # when the warning could begin, and at the last look
    assert await r.check_at(TIMEOUT + 3600) == "stopped"
    assert k2.asked == 2


async def test_a_check_during_the_save_asks_no_kernel(rig):
    r = rig()
    r.kernels.kernels["k1"] = k1 = Kernel("idle")
    await r.stop_with_tabs("tab-1")  # the stop began: asked once, when it could begin
    assert k1.asked == 1
    assert await r.monitor.check() == "stopping"
    assert k1.asked == 1
    r.monitor.saved(r.monitor.save_request.id, "tab-1", True, None)
    await r.monitor.stop_task
    assert k1.asked == 2  # the last look before the stop
    assert r.stops == [("idle", T0 + TIMEOUT)]


@pytest.mark.parametrize(
    "kernel",
    [
        SimpleNamespace(),  # a gateway kernel: no connection info at all
        SimpleNamespace(get_connection_info=lambda session: {}),
        SimpleNamespace(get_connection_info=lambda session: {"shell_port": 5, "ip": "x"}),
    ],
)
async def test_a_kernel_without_zeromq_ports_cannot_be_asked(kernel):
    probe = KernelProbe(kernel)
    assert await probe.answers(0.01) is None
    assert probe.waiting is False


async def test_terminal_activity_and_the_ignore_switch(rig):
    r = rig()
    r.terminals["1"] = SimpleNamespace(last_activity=r.at(600))
    assert await r.first_stop(600, 600 + TIMEOUT - 1, step=100) is None
    assert await r.check_at(600 + TIMEOUT) == "stopping"
    quiet = rig(idle_ignore_terminals=True)
    quiet.terminals["1"] = SimpleNamespace(last_activity=quiet.at(600))
    assert await quiet.check_at(TIMEOUT) == "stopping"


async def test_user_input_restarts_the_clock_and_is_throttled(rig):
    r = rig()
    r.clock.set(T0 + 900)
    assert r.monitor.report_activity() is True
    r.clock.set(T0 + 900 + ACTIVITY_MIN_INTERVAL - 1)
    assert r.monitor.report_activity() is False  # 9 s later: not counted
    r.clock.set(T0 + 900 + ACTIVITY_MIN_INTERVAL)
    assert r.monitor.report_activity() is True  # 10 s later: counted
    last = 900 + ACTIVITY_MIN_INTERVAL
    assert await r.first_stop(last, last + TIMEOUT - 1, step=100) is None
    assert await r.check_at(last + TIMEOUT) == "stopping"


async def test_cpu_work_holds_the_clock(rig):
    r = rig(idle_cpu_percent=20.0)
    cpu = {"percent": 20.5}
    r.monitor.probes.cpu_percent = lambda: cpu["percent"]
    assert await r.first_stop(60, 2 * TIMEOUT, step=60) is None
    cpu["percent"] = 20.0  # at the threshold: not above it, so not work
    assert await r.first_stop(2 * TIMEOUT + 1, 3 * TIMEOUT - 1, step=60) is None
    assert await r.check_at(3 * TIMEOUT) == "stopping"


# --- keep-alive and "keep running" ----------------------------------------------------------------
async def test_keepalive_holds_then_the_timeout_runs_from_its_end(rig):
    r = rig()
    r.clock.set(T0 + 100)
    until = r.monitor.keep_running(90)
    assert until == T0 + 100 + 90 * 60  # 5500 s
    assert await r.first_stop(100, 5500 + TIMEOUT - 1, step=100) is None
    assert await r.check_at(5500 + TIMEOUT) == "stopping"


async def test_keepalive_is_capped_and_checked(rig):
    r = rig()
    assert r.monitor.keep_running(10_000) == T0 + 120 * 60  # idle_max_minutes = 120
    for bad in (0, -1, float("nan"), float("inf"), True, "5"):
        with pytest.raises(IdleInputError):
            r.monitor.keep_running(bad)


async def test_keep_running_restarts_the_clock(rig):
    r = rig()
    assert await r.check_at(TIMEOUT - 60) == "warning"
    r.monitor.keep_running(None)
    assert r.monitor.last_active == T0 + TIMEOUT - 60
    assert await r.check_at(TIMEOUT) == "idle"
    assert await r.check_at(2 * TIMEOUT - 60) == "stopping"


# --- the save step --------------------------------------------------------------------------------
async def test_connected_tab_saves_then_the_stop(rig):
    r = rig()
    r.clock.set(T0 + TIMEOUT - 100)
    r.monitor.register_client("tab-1", [])
    r.clock.set(T0 + TIMEOUT)
    assert await r.monitor.check() == "stopping"
    await _yield()
    req = r.monitor.save_request
    assert req is not None and req.pending == {"tab-1"}
    assert r.stops == []  # nothing before the tab confirms
    r.monitor.saved(req.id, "tab-1", True, None)
    await r.monitor.stop_task
    assert r.stops == [("idle", T0 + TIMEOUT)]


async def test_failed_save_cancels(rig):
    r = rig()
    r.clock.set(T0 + TIMEOUT - 100)
    r.monitor.register_client("tab-1", [])
    r.clock.set(T0 + TIMEOUT)
    await r.monitor.check()
    await _yield()
    r.monitor.saved(r.monitor.save_request.id, "tab-1", False, "a.ipynb: disk full")
    await r.monitor.stop_task
    assert r.stops == []
    action = r.monitor.last_action
    assert action["cancelled"] is True and "disk full" in action["message"]
    # Tried again after a full timeout, not at the next check.
    assert r.monitor.last_active == T0 + TIMEOUT


async def test_unconfirmed_save_cancels_at_the_save_timeout(rig):
    r = rig()
    await r.stop_with_tabs("tab-1")
    r.clock.advance(29)  # idle_save_timeout_seconds = 30
    await _yield()
    assert not r.monitor.stop_task.done()
    r.clock.advance(1)
    # The save wait follows the monitor's clock: done at once, not after 30 real seconds.
    await asyncio.wait_for(r.monitor.stop_task, 5)
    assert r.stops == []
    assert "did not confirm" in r.monitor.last_action["message"]


async def test_work_that_starts_while_saving_calls_the_stop_off(rig):
    r = rig()
    await r.stop_with_tabs("tab-1")
    r.kernels.kernels["k1"] = Kernel("busy", last_activity=r.at(TIMEOUT))
    r.monitor.saved(r.monitor.save_request.id, "tab-1", True, None)
    await r.monitor.stop_task
    assert r.stops == []
    assert "new activity while saving" in r.monitor.last_action["message"]


async def test_user_input_while_saving_calls_the_stop_off(rig):
    r = rig()
    await r.stop_with_tabs("tab-1")
    r.clock.advance(2)
    assert r.monitor.report_activity() is True
    await r.monitor.stop_task
    assert r.stops == [] and r.monitor.last_action["cancelled"] is True


async def test_a_closed_tab_is_not_waited_for(rig):
    r = rig()
    await r.stop_with_tabs("tab-1", "tab-2")
    r.monitor.saved(r.monitor.save_request.id, "tab-1", True, None)
    r.monitor.unregister_client("tab-2")
    await r.monitor.stop_task
    assert r.stops == [("idle", T0 + TIMEOUT)]


# --- silent tabs ----------------------------------------------------------------------------------
async def test_tabs_silent_past_the_ttl_are_not_asked(rig):
    r = rig()
    r.monitor.register_client("tab-1", [])
    r.clock.set(T0 + 150)
    assert r.monitor.connected_clients() == {"tab-1"}  # 150 s: still connected
    r.clock.set(T0 + 151)
    assert r.monitor.connected_clients() == set()
    assert "tab-1" not in r.monitor.clients  # forgotten: it held nothing unsaved


async def test_silent_tab_with_unsaved_work_holds_for_the_maximum(rig):
    r = rig()
    r.monitor.register_client("tab-1", ["draft.ipynb"])
    limit = 12 * 3600.0  # idle_unsaved_max_hours = 12
    assert await r.first_stop(TIMEOUT, limit, step=600) is None
    held = [b for b in r.monitor.blockers if b.kind == "unsaved"]
    assert held and "draft.ipynb" in held[0].detail
    assert await r.check_at(limit + 1) == "stopping"


async def test_unsaved_max_zero_holds_forever(rig):
    r = rig(idle_unsaved_max_hours=0.0)
    r.monitor.register_client("tab-1", ["draft.ipynb"])
    assert await r.first_stop(TIMEOUT, 7 * 86400, step=3600) is None


async def test_a_poll_without_unsaved_keeps_the_last_report(rig):
    r = rig()
    r.monitor.register_client("tab-1", ["a.ipynb"])
    r.monitor.register_client("tab-1", None)
    assert r.monitor.clients["tab-1"].unsaved == ("a.ipynb",)
    r.monitor.register_client("tab-1", [])
    assert r.monitor.clients["tab-1"].unsaved == ()


# --- settings -------------------------------------------------------------------------------------
async def test_bounds_are_inclusive(rig):
    r = rig()
    r.monitor.update_settings(timeout_minutes=1.0)
    assert r.monitor.timeout_seconds == 60.0
    r.monitor.update_settings(timeout_minutes=120)
    assert r.monitor.timeout_seconds == 7200.0
    for bad in (0.99, 120.01, "30", True):
        with pytest.raises(IdleInputError):
            r.monitor.update_settings(timeout_minutes=bad)
    with pytest.raises(IdleInputError):
        r.monitor.update_settings(enabled="yes")


async def test_enforced_cannot_be_turned_off(rig):
    r = rig(idle_enforced=True, idle_enabled=False)
    assert r.monitor.enabled is True
    with pytest.raises(IdleInputError, match="idle_enforced"):
        r.monitor.update_settings(enabled=False)


async def test_turning_on_starts_a_fresh_clock(rig):
    r = rig(idle_enabled=False)
    r.clock.set(T0 + 5000)
    r.monitor.update_settings(enabled=True)
    assert r.monitor.last_active == T0 + 5000
    assert await r.check_at(5000 + TIMEOUT - 1) == "warning"
    assert await r.check_at(5000 + TIMEOUT) == "stopping"


async def test_choice_is_saved_and_clamped_on_load(rig, tmp_path):
    r = rig()
    r.monitor.update_settings(enabled=False, timeout_minutes=45)
    assert json.loads((tmp_path / "idle.json").read_text()) == {
        "enabled": False,
        "timeout_minutes": 45.0,
    }
    narrower = rig(idle_max_minutes=40.0)  # the admin narrowed the bounds since
    assert narrower.monitor.enabled is False and narrower.monitor.timeout_minutes == 40.0
    wider = rig(idle_min_minutes=50.0)
    assert wider.monitor.timeout_minutes == 50.0


@settings(max_examples=200, deadline=None)
@given(
    lo=st.floats(0.5, 600, allow_nan=False),
    span=st.floats(0, 600, allow_nan=False),
    chosen=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
)
def test_a_timeout_always_lies_within_the_admin_bounds(tmp_path_factory, lo, span, chosen):
    hi = lo + span
    tmp = tmp_path_factory.mktemp("bounds")
    (tmp / "idle.json").write_text(json.dumps({"enabled": True, "timeout_minutes": chosen}))
    r = Rig(tmp, idle_min_minutes=lo, idle_max_minutes=hi, idle_timeout_minutes=lo)
    try:
        assert lo <= r.monitor.timeout_minutes <= hi  # loaded: clamped
        try:
            r.monitor.update_settings(timeout_minutes=chosen)
            accepted = True
        except IdleInputError:
            accepted = False
        assert accepted == (lo <= chosen <= hi)
        assert lo <= r.monitor.timeout_minutes <= hi
    finally:
        r.close()


# --- the schedule ---------------------------------------------------------------------------------
async def test_schedule_stops_even_when_disabled_and_waits_for_busy_work(rig):
    r = rig(idle_enabled=False, stop_schedule="daily 10:00", stop_schedule_timezone="UTC")
    due = 3600.0  # 10:00 is T0 + 1 h
    assert r.monitor.schedule_next == r.at(due)
    assert await r.check_at(due - GRACE - 1) == "disabled"
    assert await r.check_at(due - GRACE) == "warning"
    r.kernels.kernels["k1"] = Kernel("busy", last_activity=r.at(due - 100))
    assert await r.check_at(due) == "disabled"  # busy work holds a scheduled stop too
    r.kernels.kernels["k1"] = Kernel("idle", last_activity=r.at(due))
    assert await r.check_at(due + 1) == "stopping"
    assert r.stops == [("schedule", T0 + due + 1)]
    assert r.monitor.schedule_next == r.at(due + 86400)


async def test_keep_running_skips_one_scheduled_stop(rig):
    r = rig(idle_enabled=False, stop_schedule="daily 10:00", stop_schedule_timezone="UTC")
    assert await r.check_at(3600 - 60) == "warning"
    r.monitor.keep_running(None)
    assert r.monitor.schedule_next == r.at(3600 + 86400)
    assert await r.first_stop(3600, 3600 + 600, step=60) is None


async def _yield(times: int = 5) -> None:
    for _ in range(times):
        await asyncio.sleep(0)


# --- what GET idle shows ------------------------------------------------------------------------
async def test_the_snapshot_whole(rig):
    r = rig()
    r.clock.set(T0 + 1550)
    r.monitor.register_client("tab-1", ["a.ipynb"])  # connected (polled 50 s ago)
    r.kernels.kernels["k1"] = Kernel("idle", last_activity=r.at(100), kernel_name="python3")
    assert await r.check_at(TIMEOUT - GRACE + 100) == "warning"  # 1600 s; activity at 100 s
    assert r.monitor.snapshot() == {
        "enabled": True,
        "timeout_minutes": 30.0,
        "grace_minutes": 5.0,
        "check_seconds": 3600.0,
        "bounds": {"min": 1.0, "max": 120.0},
        "enforced": False,
        "dry_run": False,
        "state": "warning",
        "idle_seconds": 1500.0,  # 1600 - 100
        "stops_at": "2026-12-02T09:31:40Z",  # 100 s + 1800 s after 09:00
        "seconds_left": 300.0,
        "blockers": [{"kind": "kernel", "name": "python3 k1", "detail": "activity 25 min ago"}],
        "keepalive_until": None,
        "schedule": {"spec": None, "timezone": None, "next": None, "error": None},
        "last_action": None,
        "save_request": None,
        "unsaved": [
            {"client": "tab-1", "documents": ["a.ipynb"], "last_seen": "2026-12-02T09:25:50Z"}
        ],
        "stop_when_done": {"armed": False, "state": None, "stops_at": None},
        "checks": 1,
    }


async def test_the_snapshot_while_busy_and_kept_alive(rig):
    r = rig(stop_schedule="daily 10:00", stop_schedule_timezone="UTC")
    r.kernels.kernels["abcdef123456"] = Kernel("busy", last_activity=r.at(0))
    r.clock.set(T0 + 60)
    r.monitor.keep_running(10)  # until 09:11
    assert await r.check_at(120) == "active"
    snap = r.monitor.snapshot()
    assert snap["blockers"] == [
        {"kind": "kernel", "name": "python3 abcdef12", "detail": "busy for 2 min"},
        {"kind": "keepalive", "name": "keep-alive", "detail": "kept running until "
         "2026-12-02T09:11:00Z"},
    ]  # fmt: skip
    assert snap["state"] == "active" and snap["stops_at"] is None
    assert snap["keepalive_until"] == "2026-12-02T09:11:00Z"
    assert snap["schedule"] == {
        "spec": "daily 10:00",
        "timezone": "UTC",
        "next": "2026-12-02T10:00:00Z",
        "error": None,
    }
    assert snap["idle_seconds"] == 0.0
    # Within the schedule's warning window the stop time is the scheduled one.
    r.kernels.kernels["abcdef123456"] = Kernel("idle", last_activity=r.at(3000))
    assert await r.check_at(3600 - 120) == "warning"
    snap = r.monitor.snapshot()
    assert (snap["stops_at"], snap["seconds_left"]) == ("2026-12-02T10:00:00Z", 120.0)


async def test_the_snapshot_during_and_after_a_stop(rig):
    r = rig()
    await r.stop_with_tabs("tab-1")
    snap = r.monitor.snapshot()
    req = r.monitor.save_request
    assert snap["save_request"] == {
        "id": req.id,
        "deadline": "2026-12-02T09:30:30Z",  # idle_save_timeout_seconds = 30
        "reason": "idle",
    }
    assert snap["state"] == "stopping" and snap["seconds_left"] == 0.0
    r.clock.advance(5)
    r.monitor.saved(req.id, "tab-1", True, None)
    await r.monitor.stop_task
    assert r.monitor.snapshot()["last_action"] == {
        "reason": "idle",
        "started": "2026-12-02T09:30:00Z",
        "summary": "stopped",
        "calls": [],
        "ok": True,
        "finished": "2026-12-02T09:30:05Z",
    }
    assert r.monitor.snapshot()["state"] == "stopped"


async def test_a_bad_schedule_is_reported_and_ignored(rig):
    r = rig(stop_schedule="at teatime")
    assert r.monitor.schedule is None and r.monitor.schedule_next is None
    assert r.monitor.snapshot()["schedule"]["error"]
    assert "at teatime" in r.monitor.snapshot()["schedule"]["spec"]


async def test_a_failing_stop_is_reported_and_retried_after_a_full_timeout(rig):
    from jupyter_costwidget.idle.actions import StopFailed

    r = rig()
    error = {"source": "sagemaker.DeleteApp", "code": "AccessDeniedException", "message": "no",
             "hint": "Grant the IAM action sagemaker:DeleteApp"}  # fmt: skip

    async def failing(state, monitor):
        raise StopFailed("DeleteApp failed", error, {"attempts": 3})

    r.monitor.stop_app = failing
    assert await r.check_at(TIMEOUT) == "stopping"
    action = r.monitor.last_action
    assert action["ok"] is False and action["error"] == error and action["attempts"] == 3
    assert action["message"] == "DeleteApp failed"
    assert r.monitor.current_state == "failed"
    assert await r.check_at(2 * TIMEOUT - 1) == "warning"
    assert await r.check_at(2 * TIMEOUT) == "stopping"

    async def broken(state, monitor):
        raise RuntimeError("boom")

    r.monitor.stop_app = broken
    assert await r.check_at(3 * TIMEOUT) == "stopping"
    assert r.monitor.last_action["message"] == "Unexpected error: RuntimeError"


async def test_gpu_use_holds_the_clock(rig, tmp_path, monkeypatch):
    tool = tmp_path / "nvidia-smi"
    tool.write_text("#!/bin/sh\necho 3\necho 87\n")  # two GPUs: the busiest counts
    tool.chmod(0o755)
    r = rig()
    r.monitor.probes.nvidia_smi = str(tool)
    assert await r.check_at(2 * TIMEOUT) == "active"
    gpu = [b for b in r.monitor.blockers if b.kind == "gpu"]
    assert [(b.name, b.detail) for b in gpu] == [("GPU", "utilization 87%")]
    tool.write_text("#!/bin/sh\necho 5\n")  # at the threshold: idle
    assert await r.check_at(3 * TIMEOUT) == "stopping"


# --- what it says in the server log ---------------------------------------------------------------
def _idle_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "costwidget idle" in r.getMessage()]


async def test_the_log_of_a_stop(rig, caplog):
    caplog.set_level(logging.INFO, logger="test-idle")
    r = rig()
    await r.stop_with_tabs("tab-1")
    r.monitor.saved(r.monitor.save_request.id, "tab-1", True, None)
    await r.monitor.stop_task
    assert _idle_lines(caplog) == [
        "costwidget idle: asking 1 front-end(s) to save",
        "costwidget idle: stopped (idle): stopped",
    ]


async def test_the_log_of_a_dry_run_a_cancel_and_a_failure(rig, caplog):
    from jupyter_costwidget.idle.actions import StopFailed

    caplog.set_level(logging.INFO, logger="test-idle")
    r = rig()

    async def dry(state, monitor):
        return {"summary": "dry run, would have deleted app s/JupyterLab/default", "dry_run": True}

    r.monitor.stop_app = dry
    await r.check_at(TIMEOUT)
    r.clock.set(T0 + 2 * TIMEOUT - 5)
    r.monitor.register_client("tab-1", [])
    await r.check_at(2 * TIMEOUT)  # the last stop's outcome stands: "stopped", no new stop
    r.monitor.report_activity()
    await r.check_at(2 * TIMEOUT + 1)
    r.clock.set(T0 + 3 * TIMEOUT)
    r.monitor.register_client("tab-1", [])
    await r.monitor.check()
    await _yield()
    r.monitor.saved(r.monitor.save_request.id, "tab-1", False, "a.ipynb: disk full")
    await r.monitor.stop_task

    async def failing(state, monitor):
        raise StopFailed("sagemaker.DeleteApp failed after 3 attempts", None, {})

    r.monitor.stop_app = failing
    r.monitor.unregister_client("tab-1")
    await r.check_at(4 * TIMEOUT)
    assert _idle_lines(caplog) == [
        "costwidget idle: stopped (idle): dry run, would have deleted app s/JupyterLab/default"
        " [dry run]",
        "costwidget idle: asking 1 front-end(s) to save",
        "costwidget idle: stop cancelled: Stop cancelled: a.ipynb: disk full",
        "costwidget idle: stop failed: sagemaker.DeleteApp failed after 3 attempts",
    ]


async def test_a_held_stop_is_logged_once_per_hold(rig, caplog):
    r = rig()
    r.monitor.register_client("tab-9f3e2a1b77", ["draft.ipynb"])
    for t in (TIMEOUT - 1, TIMEOUT, TIMEOUT + 30, TIMEOUT + 60):
        assert await r.check_at(t) == "active"
    # The user is back: the tab polls (nothing unsaved) and types; no hold at that check.
    r.clock.set(T0 + TIMEOUT + 100)
    r.monitor.register_client("tab-9f3e2a1b77", [])
    r.monitor.report_activity()
    assert await r.check_at(TIMEOUT + 100) == "active"
    # Then it goes silent with unsaved work once more: held again, logged again.
    r.monitor.register_client("tab-9f3e2a1b77", ["notes.md"])
    assert await r.check_at(2 * TIMEOUT + 100) == "active"
    held = [line for line in _idle_lines(caplog) if "stop held" in line]
    assert held == [
        "costwidget idle: stop held: tab tab-9f3e: unsaved draft.ipynb; the tab has been silent "
        "for 30 min",
        "costwidget idle: stop held: tab tab-9f3e: unsaved notes.md; the tab has been silent "
        "for 30 min",
    ]


async def test_a_tab_released_after_the_maximum_is_logged_once(rig, caplog):
    r = rig(idle_unsaved_max_hours=1.0)
    r.monitor.register_client("tab-1", ["a.ipynb"])
    for t in (3601, 3700, 3800):
        await r.check_at(t)
    released = [line for line in _idle_lines(caplog) if "no longer holding" in line]
    assert released == [
        "costwidget idle: tab tab-1 has been silent for 60 min with unsaved a.ipynb; no longer "
        "holding the stop (c.CostWidget.idle_unsaved_max_hours)"
    ]


# --- details ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("seconds", "said"),
    [(0, "0 s"), (89, "89 s"), (90, "2 min"), (5399, "90 min"), (5400, "1.5 h"), (7200, "2.0 h")],
)
async def test_how_long_ago_is_said(rig, seconds, said):
    r = rig(idle_timeout_minutes=120.0)
    r.kernels.kernels["k1"] = Kernel(last_activity=r.at(0))
    await r.check_at(seconds)
    details = [b.detail for b in r.monitor.blockers]
    assert details == ([f"activity {said} ago"] if seconds < 7200 else [])


async def test_naive_timestamps_are_utc_and_missing_ones_are_ignored(rig):
    r = rig()
    naive = r.at(1000).replace(tzinfo=None)
    r.kernels.kernels["k1"] = Kernel(last_activity=naive)
    r.kernels.kernels["k2"] = SimpleNamespace()  # a kernel that reports nothing
    assert await r.check_at(1000 + TIMEOUT - 1) == "warning"
    assert [b.name for b in r.monitor.blockers] == ["python3 k1"]
    assert await r.check_at(1000 + TIMEOUT) == "stopping"


async def test_recent_terminal_use_holds_a_scheduled_stop_for_a_minute(rig):
    r = rig(
        idle_enabled=False,
        idle_check_seconds=10.0,
        stop_schedule="daily 10:00",
        stop_schedule_timezone="UTC",
    )
    due = 3600.0
    r.terminals["7"] = SimpleNamespace(last_activity=r.at(due - 59))
    assert await r.check_at(due) == "disabled"  # typed 59 s ago: held
    assert [(b.kind, b.name, b.detail) for b in r.monitor.blockers] == [
        ("terminal", "terminal 7", "input or output 59 s ago")
    ]
    r.terminals["7"] = SimpleNamespace(last_activity=r.at(due - 60))
    assert await r.check_at(due) == "stopping"  # 60 s ago: no longer holds it


async def test_busy_work_holds_a_scheduled_stop_and_the_keepalive_too(rig):
    r = rig(idle_enabled=False, stop_schedule="daily 10:00", stop_schedule_timezone="UTC")
    r.clock.set(T0 + 3000)
    r.monitor.keep_running(15)  # until 09:65 = 10:05
    assert await r.check_at(3600) == "disabled"
    assert await r.check_at(3600 + 300) == "stopping"  # the keep-alive ended at 10:05


async def test_activity_reports_without_a_stop_running_change_nothing_else(rig):
    r = rig()
    assert r.monitor.report_activity() is True
    assert r.monitor.save_request is None and r.monitor.stop_task is None
    r.monitor.unregister_client("never-seen")
    with pytest.raises(IdleInputError):
        r.monitor.saved("no-such-request", "tab-1", True, None)


async def test_setup_makes_the_monitor_a_service(rig):
    from jupyter_costwidget.idle import actions, monitor

    r = rig()
    monitor.setup(r.state)
    assert isinstance(r.state.idle, IdleMonitor)
    assert r.state.services["idle"] is r.state.idle
    assert r.state.idle.stop_app is actions.stop_this_app


async def test_enforced_overrides_a_saved_off(rig, tmp_path):
    (tmp_path / "idle.json").write_text(json.dumps({"enabled": False, "timeout_minutes": 10}))
    r = rig(idle_enforced=True)
    assert r.monitor.enabled is True and r.monitor.timeout_minutes == 10.0
    (tmp_path / "idle.json").write_text(json.dumps({"enabled": "no", "timeout_minutes": True}))
    r = rig()
    assert r.monitor.enabled is True and r.monitor.timeout_minutes == 30.0


async def test_the_choice_file_when_it_is_bad_or_cannot_be_written(tmp_path, caplog):
    from jupyter_costwidget.idle.choice import ChoiceStore

    log = logging.getLogger("test-idle")
    path = tmp_path / "idle.json"
    store = ChoiceStore(str(path), log)
    assert store.load() == {}
    path.write_text("{not json")
    assert store.load() == {}
    assert f"costwidget idle: ignoring unreadable {path}" in caplog.text
    path.write_text("[1, 2]")
    assert store.load() == {}
    store.save({"enabled": True, "timeout_minutes": 15.0})
    assert json.loads(path.read_text()) == {"enabled": True, "timeout_minutes": 15.0}
    assert [p.name for p in tmp_path.iterdir()] == ["idle.json"]  # no temporary file left
    blocked = ChoiceStore(str(path / "inside-a-file.json"), log)
    blocked.save({"enabled": False})
    assert f"costwidget idle: could not save {path / 'inside-a-file.json'}" in caplog.text


# --- the record of each outcome, whole -------------------------------------------------------
class Gate:
    """A stop action that waits until the test opens it."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.calls = 0

    async def __call__(self, state: Any, monitor: IdleMonitor) -> dict[str, Any]:
        self.calls += 1
        await self.open.wait()
        return {"summary": "stopped", "calls": []}


async def test_while_a_stop_runs_checks_say_stopping_and_input_does_not_break_it(rig):
    r = rig()
    gate = Gate()
    r.monitor.stop_app = gate
    r.clock.set(T0 + TIMEOUT)
    assert await r.monitor.check() == "stopping"
    await _yield()
    assert gate.calls == 1 and r.monitor.save_request is None  # no tab: nothing to save
    assert await r.monitor.check() == "stopping"  # the stop in progress, not a second one
    r.clock.advance(20)
    assert r.monitor.report_activity() is True  # no save round to cancel: no error
    gate.open.set()
    await r.monitor.stop_task
    assert gate.calls == 1 and r.monitor.current_state == "stopped"


async def test_records_of_a_cancelled_and_a_failed_stop(rig):
    from jupyter_costwidget.idle.actions import StopFailed

    r = rig()
    await r.stop_with_tabs("tab-a", "tab-b")
    req = r.monitor.save_request
    assert len(req.id) == 32 and int(req.id, 16) >= 0  # a fresh random id per round
    r.monitor.saved(req.id, "tab-a", False, "a.ipynb: disk full")
    await r.monitor.stop_task
    assert r.monitor.last_action == {
        "reason": "idle",
        "started": "2026-12-02T09:30:00Z",
        "ok": False,
        "cancelled": True,
        "message": "Stop cancelled: a.ipynb: disk full",
        "finished": "2026-12-02T09:30:00Z",
        "_t": T0 + TIMEOUT,
    }
    assert r.monitor.current_state == "active" and r.monitor.outcome is None

    async def failing(state, monitor):
        raise StopFailed("DeleteApp failed", {"code": "ThrottlingException"}, {"attempts": 3})

    r.monitor.stop_app = failing
    r.monitor.unregister_client("tab-a")
    r.monitor.unregister_client("tab-b")
    await r.check_at(2 * TIMEOUT)
    assert {k: v for k, v in r.monitor.last_action.items() if k != "_t"} == {
        "reason": "idle",
        "started": "2026-12-02T10:00:00Z",
        "ok": False,
        "message": "DeleteApp failed",
        "error": {"code": "ThrottlingException"},
        "attempts": 3,
        "finished": "2026-12-02T10:00:00Z",
    }
    assert (r.monitor.current_state, r.monitor.outcome) == ("failed", "failed")

    async def broken(state, monitor):
        raise KeyError("boom")

    r.monitor.stop_app = broken
    await r.check_at(3 * TIMEOUT)
    assert r.monitor.last_action["ok"] is False
    assert r.monitor.last_action["message"] == "Unexpected error: KeyError"
    assert (r.monitor.current_state, r.monitor.outcome) == ("failed", "failed")
    assert r.monitor.snapshot()["state"] == "failed"


async def test_two_failed_saves_are_both_named(rig):
    r = rig()
    await r.stop_with_tabs("tab-a")
    req = r.monitor.save_request
    req.failures.append("b.ipynb: read-only")
    r.monitor.saved(req.id, "tab-a", False, None)
    await r.monitor.stop_task
    assert r.monitor.last_action["message"] == (
        "Stop cancelled: b.ipynb: read-only; a front-end could not save its documents"
    )


async def test_what_calls_a_stop_off_while_saving_is_named(rig):
    r = rig()
    await r.stop_with_tabs("tab-1")
    r.monitor.keepalive_until = T0 + TIMEOUT + 60  # a keep-alive arrives during the save
    r.terminals["3"] = SimpleNamespace(last_activity=r.at(TIMEOUT))
    r.monitor.saved(r.monitor.save_request.id, "tab-1", True, None)
    await r.monitor.stop_task
    assert r.monitor.last_action["message"] == (
        "Stop cancelled: new activity while saving (terminal 3: input or output 0 s ago, "
        "keep-alive: keep-alive requested)."
    )
    assert [b.kind for b in r.monitor.blockers] == ["terminal", "keepalive"]
    assert [b.holds_schedule for b in r.monitor.blockers] == [True, True]
    assert [b.ongoing for b in r.monitor.blockers] == [False, True]


async def test_a_keepalive_that_ends_as_the_save_does_not_hold(rig):
    r = rig()
    await r.stop_with_tabs("tab-1")
    r.monitor.keepalive_until = T0 + TIMEOUT  # ends exactly now
    r.monitor.saved(r.monitor.save_request.id, "tab-1", True, None)
    await r.monitor.stop_task
    assert r.stops == [("idle", T0 + TIMEOUT)]


async def test_a_scheduled_stop_is_called_off_only_by_what_holds_a_schedule(rig):
    r = rig(idle_enabled=False, stop_schedule="daily 10:00", stop_schedule_timezone="UTC")
    due = 3600.0
    r.clock.set(T0 + due - 10)
    r.monitor.register_client("tab-1", [])
    r.clock.set(T0 + due)
    assert await r.monitor.check() == "stopping"
    await _yield()
    r.terminals["1"] = SimpleNamespace(last_activity=r.at(due - 3000))  # old: does not hold
    r.kernels.kernels["k1"] = Kernel(last_activity=r.at(due - 100))  # recent, not busy
    r.monitor.saved(r.monitor.save_request.id, "tab-1", True, None)
    await r.monitor.stop_task
    assert r.stops == [("schedule", T0 + due)]


async def test_silent_unsaved_work_holds_a_scheduled_stop_too(rig):
    r = rig(idle_enabled=False, stop_schedule="daily 10:00", stop_schedule_timezone="UTC")
    r.monitor.register_client("tab-1", ["a.ipynb"])
    assert await r.first_stop(3600, 3600 + 600, step=60) is None
    assert [b.kind for b in r.monitor.blockers] == ["unsaved"]


async def test_cpu_and_gpu_hold_a_scheduled_stop(rig, tmp_path):
    r = rig(
        idle_enabled=False,
        stop_schedule="daily 10:00",
        stop_schedule_timezone="UTC",
        idle_cpu_percent=0.5,
    )
    r.monitor.probes.cpu_percent = lambda: 0.7  # above a threshold below 1 %
    assert await r.check_at(3600) == "disabled"
    assert [(b.kind, b.name, b.detail) for b in r.monitor.blockers] == [
        ("cpu", "CPU", "user processes at 1% of a core")
    ]
    assert r.monitor.blockers[0].holds_schedule and r.monitor.blockers[0].ongoing
    tool = tmp_path / "nvidia-smi"
    tool.write_text("#!/bin/sh\necho 50\n")
    tool.chmod(0o755)
    gpu = rig(idle_enabled=False, stop_schedule="daily 10:00", stop_schedule_timezone="UTC")
    gpu.monitor.probes.nvidia_smi = str(tool)
    assert await gpu.check_at(3600) == "disabled"
    assert gpu.monitor.blockers[0].holds_schedule and gpu.monitor.blockers[0].ongoing


async def test_user_input_detail_and_its_window(rig):
    r = rig()
    r.clock.set(T0 + 100)
    r.monitor.report_activity()
    await r.check_at(100 + 95)
    assert [(b.kind, b.name, b.detail) for b in r.monitor.blockers] == [
        ("user", "user input", "last input 2 min ago")
    ]
    await r.check_at(100 + TIMEOUT)
    assert r.monitor.blockers == []  # a whole timeout ago: no longer recent


async def test_terminal_activity_exactly_a_timeout_ago_is_not_recent(rig):
    r = rig()
    r.terminals["1"] = SimpleNamespace(last_activity=r.at(600))
    await r.check_at(600 + TIMEOUT - 1)
    assert [b.kind for b in r.monitor.blockers] == ["terminal"]
    r.monitor.keep_running(None)
    r.monitor.last_active = T0 + 600  # as if nothing else happened
    await r.check_at(600 + TIMEOUT)
    assert r.monitor.blockers == []


async def test_kernels_that_vanish_or_lack_fields(rig):
    r = rig()

    class Racy(Kernels):
        def get_kernel(self, kernel_id: str) -> Kernel:
            if kernel_id == "gone":
                raise KeyError(kernel_id)
            return super().get_kernel(kernel_id)

    r.kernels.__class__ = Racy
    r.kernels.kernels["gone"] = Kernel()
    r.kernels.kernels["abcdef123456"] = Kernel("busy", last_activity=r.at(0), kernel_name="")
    r.kernels.kernels["k2"] = Kernel(last_activity=r.at(100))
    await r.check_at(200)
    assert [(b.name, b.detail) for b in r.monitor.blockers] == [
        ("kernel abcdef12", "busy for 3 min"),
        ("python3 k2", "activity 2 min ago"),
    ]
    # A server without kernel or terminal managers (an older jupyter_server) checks fine.
    r.monitor.work.server_app = SimpleNamespace()
    assert await r.check_at(300) in ("idle", "warning", "active")


async def test_a_kernel_busy_again_counts_from_its_new_start(rig):
    r = rig(idle_max_busy_hours=1.0)
    r.kernels.kernels["k1"] = Kernel("busy", last_activity=r.at(0))
    await r.check_at(3000)
    r.kernels.kernels["k1"] = Kernel("idle", last_activity=r.at(3000))
    await r.check_at(3100)
    r.kernels.kernels["k1"] = Kernel("busy", last_activity=r.at(3200))
    await r.check_at(3200 + 3500)  # 58 min into the second run: under the ceiling
    assert r.monitor.busy_too_long("k1") is False
    assert [b.detail for b in r.monitor.blockers] == ["busy for 58 min"]


async def test_checks_are_counted_and_the_first_state_is_disabled(rig):
    r = rig()
    assert r.monitor.snapshot()["state"] == "disabled" and r.monitor.snapshot()["checks"] == 0
    await r.check_at(10)
    await r.check_at(20)
    assert r.monitor.snapshot()["checks"] == 2


async def test_keepalive_minutes_bounds_and_message(rig):
    r = rig()
    assert r.monitor.keep_running(0.5) == T0 + 30  # half a minute is a keep-alive
    with pytest.raises(IdleInputError) as err:
        r.monitor.keep_running(-3)
    assert str(err.value) == "'minutes' must be a positive number."


async def test_a_schedule_in_another_time_zone(rig):
    r = rig(idle_enabled=False, stop_schedule="daily 19:00", stop_schedule_timezone="Asia/Tokyo")
    # T0 is 09:00 UTC = 18:00 in Tokyo: the stop is at 19:00 JST = 10:00 UTC.
    assert r.monitor.schedule_next.timestamp() == T0 + 3600
    assert r.monitor.snapshot()["schedule"]["timezone"] == "Asia/Tokyo"


async def test_a_bad_schedule_is_logged(rig, caplog):
    r = rig(stop_schedule="at teatime")
    assert r.monitor.schedule_error == "'at': unknown day 'at' (use Mon, Tue, ... Sun)"
    assert _logged(
        caplog,
        "costwidget idle: c.CostWidget.stop_schedule ignored: 'at': unknown day 'at' "
        "(use Mon, Tue, ... Sun)",
    )


async def test_an_unreadable_choice_is_logged_by_the_monitor(rig, tmp_path, caplog):
    (tmp_path / "idle.json").write_text("{")
    r = rig()
    assert r.monitor.enabled is True
    assert f"costwidget idle: ignoring unreadable {tmp_path / 'idle.json'}" in caplog.text


async def test_two_silent_tabs_one_released(rig, caplog):
    r = rig(idle_unsaved_max_hours=1.0)
    r.monitor.register_client("tab-aaaaaaaaaaaa", ["a.ipynb"])
    r.clock.set(T0 + 1800)
    r.monitor.register_client("tab-bbbbbbbbbbbb", ["b.ipynb", "c.md"])
    await r.check_at(3601)
    held = [b for b in r.monitor.blockers if b.kind == "unsaved"]
    assert [(b.name, b.detail) for b in held] == [
        ("tab tab-bbbb", "unsaved b.ipynb, c.md; the tab has been silent for 30 min")
    ]
    assert held[0].holds_schedule and held[0].hold and not held[0].ongoing
    assert "tab tab-aaaa has been silent for 60 min with unsaved a.ipynb" in caplog.text


async def test_two_holds_are_logged_together(rig, caplog):
    r = rig()
    r.monitor.register_client("tab-aaaaaaaaaaaa", ["a.ipynb"])
    r.monitor.register_client("tab-bbbbbbbbbbbb", ["b.ipynb"])
    await r.check_at(TIMEOUT - 1)
    assert "stop held" not in caplog.text  # 1 s before the timeout: not yet held
    await r.check_at(TIMEOUT)
    assert (
        "costwidget idle: stop held: tab tab-aaaa: unsaved a.ipynb; the tab has been silent "
        "for 30 min; tab tab-bbbb: unsaved b.ipynb; the tab has been silent for 30 min"
    ) in caplog.text


@pytest.mark.parametrize(("seconds", "said"), [(5580, "1.6 h"), (9000, "2.5 h")])
async def test_hours_ago_are_rounded_to_a_tenth(rig, seconds, said):
    r = rig(idle_timeout_minutes=240.0, idle_max_minutes=300.0)
    r.kernels.kernels["k1"] = Kernel(last_activity=r.at(0))
    await r.check_at(seconds)
    assert [b.detail for b in r.monitor.blockers] == [f"activity {said} ago"]


@pytest.fixture
def tokyo_time(monkeypatch):
    """The machine's local zone is Tokyo (UTC+9): nothing may read local time."""
    import time as time_module

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time_module.tzset()
    yield
    monkeypatch.undo()
    time_module.tzset()


async def test_times_are_utc_whatever_the_local_zone(rig, tokyo_time):
    r = rig(stop_schedule="daily 10:00", stop_schedule_timezone="UTC")
    assert r.monitor.schedule_next == r.at(3600)
    naive_utc = r.at(1000).replace(tzinfo=None)  # what some kernels report
    r.kernels.kernels["k1"] = Kernel(last_activity=naive_utc)
    await r.check_at(1060)
    assert [b.detail for b in r.monitor.blockers] == ["activity 60 s ago"]


async def test_the_servers_own_save_wait():
    from jupyter_costwidget.idle.monitor import _wait_event

    done = asyncio.Event()
    done.set()
    await asyncio.wait_for(_wait_event(done, 3600), 5)  # set: returns at once
    pending = asyncio.Event()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await _wait_event(pending, 0.05)  # not set: returns after its timeout, not before
    assert 0.05 <= loop.time() - started < 5
    assert not pending.is_set()


# --- the loop, the messages and the edges -------------------------------------------------------
async def test_the_background_loop_checks_on_wake_survives_a_bad_check_and_stops(rig, caplog):
    r = rig()
    r.monitor.start()
    await _until(lambda: r.monitor.checks == 1)
    calls = {"n": 0}

    def bad_probe() -> float:
        calls["n"] += 1
        raise RuntimeError("probe broke")

    r.state.config.idle_cpu_percent = 5.0
    r.monitor.probes.cpu_percent = bad_probe
    r.monitor.wake()
    await _until(lambda: calls["n"] == 1)
    await _yield(20)
    assert _logged(caplog, "costwidget idle: check failed")
    r.state.config.idle_cpu_percent = 0.0
    r.monitor.wake()
    await _until(lambda: r.monitor.checks == 3)  # the loop lives on
    task = r.monitor._task
    await r.monitor.stop()
    assert task.done() and task.cancelled()


async def _until(predicate, turns: int = 2000) -> None:
    for _ in range(turns):
        if predicate():
            return
        await asyncio.sleep(0)
    raise AssertionError("never happened")


async def test_stop_waits_for_a_stop_in_progress_to_be_cancelled(rig):
    r = rig()
    gate = Gate()
    r.monitor.stop_app = gate
    r.clock.set(T0 + TIMEOUT)
    await r.monitor.check()
    await _yield()
    running = r.monitor.stop_task
    await r.monitor.stop()
    assert running.cancelled() and gate.calls == 1


async def test_the_refusals_say_what_is_wrong(rig):
    r = rig(idle_enforced=True)
    cases = [
        ({"enabled": "yes"}, "'enabled' must be true or false."),
        ({"timeout_minutes": "30"}, "'timeout_minutes' must be a number."),
        (
            {"timeout_minutes": 500},
            "'timeout_minutes' must be between 1 and 120 minutes "
            "(c.CostWidget.idle_min_minutes / idle_max_minutes).",
        ),
        (
            {"enabled": False},
            "Auto-stop is required by the administrator (c.CostWidget.idle_enforced); it cannot "
            "be turned off.",
        ),
    ]
    for body, message in cases:
        with pytest.raises(IdleInputError) as err:
            r.monitor.update_settings(**body)
        assert str(err.value) == message
    with pytest.raises(IdleInputError) as err:
        r.monitor.saved("nope", "tab", True, None)
    assert str(err.value) == "No such save request (it finished or was cancelled)."


async def test_settings_changes_are_logged_and_turning_off_keeps_the_clock(rig, caplog):
    caplog.set_level(logging.INFO, logger="test-idle")
    r = rig()
    r.clock.set(T0 + 500)
    r.monitor.update_settings(enabled=False, timeout_minutes=45)
    assert r.monitor.last_active == T0  # turning off does not restart the clock
    assert _logged(caplog, "costwidget idle: settings changed: enabled=False timeout=45 min")


async def test_why_a_stop_was_called_off_by_the_user(rig):
    for act, reason in (
        (lambda m: m.report_activity(), "new user activity"),
        (lambda m: m.keep_running(None), "the user chose to keep running"),
    ):
        r = rig()
        r.clock.set(T0 + TIMEOUT - 10)
        r.monitor.register_client("tab-1", [])
        r.clock.set(T0 + TIMEOUT)
        await r.monitor.check()
        await _yield()
        act(r.monitor)
        await r.monitor.stop_task
        assert r.monitor.last_action["message"] == f"Stop cancelled: {reason}"


async def test_a_skipped_scheduled_stop_is_logged(rig, caplog):
    caplog.set_level(logging.INFO, logger="test-idle")
    r = rig(idle_enabled=False, stop_schedule="daily 10:00", stop_schedule_timezone="UTC")
    r.clock.set(T0 + 3600 - 60)
    r.monitor.keep_running(None)
    assert _logged(
        caplog, "costwidget idle: scheduled stop at 2026-12-02 10:00:00+00:00 skipped by the user"
    )


async def test_a_busy_kernel_past_the_ceiling_is_logged(rig, caplog):
    caplog.set_level(logging.INFO, logger="test-idle")
    r = rig(idle_max_busy_hours=1.0)
    r.kernels.kernels["k1"] = Kernel("busy", last_activity=r.at(0))
    await r.check_at(3601)
    assert _logged(caplog, "costwidget idle: kernel k1 busy past idle_max_busy_hours")


async def test_an_unexpected_stop_error_is_logged_with_its_traceback(rig, caplog):
    r = rig()

    async def broken(state, monitor):
        raise RuntimeError("boom")

    r.monitor.stop_app = broken
    await r.check_at(TIMEOUT)
    record = next(
        rec for rec in caplog.records if rec.getMessage() == "costwidget idle: stop failed"
    )
    assert record.exc_info is not None


async def test_a_released_tab_that_is_still_silent_does_not_break_the_recheck(rig):
    r = rig(idle_unsaved_max_hours=0.25)  # 900 s
    r.monitor.register_client("tab-silent", ["a.ipynb"])
    await r.stop_with_tabs("tab-live")
    r.monitor.saved(r.monitor.save_request.id, "tab-live", True, None)
    await r.monitor.stop_task
    assert r.stops == [("idle", T0 + TIMEOUT)]


async def test_busy_work_during_a_scheduled_save_calls_it_off(rig):
    r = rig(idle_enabled=False, stop_schedule="daily 10:00", stop_schedule_timezone="UTC")
    r.clock.set(T0 + 3600 - 10)
    r.monitor.register_client("tab-1", [])
    r.clock.set(T0 + 3600)
    assert await r.monitor.check() == "stopping"
    await _yield()
    r.kernels.kernels["k1"] = Kernel("busy", last_activity=r.at(3600))
    r.monitor.saved(r.monitor.save_request.id, "tab-1", True, None)
    await r.monitor.stop_task
    assert r.stops == [] and r.monitor.last_action["cancelled"] is True


async def test_odd_terminal_managers_and_kernels(rig):
    r = rig()
    r.monitor.work.server_app.web_app.settings["terminal_manager"] = SimpleNamespace()
    r.kernels.kernels["abcdef123456"] = SimpleNamespace(
        execution_state="idle", last_activity=r.at(10)
    )
    await r.check_at(20)
    assert [(b.name, b.detail) for b in r.monitor.blockers] == [
        ("kernel abcdef12", "activity 10 s ago")
    ]
    r.monitor.work.server_app.web_app.settings["terminal_manager"] = SimpleNamespace(
        terminals={"1": SimpleNamespace()}
    )
    r.monitor.work.server_app.web_app = SimpleNamespace()  # no settings at all
    await r.check_at(30)
    r.monitor.work.server_app.web_app = SimpleNamespace(
        settings={"terminal_manager": SimpleNamespace(terminals={"1": SimpleNamespace()})}
    )
    await r.check_at(40)
    assert [b.kind for b in r.monitor.blockers] == ["kernel"]


async def test_recent_terminal_use_holds_a_schedule_for_two_check_intervals(rig):
    r = rig(
        idle_enabled=False,
        idle_check_seconds=40.0,
        stop_schedule="daily 10:00",
        stop_schedule_timezone="UTC",
    )
    r.terminals["1"] = SimpleNamespace(last_activity=r.at(3600 - 79))
    assert await r.check_at(3600) == "disabled"  # 79 s < 2 x 40 s: held
    r.terminals["1"] = SimpleNamespace(last_activity=r.at(3600 - 80))
    assert await r.check_at(3600) == "stopping"


async def test_no_cpu_threshold_means_no_cpu_probe(rig):
    r = rig(idle_cpu_percent=0.0)
    r.monitor.probes.cpu_percent = lambda: 99.0
    await r.check_at(100)
    assert r.monitor.blockers == []


async def test_a_check_reports_its_own_cpu_time(rig):
    r = rig()
    r.clock.set(T0 + 10)
    before = time.process_time()
    await r.monitor.check()
    after = time.process_time()
    assert 0 <= r.monitor.check_cpu_seconds <= after - before


async def test_a_tab_is_silent_only_after_the_ttl(rig):
    r = rig()
    r.monitor.register_client("tab-1", ["a.ipynb"])
    r.clock.set(T0 + 150)
    assert r.monitor.silent_unsaved() == {}
    r.clock.set(T0 + 151)
    assert list(r.monitor.silent_unsaved()) == ["tab-1"]


async def test_a_tab_that_comes_back_holds_again_after_its_release(rig):
    r = rig(idle_unsaved_max_hours=0.25)
    r.monitor.register_client("tab-1", ["a.ipynb"])
    await r.check_at(901)  # released
    r.clock.set(T0 + 1000)
    r.monitor.register_client("tab-1", ["b.ipynb"])  # back, with new unsaved work
    await r.check_at(1000 + 200)
    assert [b.kind for b in r.monitor.blockers] == ["unsaved"]


async def test_a_closed_tab_is_forgotten(rig):
    r = rig(idle_unsaved_max_hours=0.25)
    r.monitor.register_client("tab-1", ["a.ipynb"])
    await r.check_at(901)
    r.monitor.unregister_client("tab-1")
    assert r.monitor.clients == {} and r.monitor.tabs.released == set()


async def test_the_snapshot_in_the_idle_state_and_with_both_stops_due(rig):
    r = rig(idle_enforced=True, idle_dry_run=True)
    r.clock.set(T0 + 100.26)
    assert await r.monitor.check() == "idle"
    snap = r.monitor.snapshot()
    assert (snap["enforced"], snap["dry_run"]) == (True, True)
    assert snap["idle_seconds"] == 100.3
    assert snap["stops_at"] == "2026-12-02T09:30:00Z" and snap["seconds_left"] == 1699.7
    both = rig(stop_schedule="daily 09:28", stop_schedule_timezone="UTC")
    await both.check_at(1500)  # the idle stop at 09:30, the scheduled one at 09:28
    assert both.monitor.snapshot()["stops_at"] == "2026-12-02T09:28:00Z"
    later = rig(stop_schedule="daily 09:33", stop_schedule_timezone="UTC")
    await later.check_at(1700)  # both pending: the idle stop at 09:30 comes first
    assert later.monitor.snapshot()["stops_at"] == "2026-12-02T09:30:00Z"


async def test_a_keepalive_ending_now_is_not_shown(rig):
    r = rig()
    r.monitor.keep_running(1)
    r.clock.set(T0 + 60)
    assert r.monitor.snapshot()["keepalive_until"] is None


async def test_the_choice_files_log_lines_say_why(tmp_path, caplog):
    from jupyter_costwidget.idle.choice import ChoiceStore

    path = tmp_path / "idle.json"
    path.write_text("{")
    ChoiceStore(str(path), logging.getLogger("test-idle")).load()
    assert caplog.records[-1].getMessage() == (
        f"costwidget idle: ignoring unreadable {path} (Expecting property name enclosed in "
        "double quotes: line 1 column 2 (char 1))"
    )
    blocked = tmp_path / "file" / "idle.json"
    (tmp_path / "file").write_text("")
    ChoiceStore(str(blocked), logging.getLogger("test-idle")).save({})
    assert (
        caplog.records[-1]
        .getMessage()
        .startswith(f"costwidget idle: could not save {blocked} ([Errno 17] File exists")
    )


def _logged(caplog, message: str) -> bool:
    return any(record.getMessage() == message for record in caplog.records)


async def test_the_loop_checks_on_its_own_every_check_interval(rig):
    r = rig(idle_check_seconds=0.05)
    loop = asyncio.get_running_loop()
    started = loop.time()
    r.monitor.start()
    try:
        while r.monitor.checks < 3 and loop.time() - started < 5:
            await asyncio.sleep(0.01)
        # Three checks, 50 ms apart: not before 0.1 s, well within a second.
        assert r.monitor.checks >= 3
        assert 0.1 <= loop.time() - started < 1.0
    finally:
        await r.monitor.stop()


async def test_only_a_scheduled_stop_due_sets_the_stop_time_when_auto_stop_is_off(rig):
    r = rig(idle_enabled=False, stop_schedule="daily 10:00", stop_schedule_timezone="UTC")
    await r.check_at(3600 - 120)
    snap = r.monitor.snapshot()
    assert (snap["stops_at"], snap["seconds_left"]) == ("2026-12-02T10:00:00Z", 120.0)
    await r.check_at(600)
    assert r.monitor.snapshot()["stops_at"] is None  # not within the warning yet


async def test_turning_off_twice_keeps_the_clock(rig):
    r = rig(idle_enabled=False)
    r.clock.set(T0 + 500)
    r.monitor.update_settings(enabled=False)
    assert r.monitor.last_active == T0


async def test_a_tab_released_twice_is_logged_twice(rig, caplog):
    r = rig(idle_unsaved_max_hours=0.25)
    r.monitor.register_client("tab-1", ["a.ipynb", "b.md"])
    await r.check_at(901)
    r.clock.set(T0 + 1000)
    r.monitor.register_client("tab-1", ["a.ipynb", "b.md"])
    await r.check_at(1000 + 901)
    released = [m for m in (rec.getMessage() for rec in caplog.records) if "no longer" in m]
    assert (
        released
        == [
            "costwidget idle: tab tab-1 has been silent for 15 min with unsaved a.ipynb, b.md; no "
            "longer holding the stop (c.CostWidget.idle_unsaved_max_hours)"
        ]
        * 2
    )


# --- stop when done ------------------------------------------------------------------------
WHEN_DONE_GRACE = 120.0  # stop_when_done_grace_minutes = 2 (the default)


async def test_stop_when_done_waits_for_the_busy_kernel_then_the_grace(rig):
    r = rig(idle_enabled=False)  # auto-stop off: the armed stop works on its own
    r.kernels.kernels["k1"] = Kernel("busy", last_activity=r.at(0))
    r.monitor.stop_when_done(True)
    # Busy for an hour: no stop, whatever the idle settings say.
    for t in (60, 1800, 3600):
        assert await r.check_at(t) == "active"
        assert r.monitor.snapshot()["stop_when_done"] == {
            "armed": True,
            "state": "waiting",
            "stops_at": None,
        }
    assert r.stops == []
    # The cell ends at 3600 + 30: the first check after it starts the 2-minute grace.
    r.kernels.kernels["k1"] = Kernel("idle", last_activity=r.at(3630))
    assert await r.check_at(3640) == "warning"
    view = r.monitor.snapshot()
    assert view["stop_when_done"]["state"] == "warning"
    assert view["stops_at"] == view["stop_when_done"]["stops_at"]
    assert view["seconds_left"] == WHEN_DONE_GRACE
    # Not a second early, and the stop comes at the first check at the end of the grace.
    assert await r.check_at(3640 + WHEN_DONE_GRACE - 1) == "warning"
    assert await r.check_at(3640 + WHEN_DONE_GRACE) == "stopping"
    assert r.stops == [("when-done", T0 + 3640 + WHEN_DONE_GRACE)]
    assert r.monitor.last_action["reason"] == "when-done"
    # One-shot: disarmed after the stop.
    assert r.monitor.snapshot()["stop_when_done"] == {
        "armed": False,
        "state": None,
        "stops_at": None,
    }


async def test_work_that_starts_again_during_the_grace_restarts_it(rig):
    r = rig(idle_enabled=False, stop_when_done_grace_minutes=1.0)
    r.monitor.stop_when_done(True)
    assert await r.check_at(10) == "warning"  # nothing runs: the grace starts at once
    r.kernels.kernels["k1"] = Kernel("busy", last_activity=r.at(40))
    assert await r.check_at(50) == "active"
    r.kernels.kernels["k1"] = Kernel("idle", last_activity=r.at(100))
    assert await r.check_at(110) == "warning"
    assert await r.check_at(169) == "warning"  # 60 s from 110, not from 10
    assert await r.check_at(170) == "stopping"
    assert r.stops == [("when-done", T0 + 170)]


async def test_keep_running_and_cancel_disarm_it(rig):
    r = rig(idle_enabled=False)
    r.monitor.stop_when_done(True)
    assert await r.check_at(10) == "warning"
    r.monitor.keep_running(None)  # the warning's "Keep running"
    assert r.monitor.when_done is None
    assert await r.check_at(10 + 3 * WHEN_DONE_GRACE) == "disabled"
    r.monitor.stop_when_done(True)
    r.monitor.stop_when_done(False)
    assert await r.check_at(20 + 4 * WHEN_DONE_GRACE) == "disabled"
    assert r.stops == []
    with pytest.raises(IdleInputError, match=r"^'armed' must be true or false\.$"):
        r.monitor.stop_when_done("yes")  # type: ignore[arg-type]


async def armed_stop_saving(r: Rig) -> None:
    """Armed with nothing running and one tab connected: at the grace's end the stop begins
    and asks the tab to save."""
    r.monitor.register_client("tab-1", [])
    r.monitor.stop_when_done(True)
    assert await r.check_at(10) == "warning"
    r.monitor.register_client("tab-1", [])
    r.clock.set(T0 + 10 + WHEN_DONE_GRACE)
    assert await r.monitor.check() == "stopping"
    await _yield()


@contextmanager
def bash_on_a_pty() -> Any:
    """A real shell on a pty, as terminado runs one for each JupyterLab terminal."""
    from ptyprocess import PtyProcessUnicode

    shell = PtyProcessUnicode.spawn(["bash", "--norc", "--noprofile"])
    try:
        yield shell
    finally:
        shell.terminate(force=True)


def foreground(shell: Any) -> int:
    return os.tcgetpgrp(shell.fd)


def running_sleep(shell: Any) -> bool:
    """`sleep` leads the foreground group: after bash's fork the group is there a moment
    before the child has exec'd (its command still reads "bash")."""
    group = foreground(shell)
    return group != shell.pid and program_name(group) == "sleep"


async def test_a_terminal_program_in_the_foreground_holds_it(rig):
    r = rig(idle_enabled=False)
    with bash_on_a_pty() as shell:
        # A terminal that is no pty comes first: it is skipped, the next one still counts.
        r.terminals["0"] = SimpleNamespace()
        r.terminals["1"] = SimpleNamespace(ptyproc=shell)
        r.monitor.stop_when_done(True)
        await wait_for(lambda: foreground(shell) == shell.pid, 10, "the shell's prompt")
        assert await r.check_at(10) == "warning"  # a shell at its prompt is not work
        shell.write("sleep 60\n")
        await wait_for(lambda: running_sleep(shell), 10, "sleep in the foreground")
        assert await r.check_at(20) == "active"
        assert [(b.kind, b.name, b.detail) for b in r.monitor.blockers] == [
            ("terminal", "terminal 1", "running sleep")
        ]
        os.killpg(foreground(shell), signal.SIGTERM)  # the program ends: back at the prompt
        await wait_for(lambda: foreground(shell) == shell.pid, 20, "the prompt again")
        assert await r.check_at(30) == "warning"


async def test_a_shell_at_its_prompt_before_a_busy_one_does_not_hide_it(rig):
    r = rig(idle_enabled=False)
    with bash_on_a_pty() as idle_shell, bash_on_a_pty() as busy_shell:
        r.terminals["1"] = SimpleNamespace(ptyproc=idle_shell)
        r.terminals["2"] = SimpleNamespace(ptyproc=busy_shell)
        await wait_for(lambda: foreground(idle_shell) == idle_shell.pid, 10, "a prompt")
        busy_shell.write("sleep 60\n")
        await wait_for(lambda: running_sleep(busy_shell), 10, "sleep")
        assert [b.name for b in r.monitor.work.foreground_programs()] == ["terminal 2"]
    # A terminal manager without terminals, and none at all.
    r.monitor.work.server_app.web_app.settings["terminal_manager"] = SimpleNamespace()
    assert r.monitor.work.foreground_programs() == []
    r.monitor.work.server_app.web_app.settings.pop("terminal_manager")
    assert r.monitor.work.foreground_programs() == []


async def test_a_program_started_while_saving_calls_the_armed_stop_off(rig):
    r = rig(idle_enabled=False)
    with bash_on_a_pty() as shell:
        r.terminals["1"] = SimpleNamespace(ptyproc=shell)
        await wait_for(lambda: foreground(shell) == shell.pid, 10, "the shell's prompt")
        await armed_stop_saving(r)
        assert r.monitor.snapshot()["stop_when_done"]["state"] == "stopping"
        shell.write("sleep 60\n")  # while the tab saves
        await wait_for(lambda: running_sleep(shell), 10, "sleep in the foreground")
        r.monitor.saved(r.monitor.save_request.id, "tab-1", True, None)
        await r.monitor.stop_task
    assert r.stops == []
    assert "terminal 1: running sleep" in r.monitor.last_action["message"]


async def test_a_kernel_busy_again_while_saving_calls_the_armed_stop_off(rig):
    r = rig(idle_enabled=False)
    await armed_stop_saving(r)
    r.kernels.kernels["k1"] = Kernel("busy", last_activity=r.at(10 + WHEN_DONE_GRACE))
    r.monitor.saved(r.monitor.save_request.id, "tab-1", True, None)
    await r.monitor.stop_task
    assert r.stops == []
    assert "python3 k1: busy" in r.monitor.last_action["message"]


async def test_cancelling_during_the_save_calls_the_stop_off(rig):
    r = rig(idle_enabled=False)
    await armed_stop_saving(r)
    r.monitor.stop_when_done(False)
    await r.monitor.stop_task
    assert r.stops == []
    assert r.monitor.last_action["message"] == (
        "Stop cancelled: stop when done cancelled by the user"
    )
    # Armed again after a called-off stop: a warning, not "stopping" from the last one.
    r.monitor.stop_when_done(True)
    assert await r.check_at(20 + WHEN_DONE_GRACE) == "warning"
    assert r.monitor.snapshot()["stop_when_done"]["state"] == "warning"


async def test_arming_twice_keeps_the_grace_and_the_log_says_each_step(rig, caplog):
    r = rig(idle_enabled=False)
    with caplog.at_level(logging.INFO, logger="test-idle"):
        r.monitor.stop_when_done(True)
        assert await r.check_at(10) == "warning"
        stops_at = r.monitor.snapshot()["stop_when_done"]["stops_at"]
        r.monitor.stop_when_done(True)  # again, later: the same grace
        assert await r.check_at(70) == "warning"
        assert r.monitor.snapshot()["stop_when_done"]["stops_at"] == stops_at
        r.monitor.keep_running(None)
        r.monitor.stop_when_done(True)
        r.monitor.stop_when_done(False)
        r.monitor.stop_when_done(False)  # not armed: nothing more
    assert [m for m in caplog.messages if "stop when done" in m or "work is done" in m] == [
        "costwidget idle: stop when done armed",
        "costwidget idle: the work is done; stopping in 2 min",
        "costwidget idle: stop when done cancelled: the user chose to keep running",
        "costwidget idle: stop when done armed",
        "costwidget idle: stop when done cancelled by the user",
    ]


async def test_a_save_that_fails_calls_the_armed_stop_off_and_says_why(rig):
    r = rig(idle_enabled=False)
    await armed_stop_saving(r)
    request = r.monitor.save_request
    assert request is not None and request.reason == "when-done"
    r.monitor.saved(request.id, "tab-1", False, "notes.ipynb: disk full")
    await r.monitor.stop_task
    assert r.stops == []
    assert r.monitor.last_action["cancelled"] is True
    assert "disk full" in r.monitor.last_action["message"]
    assert r.monitor.when_done is None
