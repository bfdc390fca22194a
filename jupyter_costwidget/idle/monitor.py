"""Idle auto-stop: a monitor inside the Jupyter server that warns, asks to save, then stops.

The monitor checks every `idle_check_seconds` on the server's own event loop. It reads the
kernel and terminal managers directly (no HTTP to itself). Two kinds of *blockers*:

- ongoing work (a busy kernel, CPU or GPU use, a keep-alive) holds the idle clock at now;
- recent activity (kernel messages, terminal input or output, user input in a tab) moves the
  idle clock's start to when it happened.

The stop comes at the first check at least `timeout` after the last activity, so never
before it and at most one check interval after. A tab that went silent with unsaved
documents holds the stop (`idle_unsaved_max_hours`). Before stopping, every connected
front-end is asked to save; only when all of them acknowledge does `actions` stop this
environment's billable app.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from jupyter_costwidget.idle import actions
from jupyter_costwidget.idle.choice import ChoiceStore
from jupyter_costwidget.idle.probes import ProcessProbes
from jupyter_costwidget.idle.schedule import Schedule, ScheduleError
from jupyter_costwidget.idle.tabs import (
    ClientReport,
    IdleInputError,
    SaveRequest,
    StopCancelled,
    Tabs,
    WaitEvent,
)
from jupyter_costwidget.idle.times import ago, iso, utc
from jupyter_costwidget.idle.work import Blocker, WorkWatch

if TYPE_CHECKING:
    from jupyter_costwidget.state import CostWidgetState

StopApp = Callable[["CostWidgetState", "IdleMonitor"], Awaitable[dict[str, Any]]]

STATE_FILE = "idle.json"
# Front-ends report user input at most once a minute; accept a little faster, never a flood.
ACTIVITY_MIN_INTERVAL = 10.0


@dataclass
class WhenDone:
    """An armed "stop when done": the end of its grace once the work it waits for ended."""

    stops_at: float | None = None


class IdleMonitor:
    """The idle state machine of one server. All methods run on the server's event loop."""

    def __init__(
        self,
        state: CostWidgetState,
        stop_app: StopApp | None = None,
        wait_event: WaitEvent | None = None,
        probes: ProcessProbes | None = None,
    ) -> None:
        self.state = state
        # What a stop does (this environment's AWS stop by default) and how the save step
        # waits for the tabs: both injected so tests can drive the monitor on a fake clock.
        self.stop_app: StopApp = stop_app or actions.stop_this_app
        self._wait_event: WaitEvent = wait_event or _wait_event
        self.config = state.config
        self.log = state.log
        self._clock = state.clock  # wall time; every idle decision reads it
        now = self.clock()
        self.enabled = bool(self.config.idle_enabled or self.config.idle_enforced)
        self.timeout_minutes = float(self.config.idle_timeout_minutes)
        self.last_active = now  # the idle clock starts when the server does
        self.user_activity: float | None = None
        self.keepalive_until: float | None = None
        self.when_done: WhenDone | None = None  # "stop when done", armed by the user
        self.tabs = Tabs(self.config, self.clock, self.log, self._wait_event)
        self.last_action: dict[str, Any] | None = None
        self.outcome: str | None = None  # "stopped" | "failed": shown until the next activity
        self.blockers: list[Blocker] = []
        self._hold_logged = False
        self.check_cpu_seconds = 0.0  # CPU time of the last check, for the bench
        self.current_state = "disabled"
        self.stop_reason: str | None = None
        self.checks = 0
        self.work = WorkWatch(
            self.config, state.server_app, self.log, state.run_blocking, probes or ProcessProbes()
        )
        self.choice = ChoiceStore(
            os.path.join(self.config.resolved_state_dir(), STATE_FILE), self.log
        )
        self._task: asyncio.Task[None] | None = None
        self._stop_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self.schedule: Schedule | None = None
        self.schedule_error: str | None = None
        self.schedule_next: datetime | None = None
        try:
            self.schedule = Schedule.parse(
                self.config.stop_schedule, self.config.stop_schedule_timezone
            )
        except ScheduleError as exc:
            self.schedule_error = str(exc)
            self.log.error("costwidget idle: c.CostWidget.stop_schedule ignored: %s", exc)
        self._load_choice()
        if self.schedule:
            self.schedule_next = self.schedule.next_after(utc(self.clock()))

    # Tests put the monitor, its tabs included, on a fake clock.
    @property
    def clock(self) -> Callable[[], float]:
        return self._clock

    @clock.setter
    def clock(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.tabs.clock = clock

    @property
    def wait_event(self) -> WaitEvent:
        return self._wait_event

    @wait_event.setter
    def wait_event(self, wait_event: WaitEvent) -> None:
        self._wait_event = wait_event
        self.tabs.wait_event = wait_event

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        tasks = [t for t in (self._task, self._stop_task) if t and not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.work.close()

    async def _run(self) -> None:
        while True:
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception:  # the monitor must outlive a bad check
                self.log.exception("costwidget idle: check failed")
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), max(0.05, self.config.idle_check_seconds))
            except asyncio.TimeoutError:
                pass

    @property
    def stop_task(self) -> asyncio.Task[None] | None:
        """The stop in progress (or the last one): awaitable by tools and tests."""
        return self._stop_task

    def wake(self) -> None:
        """Check now (after a settings change or a keep-alive)."""
        self._wake.set()

    # --- settings --------------------------------------------------------------------------
    @property
    def bounds(self) -> dict[str, float]:
        return {
            "min": float(self.config.idle_min_minutes),
            "max": float(self.config.idle_max_minutes),
        }

    @property
    def timeout_seconds(self) -> float:
        return self.timeout_minutes * 60.0

    def update_settings(self, enabled: Any = None, timeout_minutes: Any = None) -> None:
        """The user's choice; raises `IdleInputError` for what is not allowed."""
        if enabled is not None and not isinstance(enabled, bool):
            raise IdleInputError("'enabled' must be true or false.")
        if timeout_minutes is not None:
            if isinstance(timeout_minutes, bool) or not isinstance(timeout_minutes, int | float):
                raise IdleInputError("'timeout_minutes' must be a number.")
            lo, hi = self.bounds["min"], self.bounds["max"]
            if not lo <= float(timeout_minutes) <= hi:
                raise IdleInputError(
                    f"'timeout_minutes' must be between {lo:g} and {hi:g} minutes "
                    "(c.CostWidget.idle_min_minutes / idle_max_minutes)."
                )
        if enabled is False and self.config.idle_enforced:
            raise IdleInputError(
                "Auto-stop is required by the administrator (c.CostWidget.idle_enforced); "
                "it cannot be turned off."
            )
        if enabled is not None:
            if enabled and not self.enabled:
                self.last_active = self.clock()  # turning it on starts a fresh clock
            self.enabled = enabled
        if timeout_minutes is not None:
            self.timeout_minutes = float(timeout_minutes)
        self.outcome = None
        self.log.info(
            "costwidget idle: settings changed: enabled=%s timeout=%g min",
            self.enabled,
            self.timeout_minutes,
        )
        self._save_choice()
        self.wake()

    def _load_choice(self) -> None:
        data = self.choice.load()
        enabled = data.get("enabled")
        if isinstance(enabled, bool):
            self.enabled = enabled or bool(self.config.idle_enforced)
        timeout = data.get("timeout_minutes")
        if isinstance(timeout, int | float) and not isinstance(timeout, bool):
            lo, hi = self.bounds["min"], self.bounds["max"]
            # An admin may have narrowed the bounds since the user chose.
            self.timeout_minutes = min(hi, max(lo, float(timeout)))

    def _save_choice(self) -> None:
        self.choice.save({"enabled": self.enabled, "timeout_minutes": self.timeout_minutes})

    # --- inputs from front-ends ------------------------------------------------------------
    @property
    def clients(self) -> dict[str, ClientReport]:
        return self.tabs.clients

    @property
    def save_request(self) -> SaveRequest | None:
        return self.tabs.save_request

    @property
    def probes(self) -> ProcessProbes:
        return self.work.probes

    def register_client(self, client_id: str, unsaved: list[str] | None = None) -> None:
        self.tabs.register(client_id, unsaved)

    def unregister_client(self, client_id: str) -> None:
        self.tabs.unregister(client_id)

    def connected_clients(self) -> set[str]:
        return self.tabs.connected()

    def silent_unsaved(self) -> dict[str, ClientReport]:
        return self.tabs.silent_unsaved()

    def saved(self, request_id: str, client_id: str, ok: bool, error: str | None) -> None:
        self.tabs.saved(request_id, client_id, ok, error)

    def busy_too_long(self, kernel_id: str) -> bool:
        return self.work.busy_too_long(kernel_id, self.clock())

    def report_activity(self) -> bool:
        """Real user input in a tab. Returns False when throttled (too soon after the last)."""
        now = self.clock()
        if self.user_activity and now - self.user_activity < ACTIVITY_MIN_INTERVAL:
            return False
        self.user_activity = now
        self.last_active = max(self.last_active, now)
        self._cancel_stop("new user activity")
        return True

    def stop_when_done(self, armed: bool) -> None:
        """Arm a one-shot stop for when the work running now is finished, or cancel it."""
        if not isinstance(armed, bool):
            raise IdleInputError("'armed' must be true or false.")
        if armed and self.when_done is None:
            self.when_done = WhenDone()
            self.outcome = None
            self.log.info("costwidget idle: stop when done armed")
        elif not armed and self.when_done is not None:
            self._disarm("cancelled by the user")
        self.wake()

    def _disarm(self, why: str) -> None:
        self.when_done = None
        self.log.info("costwidget idle: stop when done %s", why)
        if self.stop_reason == "when-done":
            self._cancel_stop(f"stop when done {why}")

    def keep_running(self, minutes: float | None) -> float | None:
        """'Keep running' (minutes None: reset the clock) or a keep-alive of `minutes`."""
        now = self.clock()
        self.last_active = now
        if minutes is not None:
            if (
                isinstance(minutes, bool)
                or not isinstance(minutes, int | float)
                or not math.isfinite(minutes)
                or minutes <= 0
            ):
                raise IdleInputError("'minutes' must be a positive number.")
            minutes = min(float(minutes), float(self.config.idle_max_minutes))
            self.keepalive_until = now + minutes * 60.0
        if self._schedule_pending(now):
            if minutes is None:
                # "Keep running" skips this scheduled stop; the next one comes as planned.
                self.log.info(
                    "costwidget idle: scheduled stop at %s skipped by the user", self.schedule_next
                )
                self._advance_schedule()
        if self.when_done is not None:
            self._disarm("cancelled: the user chose to keep running")
        self._cancel_stop("the user chose to keep running")
        self.wake()
        return self.keepalive_until

    # --- the check ---------------------------------------------------------------------------
    async def check(self) -> str:
        started = time.process_time()
        self.checks += 1
        now = self.clock()
        blockers, latest = self.work.manager_blockers(now, self.timeout_seconds)
        blockers += await self.work.process_blockers()
        if self.keepalive_until and self.keepalive_until > now:
            blockers.append(
                Blocker(
                    "keepalive",
                    "keep-alive",
                    f"kept running until {iso(self.keepalive_until)}",
                    holds_schedule=True,
                    ongoing=True,
                )
            )
        elif self.keepalive_until:
            latest = max(latest, self.keepalive_until)  # it ended: that was the last activity
        if self.user_activity:
            latest = max(latest, self.user_activity)
            if now - self.user_activity < self.timeout_seconds:
                blockers.append(
                    Blocker("user", "user input", f"last input {ago(now - self.user_activity)} ago")
                )
        blockers += self.tabs.unsaved_blockers(now)
        if self.when_done is not None:
            blockers += self.work.foreground_programs()
        if not any(b.ongoing for b in blockers) and self._warning_may_begin(now, latest):
            blockers += await self.work.unanswering_kernels(now)
        self.blockers = blockers
        if any(b.ongoing for b in blockers):
            self.last_active = now
        else:
            self.last_active = max(self.last_active, min(latest, now))
        if any(not b.hold for b in blockers):
            self.outcome = None  # new activity: the last stop's outcome is old news
        self.current_state = self._decide(now)
        self.check_cpu_seconds = time.process_time() - started
        return self.current_state

    def _warning_may_begin(self, now: float, latest: float) -> bool:
        """This check may begin a warning: the moment to ask the kernels directly. During a
        warning the server's busy watch is joined, so it sees any new cell."""
        if self.current_state in ("warning", "stopping"):
            return False
        if self.when_done is not None or self._schedule_pending(now):
            return True
        if not self.enabled or self.outcome == "stopped":
            return False
        last_active = max(self.last_active, min(latest, now))
        idle_for = now - last_active
        return self.timeout_seconds - idle_for <= self.config.idle_grace_minutes * 60.0

    def _decide(self, now: float) -> str:
        if self._stop_task and not self._stop_task.done():
            return "stopping"
        if self.when_done is not None:
            return self._decide_when_done(now)
        # A scheduled stop comes first: it does not wait for the idle timeout.
        if self._schedule_pending(now):
            due = self.schedule_next.timestamp()  # type: ignore[union-attr]
            holding = [b for b in self.blockers if b.holds_schedule]
            if not holding and now >= due:
                self._begin_stop("schedule")
                return "stopping"
            if not holding:
                return "warning"
        if not self.enabled:
            return "disabled"
        remaining = self.timeout_seconds - (now - self.last_active)
        holds = [b for b in self.blockers if b.hold]
        if holds and remaining <= 0 and not self._hold_logged:
            self._hold_logged = True
            self.log.warning(
                "costwidget idle: stop held: %s", "; ".join(f"{b.name}: {b.detail}" for b in holds)
            )
        self._hold_logged = self._hold_logged and bool(holds)
        if any(b.ongoing or b.hold for b in self.blockers):
            return "active"
        if self.outcome == "stopped":
            return "stopped"  # nothing new happened since the stop: do not stop again
        if remaining <= 0:
            self._begin_stop("idle")
            return "stopping"
        if remaining <= self.config.idle_grace_minutes * 60.0:
            return "warning"
        if self.blockers:
            return "active"  # recent activity: the clock runs from it
        return self.outcome or "idle"

    def _decide_when_done(self, now: float) -> str:
        """Armed: wait while work runs, then warn for the grace, then stop."""
        when_done = self.when_done
        assert when_done is not None
        if any(b.ongoing for b in self.blockers):
            when_done.stops_at = None  # work (again): the grace starts when it ends
            return "active"
        if when_done.stops_at is None:
            grace = self.config.stop_when_done_grace_minutes * 60.0
            when_done.stops_at = now + grace
            self.log.info("costwidget idle: the work is done; stopping in %s", ago(grace))
        if now >= when_done.stops_at:
            self._begin_stop("when-done")
            return "stopping"
        return "warning"

    def _schedule_pending(self, now: float) -> bool:
        if not self.schedule_next:
            return False
        grace = self.config.idle_grace_minutes * 60.0
        return now >= self.schedule_next.timestamp() - grace

    def _advance_schedule(self) -> None:
        if self.schedule and self.schedule_next:
            self.schedule_next = self.schedule.next_after(self.schedule_next)

    # --- stopping ------------------------------------------------------------------------------
    def _begin_stop(self, reason: str) -> None:
        self.stop_reason = reason
        self._stop_task = asyncio.get_running_loop().create_task(self._stop_flow(reason))

    def _cancel_stop(self, why: str) -> None:
        if self._stop_task and not self._stop_task.done():
            self.tabs.cancel_save(why)

    async def _stop_flow(self, reason: str) -> None:
        started = self.clock()
        record: dict[str, Any] = {"reason": reason, "started": iso(started)}
        try:
            await self.tabs.ask_to_save(reason)
            await self._recheck(reason)
            if reason == "schedule":
                self._advance_schedule()
            result = await self.stop_app(self.state, self)
            record.update(result)
            record["ok"] = True
            self.outcome = "stopped"
            self.current_state = "stopped"
            self.log.warning(
                "costwidget idle: stopped (%s): %s%s",
                reason,
                result.get("summary"),
                " [dry run]" if result.get("dry_run") else "",
            )
        except StopCancelled as exc:
            record.update({"ok": False, "cancelled": True, "message": str(exc)})
            self.outcome = None
            self.current_state = "active"
            self.log.warning("costwidget idle: stop cancelled: %s", exc)
        except actions.StopFailed as exc:
            record.update({"ok": False, "message": exc.message, "error": exc.error, **exc.details})
            self.outcome = "failed"
            self.current_state = "failed"
            self.log.error("costwidget idle: stop failed: %s", exc.message)
        except Exception as exc:
            record.update({"ok": False, "message": f"Unexpected error: {type(exc).__name__}"})
            self.outcome = "failed"
            self.current_state = "failed"
            self.log.exception("costwidget idle: stop failed")
        finally:
            self.tabs.save_request = None
            if reason == "when-done":
                self.when_done = None  # one-shot: done, or called off with the reason shown
        record["finished"] = iso(self.clock())
        record["_t"] = self.clock()
        self.last_action = record
        # The clock restarts: a failed or cancelled stop is tried again after a full timeout.
        self.last_active = self.clock()

    async def _recheck(self, reason: str) -> None:
        """Work that started while front-ends were saving calls the stop off."""
        now = self.clock()
        blockers, _ = self.work.manager_blockers(now, self.timeout_seconds)
        blockers += await self.work.process_blockers()
        if self.keepalive_until and self.keepalive_until > now:
            blockers.append(
                Blocker("keepalive", "keep-alive", "keep-alive requested", True, ongoing=True)
            )
        blockers += self.tabs.unsaved_blockers(now)
        if reason == "when-done":
            blockers += self.work.foreground_programs()
        blockers += await self.work.unanswering_kernels(now)
        if reason in ("schedule", "when-done"):
            # Only work, unsaved documents and a keep-alive call these off, not recent use.
            blockers = [b for b in blockers if b.holds_schedule]
        if blockers:
            self.blockers = blockers
            raise StopCancelled(
                "Stop cancelled: new activity while saving ("
                + ", ".join(f"{b.name}: {b.detail}" for b in blockers)
                + ")."
            )

    # --- the API view --------------------------------------------------------------------------
    def _when_done_view(self) -> dict[str, Any]:
        when_done = self.when_done
        if when_done is None:
            return {"armed": False, "state": None, "stops_at": None}
        stopping = self.stop_reason == "when-done" and self.current_state == "stopping"
        state = "stopping" if stopping else "warning" if when_done.stops_at else "waiting"
        stops_at = iso(when_done.stops_at) if when_done.stops_at else None
        return {"armed": True, "state": state, "stops_at": stops_at}

    def snapshot(self) -> dict[str, Any]:
        now = self.clock()
        state = self.current_state
        stops_at: float | None = None
        if self.when_done is not None:
            stops_at = self.when_done.stops_at
        elif self.enabled and state in ("warning", "idle", "stopping"):
            stops_at = self.last_active + self.timeout_seconds
        if self.schedule_next and self._schedule_pending(now):
            sched = self.schedule_next.timestamp()
            stops_at = sched if stops_at is None else min(stops_at, sched)
        last_action = {k: v for k, v in (self.last_action or {}).items() if not k.startswith("_")}
        return {
            "enabled": self.enabled,
            "timeout_minutes": self.timeout_minutes,
            "grace_minutes": float(self.config.idle_grace_minutes),
            "check_seconds": float(self.config.idle_check_seconds),
            "bounds": self.bounds,
            "enforced": bool(self.config.idle_enforced),
            "dry_run": bool(self.config.idle_dry_run),
            "state": state,
            "idle_seconds": round(max(0.0, now - self.last_active), 1),
            "stops_at": iso(stops_at) if stops_at else None,
            "seconds_left": round(max(0.0, stops_at - now), 1) if stops_at else None,
            "blockers": [b.public() for b in self.blockers],
            "keepalive_until": iso(self.keepalive_until)
            if self.keepalive_until and self.keepalive_until > now
            else None,
            "schedule": {
                "spec": self.config.stop_schedule or None,
                "timezone": self.schedule.tz_name if self.schedule else None,
                "next": iso(self.schedule_next.timestamp()) if self.schedule_next else None,
                "error": self.schedule_error,
            },
            "last_action": last_action or None,
            "save_request": self.save_request.public() if self.save_request else None,
            "unsaved": [
                {"client": cid, "documents": list(report.unsaved), "last_seen": iso(report.seen)}
                for cid, report in sorted(self.clients.items())
                if report.unsaved
            ],
            "stop_when_done": self._when_done_view(),
            "checks": self.checks,  # how many checks ran: shows the monitor is alive
        }


async def _wait_event(event: asyncio.Event, timeout: float) -> None:
    """Until `event` is set or `timeout` seconds have passed."""
    try:
        await asyncio.wait_for(event.wait(), timeout)
    except asyncio.TimeoutError:
        pass


def setup(state: CostWidgetState) -> None:
    monitor = IdleMonitor(state)
    state.idle = monitor  # type: ignore[attr-defined]
    state.add_service("idle", monitor)
