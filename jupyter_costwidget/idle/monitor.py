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
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from jupyter_costwidget.idle import actions
from jupyter_costwidget.idle.choice import ChoiceStore
from jupyter_costwidget.idle.probes import ProcessProbes
from jupyter_costwidget.idle.schedule import Schedule, ScheduleError

if TYPE_CHECKING:
    from jupyter_costwidget.state import CostWidgetState

StopApp = Callable[["CostWidgetState", "IdleMonitor"], Awaitable[dict[str, Any]]]
WaitEvent = Callable[[asyncio.Event, float], Awaitable[None]]

STATE_FILE = "idle.json"
# Front-ends report user input at most once a minute; accept a little faster, never a flood.
ACTIVITY_MIN_INTERVAL = 10.0
GPU_BUSY_PERCENT = 5.0


class IdleInputError(ValueError):
    """A user's request the monitor refuses (the route answers 400 with this message)."""


@dataclass
class Blocker:
    kind: str  # kernel | terminal | user | cpu | gpu | keepalive | unsaved
    name: str
    detail: str
    # Holds a scheduled stop too (ongoing work, very recent terminal use, unsaved work).
    holds_schedule: bool = False
    # Ongoing work: the idle clock stays at now while it lasts.
    ongoing: bool = False
    # Holds the stop without being activity (a silent tab's unsaved documents).
    hold: bool = False

    def public(self) -> dict[str, str]:
        return {"kind": self.kind, "name": self.name, "detail": self.detail}


@dataclass
class SaveRequest:
    """One round of "save your documents" sent to every connected front-end."""

    id: str
    deadline: float
    reason: str
    pending: set[str]
    failures: list[str] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "deadline": _iso(self.deadline), "reason": self.reason}


@dataclass(frozen=True)
class ClientReport:
    """What a tab said when it last polled: when, and its documents with unsaved changes."""

    seen: float = 0.0
    unsaved: tuple[str, ...] = ()


