"""What the idle monitor measures of the machine: CPU of the server's child processes and GPU
utilisation (nvidia-smi). Measurements only; the monitor decides what counts as work."""

from __future__ import annotations

import asyncio
import shutil
from typing import Any

NVIDIA_SMI_TIMEOUT = 10.0


class ProcessProbes:
    def __init__(self, nvidia_smi: str | None = None) -> None:
        self._procs: dict[int, Any] = {}
        self.nvidia_smi = nvidia_smi or shutil.which("nvidia-smi")

    def cpu_percent(self) -> float | None:
        """CPU of the server's descendants (kernels, terminal programs), % of one core.

        The server's own process is excluded: its work is answering requests and this check.
        Process objects are kept between checks so psutil measures since the last check.
        """
        try:
            import psutil
        except ImportError:
            return None
        try:
            children = psutil.Process().children(recursive=True)
        except psutil.Error:
            return None
        total = 0.0
        alive: dict[int, Any] = {}
        for child in children:
            proc = self._procs.get(child.pid)
            if proc is None:
                proc = child
                try:
                    proc.cpu_percent(None)  # first call primes the counter
                except psutil.Error:
                    continue
                alive[child.pid] = proc
                continue
            try:
                total += proc.cpu_percent(None)
                alive[child.pid] = proc
            except psutil.Error:
                continue
        self._procs = alive
        return total

    async def gpu_percent(self) -> float | None:
        try:
            proc = await asyncio.create_subprocess_exec(
                self.nvidia_smi or "nvidia-smi",
                "--query-gpu=utilization.gpu",
                "--format=csv,noheader,nounits",
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
            )
            out, _ = await asyncio.wait_for(proc.communicate(), NVIDIA_SMI_TIMEOUT)
        except (OSError, asyncio.TimeoutError):
            return None
        values = []
        for line in out.decode(errors="replace").splitlines():
            try:
                values.append(float(line.strip()))
            except ValueError:
                continue
        return max(values) if values else None
