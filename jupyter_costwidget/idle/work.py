"""What holds the idle clock: kernels, terminals, CPU and GPU work, read from the server's
own kernel and terminal managers and the machine's processes."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from jupyter_costwidget.config import CostWidget
from jupyter_costwidget.idle.kernel_probe import KernelProbe
from jupyter_costwidget.idle.probes import ProcessProbes
from jupyter_costwidget.idle.times import ago, epoch

GPU_BUSY_PERCENT = 5.0


def program_name(process_group: int) -> str:
    """The command of a process group's leader, from /proc (Linux), or its id."""
    try:
        with open(f"/proc/{process_group}/comm", encoding="utf-8") as fh:
            return fh.read().strip()
    except OSError:
        return f"process {process_group}"


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
class WorkWatch:
    """Reads the server's kernels and terminals and the machine's CPU and GPU."""

    config: CostWidget
    server_app: Any
    log: Any
    run_blocking: Callable[[Callable[[], Any]], Awaitable[Any]]
    probes: ProcessProbes
    # When each kernel turned busy: a kernel busy past idle_max_busy_hours stops holding.
    _busy_since: dict[str, float] = field(default_factory=dict)
    # Kernels the server reads as idle that were asked directly, and since when they have
    # not answered.
    kernel_probe: Callable[[Any], KernelProbe] = KernelProbe
    kernel_probes: dict[str, KernelProbe] = field(default_factory=dict)
    _silent_since: dict[str, float] = field(default_factory=dict)
    # Checks may overlap (the loop's and a settings change's): one asks at a time.
    _probing: asyncio.Lock = field(default_factory=asyncio.Lock)

    def manager_blockers(self, now: float, timeout: float) -> tuple[list[Blocker], float]:
        """Blockers from kernels and terminals, and the latest activity among them."""
        blockers: list[Blocker] = []
        latest = 0.0
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
            last = epoch(getattr(kernel, "last_activity", None))
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
                            f"{execution_state} for {ago(now - since)}",
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
                    blockers.append(Blocker("kernel", name, f"activity {ago(now - last)} ago"))
        for kid in set(self._busy_since) - seen:
            del self._busy_since[kid]
        tm = self.terminal_manager()
        if tm is not None and not self.config.idle_ignore_terminals:
            for term_name, term in list(getattr(tm, "terminals", {}).items()):
                last = epoch(getattr(term, "last_activity", None))
                if last:
                    latest = max(latest, last)
                    if now - last < timeout:
                        blockers.append(
                            Blocker(
                                "terminal",
                                f"terminal {term_name}",
                                f"input or output {ago(now - last)} ago",
                                holds_schedule=now - last
                                < max(60.0, self.config.idle_check_seconds * 2),
                            )
                        )
        return blockers, latest

    async def unanswering_kernels(self, now: float) -> list[Blocker]:
        """Kernels the server reads as idle that do not answer a `kernel_info` request: they
        run a cell whose busy status the server missed (see kernel_probe)."""
        wait = self.config.idle_kernel_probe_seconds
        km = getattr(self.server_app, "kernel_manager", None)
        if km is None or wait <= 0 or self.config.idle_ignore_busy_kernels:
            return []
        async with self._probing:
            return await self._ask_kernels(km, wait, now)

    async def _ask_kernels(self, km: Any, wait: float, now: float) -> list[Blocker]:
        asked: dict[str, Any] = {}
        for kid in list(km.list_kernel_ids()):
            try:
                kernel = km.get_kernel(kid)
            except KeyError:
                continue
            # Busy and starting kernels are blockers already (or past the ceiling on purpose);
            # a dead or restarting one would not answer, and runs no cell.
            if getattr(kernel, "execution_state", None) != "idle":
                continue
            asked[kid] = kernel
        for kid in set(self.kernel_probes) - set(asked):
            self.kernel_probes.pop(kid).close()
            self._silent_since.pop(kid, None)
        for kid, kernel in asked.items():
            if kid not in self.kernel_probes:
                self.kernel_probes[kid] = self.kernel_probe(kernel)
        probes = [self.kernel_probes[kid] for kid in asked]
        answers = await asyncio.gather(*(probe.answers(wait) for probe in probes))
        blockers = []
        ceiling = self.config.idle_max_busy_hours * 3600.0
        for (kid, kernel), answered in zip(asked.items(), answers, strict=True):
            if answered is not False:
                if self._silent_since.pop(kid, None) is not None:
                    self.log.info("costwidget idle: kernel %s answers again", kid)
                continue
            if kid not in self._silent_since:
                self.log.info(
                    "costwidget idle: kernel %s reads idle but does not answer within %s s: "
                    "it runs something, so it holds the stop",
                    kid,
                    wait,
                )
            since = self._silent_since.setdefault(kid, now)
            if ceiling and now - since > ceiling:
                continue
            name = f"{getattr(kernel, 'kernel_name', '') or 'kernel'} {kid[:8]}"
            blockers.append(
                Blocker(
                    "kernel",
                    name,
                    f"busy for {ago(now - since)} (does not answer)",
                    holds_schedule=True,
                    ongoing=True,
                )
            )
        return blockers

    def close(self) -> None:
        for probe in self.kernel_probes.values():
            probe.close()
        self.kernel_probes.clear()

    def busy_too_long(self, kernel_id: str, now: float) -> bool:
        """The kernel has been busy longer than `idle_max_busy_hours` (when that is set)."""
        ceiling = self.config.idle_max_busy_hours * 3600.0
        since = self._busy_since.get(kernel_id)
        return bool(ceiling and since is not None and now - since > ceiling)

    def terminal_manager(self) -> Any:
        web_app = getattr(self.server_app, "web_app", None)
        settings = getattr(web_app, "settings", {}) or {}
        return settings.get("terminal_manager")

    def foreground_programs(self) -> list[Blocker]:
        """Terminals running a program in the foreground (not just their shell at a prompt).

        A terminal's foreground process group (tcgetpgrp on its pty) is the shell's own
        while the shell waits for input, and the program's while one runs.
        """
        tm = self.terminal_manager()
        blockers = []
        for term_name, term in list(getattr(tm, "terminals", {}).items()):
            pty = getattr(term, "ptyproc", None)
            try:
                group = os.tcgetpgrp(pty.fd)
            except (AttributeError, OSError, TypeError):
                continue  # not a live pty: nothing known to run
            if group == pty.pid:
                continue
            blockers.append(
                Blocker(
                    "terminal",
                    f"terminal {term_name}",
                    f"running {program_name(group)}",
                    holds_schedule=True,
                    ongoing=True,
                )
            )
        return blockers

    async def process_blockers(self) -> list[Blocker]:
        blockers: list[Blocker] = []
        if self.config.idle_cpu_percent > 0:
            cpu = await self.run_blocking(self.probes.cpu_percent)
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