class StopCancelled(Exception):
    """The stop was called off (failed save, no acknowledgement, new activity)."""


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
        self.wait_event: WaitEvent = wait_event or _wait_event
        self.config = state.config
        self.log = state.log
        self.server_app = state.server_app
        self.clock = state.clock  # wall time; every idle decision reads it
        now = self.clock()
        self.enabled = bool(self.config.idle_enabled or self.config.idle_enforced)
        self.timeout_minutes = float(self.config.idle_timeout_minutes)
        self.last_active = now  # the idle clock starts when the server does
        self.user_activity: float | None = None
        self.keepalive_until: float | None = None
        self.clients: dict[str, ClientReport] = {}
        self._unsaved_released: set[str] = set()  # silent tabs past idle_unsaved_max_hours
        self.save_request: SaveRequest | None = None
        self.last_action: dict[str, Any] | None = None
        self.outcome: str | None = None  # "stopped" | "failed": shown until the next activity
        self.blockers: list[Blocker] = []
        self._hold_logged = False
        self.check_cpu_seconds = 0.0  # CPU time of the last check, for the bench
        self.current_state = "disabled"
        self.stop_reason: str | None = None
        self.checks = 0
        self._busy_since: dict[str, float] = {}
        self.probes = probes or ProcessProbes()
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
            self.schedule_next = self.schedule.next_after(_utc(self.clock()))

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        tasks = [t for t in (self._task, self._stop_task) if t and not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

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
    def register_client(self, client_id: str, unsaved: list[str] | None = None) -> None:
        """A tab polled; `unsaved` names its documents with unsaved changes (None: unknown,
        keep what it said last)."""
        previous = self.clients.get(client_id)
        documents = tuple(unsaved) if unsaved is not None else (previous or ClientReport()).unsaved
        self.clients[client_id] = ClientReport(self.clock(), documents)
        self._unsaved_released.discard(client_id)

    def unregister_client(self, client_id: str) -> None:
        """A tab closed: it will not answer save requests any more."""
        self.clients.pop(client_id, None)
        self._unsaved_released.discard(client_id)
        req = self.save_request
        if req is not None and client_id in req.pending:
            req.pending.discard(client_id)
            if not req.pending:
                req.done.set()

    def connected_clients(self) -> set[str]:
        """Tabs that polled recently. A silent tab is forgotten unless its last report said
        it had unsaved documents: that is kept for the unsaved-work rule."""
        now = self.clock()
        for cid, report in list(self.clients.items()):
            if now - report.seen > self.config.idle_client_ttl_seconds and not report.unsaved:
                del self.clients[cid]
        return {
            cid
            for cid, r in self.clients.items()
            if now - r.seen <= self.config.idle_client_ttl_seconds
        }

    def silent_unsaved(self) -> dict[str, ClientReport]:
        """Tabs that went silent while holding unsaved documents, by client id."""
        now = self.clock()
        return {
            cid: report
            for cid, report in self.clients.items()
            if report.unsaved and now - report.seen > self.config.idle_client_ttl_seconds
        }

    def _unsaved_blockers(self, now: float) -> list[Blocker]:
        limit = self.config.idle_unsaved_max_hours * 3600.0
        blockers = []
        for cid, report in self.silent_unsaved().items():
            silent_for = now - report.seen
            if limit and silent_for > limit:
                if cid not in self._unsaved_released:
                    self._unsaved_released.add(cid)
                    self.log.warning(
                        "costwidget idle: tab %s has been silent for %s with unsaved %s; "
                        "no longer holding the stop (c.CostWidget.idle_unsaved_max_hours)",
                        cid[:8],
                        _ago(silent_for),
                        ", ".join(report.unsaved),
                    )
                continue
            blockers.append(
                Blocker(
                    "unsaved",
                    f"tab {cid[:8]}",
                    f"unsaved {', '.join(report.unsaved)}; the tab has been silent for "
                    f"{_ago(silent_for)}",
                    holds_schedule=True,
                    hold=True,
                )
            )
        return blockers

    def report_activity(self) -> bool:
        """Real user input in a tab. Returns False when throttled (too soon after the last)."""
        now = self.clock()
        if self.user_activity and now - self.user_activity < ACTIVITY_MIN_INTERVAL:
            return False
        self.user_activity = now
        self.last_active = max(self.last_active, now)
        self._cancel_stop("new user activity")
        return True

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
        self._cancel_stop("the user chose to keep running")
        self.wake()
        return self.keepalive_until

    def saved(self, request_id: str, client_id: str, ok: bool, error: str | None) -> None:
        req = self.save_request
        if req is None or req.id != request_id:
            raise IdleInputError("No such save request (it finished or was cancelled).")
        req.pending.discard(client_id)
        if not ok:
            req.failures.append(error or "a front-end could not save its documents")
        if req.failures or not req.pending:
            req.done.set()

    # --- the check ---------------------------------------------------------------------------
    async def check(self) -> str:
        started = time.process_time()
        self.checks += 1
        now = self.clock()
        blockers, latest = self._collect_manager_blockers(now)
        blockers += await self._collect_process_blockers()
        if self.keepalive_until and self.keepalive_until > now:
            blockers.append(
                Blocker(
                    "keepalive",
                    "keep-alive",
                    f"kept running until {_iso(self.keepalive_until)}",
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
                    Blocker(
                        "user", "user input", f"last input {_ago(now - self.user_activity)} ago"
                    )
                )
        blockers += self._unsaved_blockers(now)
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

    def _decide(self, now: float) -> str:
        if self._stop_task and not self._stop_task.done():
            return "stopping"
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

    def _schedule_pending(self, now: float) -> bool:
        if not self.schedule_next:
            return False
        grace = self.config.idle_grace_minutes * 60.0
        return now >= self.schedule_next.timestamp() - grace

    def _advance_schedule(self) -> None:
        if self.schedule and self.schedule_next:
            self.schedule_next = self.schedule.next_after(self.schedule_next)

    def _collect_manager_blockers(self, now: float) -> tuple[list[Blocker], float]:
        blockers: list[Blocker] = []
        latest = 0.0
        timeout = self.timeout_seconds
        km = getattr(self.server_app, "kernel_manager", None)
        seen: set[str] = set()
        for kid in list(km.list_kernel_ids()) if km else []:
            try:
                kernel = km.get_kernel(kid)
            except KeyError:
                continue
            seen.add(kid)
            name = f"{getattr(kernel, 'kernel_name', '') or 'kernel'} {kid[:8]}"
            execution_state = getattr(kernel, "execution_state", None)
            last = _ts(getattr(kernel, "last_activity", None))
            if execution_state in ("busy", "starting"):
                since = self._busy_since.setdefault(kid, last or now)
                ceiling = self.config.idle_max_busy_hours * 3600.0
                if self.config.idle_ignore_busy_kernels:
                    pass
                elif ceiling and now - since > ceiling:
                    self.log.info("costwidget idle: kernel %s busy past idle_max_busy_hours", kid)
                else:
                    blockers.append(
                        Blocker(
                            "kernel",
                            name,
                            f"{execution_state} for {_ago(now - since)}",
                            holds_schedule=True,
                            ongoing=True,
                        )
                    )
                    continue
            else:
                self._busy_since.pop(kid, None)
            if last:
                latest = max(latest, last)
                if now - last < timeout:
                    blockers.append(Blocker("kernel", name, f"activity {_ago(now - last)} ago"))
        for kid in set(self._busy_since) - seen:
            del self._busy_since[kid]
        tm = self._terminal_manager()
        if tm is not None and not self.config.idle_ignore_terminals:
            for term_name, term in list(getattr(tm, "terminals", {}).items()):
                last = _ts(getattr(term, "last_activity", None))
                if last:
                    latest = max(latest, last)
                    if now - last < timeout:
                        blockers.append(
                            Blocker(
                                "terminal",
                                f"terminal {term_name}",
                                f"input or output {_ago(now - last)} ago",
                                holds_schedule=now - last
                                < max(60.0, self.config.idle_check_seconds * 2),
                            )
                        )
        return blockers, latest

    def busy_too_long(self, kernel_id: str) -> bool:
        """The kernel has been busy longer than `idle_max_busy_hours` (when that is set)."""
        ceiling = self.config.idle_max_busy_hours * 3600.0
        since = self._busy_since.get(kernel_id)
        return bool(ceiling and since is not None and self.clock() - since > ceiling)

    def _terminal_manager(self) -> Any:
        web_app = getattr(self.server_app, "web_app", None)
        settings = getattr(web_app, "settings", {}) or {}
        return settings.get("terminal_manager")

    async def _collect_process_blockers(self) -> list[Blocker]:
        blockers: list[Blocker] = []
        if self.config.idle_cpu_percent > 0:
            cpu = await self.state.run_blocking(self.probes.cpu_percent)
            if cpu is not None and cpu > self.config.idle_cpu_percent:
                blockers.append(
                    Blocker(
                        "cpu",
                        "CPU",
                        f"user processes at {cpu:.0f}% of a core",
                        holds_schedule=True,
                        ongoing=True,
                    )
                )
        if self.probes.nvidia_smi:
            gpu = await self.probes.gpu_percent()
            if gpu is not None and gpu > GPU_BUSY_PERCENT:
                blockers.append(
                    Blocker(
                        "gpu", "GPU", f"utilization {gpu:.0f}%", holds_schedule=True, ongoing=True
                    )
                )
        return blockers

    # --- stopping ------------------------------------------------------------------------------
    def _begin_stop(self, reason: str) -> None:
        self.stop_reason = reason
        self._stop_task = asyncio.get_running_loop().create_task(self._stop_flow(reason))

    def _cancel_stop(self, why: str) -> None:
        req = self.save_request
        if req is not None and self._stop_task and not self._stop_task.done():
            req.failures.append(why)
            req.done.set()

    async def _stop_flow(self, reason: str) -> None:
        started = self.clock()
        record: dict[str, Any] = {"reason": reason, "started": _iso(started)}
        try:
            await self._ask_to_save(reason)
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
            self.save_request = None
        record["finished"] = _iso(self.clock())
        record["_t"] = self.clock()
        self.last_action = record
        # The clock restarts: a failed or cancelled stop is tried again after a full timeout.
        self.last_active = self.clock()

    async def _recheck(self, reason: str) -> None:
        """Work that started while front-ends were saving calls the stop off."""
        now = self.clock()
        blockers, _ = self._collect_manager_blockers(now)
        blockers += await self._collect_process_blockers()
        if self.keepalive_until and self.keepalive_until > now:
            blockers.append(
                Blocker("keepalive", "keep-alive", "keep-alive requested", True, ongoing=True)
            )
        blockers += self._unsaved_blockers(now)
        if reason == "schedule":
            blockers = [b for b in blockers if b.holds_schedule]
        if blockers:
            self.blockers = blockers
            raise StopCancelled(
                "Stop cancelled: new activity while saving ("
                + ", ".join(f"{b.name}: {b.detail}" for b in blockers)
                + ")."
            )

    async def _ask_to_save(self, reason: str) -> None:
        clients = self.connected_clients()
        if not clients:
            return
        timeout = float(self.config.idle_save_timeout_seconds)
        req = SaveRequest(
            id=uuid.uuid4().hex,
            deadline=self.clock() + timeout,
            reason=reason,
            pending=set(clients),
        )
        self.save_request = req
        self.log.info("costwidget idle: asking %d front-end(s) to save", len(clients))
        await self.wait_event(req.done, timeout)
        if req.failures:
            raise StopCancelled("Stop cancelled: " + "; ".join(req.failures))
        if req.pending:
            raise StopCancelled(
                f"Stop cancelled: {len(req.pending)} open JupyterLab tab(s) did not confirm "
                f"saving within {timeout:g} s (c.CostWidget.idle_save_timeout_seconds)."
            )

    # --- the API view --------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        now = self.clock()
        state = self.current_state
        stops_at: float | None = None
        if self.enabled and state in ("warning", "idle", "stopping"):
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
            "stops_at": _iso(stops_at) if stops_at else None,
            "seconds_left": round(max(0.0, stops_at - now), 1) if stops_at else None,
            "blockers": [b.public() for b in self.blockers],
            "keepalive_until": _iso(self.keepalive_until)
            if self.keepalive_until and self.keepalive_until > now
            else None,
            "schedule": {
                "spec": self.config.stop_schedule or None,
                "timezone": self.schedule.tz_name if self.schedule else None,
                "next": _iso(self.schedule_next.timestamp()) if self.schedule_next else None,
                "error": self.schedule_error,
            },
            "last_action": last_action or None,
            "save_request": self.save_request.public() if self.save_request else None,
            "unsaved": [
                {"client": cid, "documents": list(report.unsaved), "last_seen": _iso(report.seen)}
                for cid, report in sorted(self.clients.items())
                if report.unsaved
            ],
            "checks": self.checks,  # how many checks ran: shows the monitor is alive
        }


async def _wait_event(event: asyncio.Event, timeout: float) -> None:
    """Until `event` is set or `timeout` seconds have passed."""
    try:
        await asyncio.wait_for(event.wait(), timeout)
    except asyncio.TimeoutError:
        pass


def _ts(value: Any) -> float | None:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.timestamp()
    return None


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat().replace("+00:00", "Z")


def _ago(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def setup(state: CostWidgetState) -> None:
    monitor = IdleMonitor(state)
    state.idle = monitor  # type: ignore[attr-defined]
    state.add_service("idle", monitor)
