"""Idle monitor: CPU cost of one check, and the time from the last activity to the stop call.

    .venv/bin/python bench/bench_idle.py

1. Cost per check: the real `IdleMonitor.check()` over 50 kernels and 20 terminals. The
   kernel and terminal *managers* are fakes (the only fake here); the CPU sampling is real:
   70 idle child processes stand in for the kernels and terminal shells that psutil walks.
   Reported as CPU time of this process (all threads) per check, with and without the CPU
   blocker. Every kernel and terminal had activity within the timeout, so each check also
   builds 70 blockers (the most work a check does).
2. Last activity -> stop call: a real `jupyter server` with the extension, a Studio app's
   metadata and the AWS sandbox. The bench reports user input (POST idle/activity), then
   measures until the sandbox has counted the DeleteApp call (polled every 20 ms), for two
   check intervals. The timeout is 6 s: the stop is due 6 s after the input, and may come at
   most one check interval later. Also from `stops_at` (the server's own due time).

Writes bench/results/idle.json. Targets are reported, not asserted.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from _common import DUMMY_AWS_ENV, JupyterServer

from jupyter_costwidget.config import CostWidget
from jupyter_costwidget.idle.monitor import IdleMonitor
from jupyter_costwidget.sandbox import start_sandbox
from jupyter_costwidget.state import CostWidgetState

RESULTS = Path(__file__).resolve().parent / "results" / "idle.json"
KERNELS, TERMINALS, CHECKS = 50, 20, 200
TARGET_CHECK_CPU_MS = 20.0  # a check every 30 s must be negligible
DELAY_TRIALS = 3
SCENARIO = {
    "region": "us-east-1",
    "domains": [
        {
            "id": "d-bench1",
            "user_profiles": ["alice"],
            "spaces": [{"name": "alice-space", "owner": "alice"}],
            "apps": [{"type": "JupyterLab", "space": "alice-space", "instance": "ml.t3.medium"}],
        }
    ],
    "me": {"domain": "d-bench1", "space": "alice-space", "app_type": "JupyterLab"},
}


def stats_ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "runs": len(samples),
        "mean_ms": round(statistics.fmean(samples) * 1000, 3),
        "median_ms": round(statistics.median(samples) * 1000, 3),
        "p95_ms": round(p95 * 1000, 3),
        "max_ms": round(max(samples) * 1000, 3),
    }


# --- 1. cost per check ------------------------------------------------------------------------
class FakeKernelManager:
    def __init__(self, n: int) -> None:
        old = datetime.now(timezone.utc) - timedelta(hours=2)
        self.kernels = {
            f"{i:08d}-kernel": SimpleNamespace(
                execution_state="idle", last_activity=old, kernel_name="python3"
            )
            for i in range(n)
        }

    def list_kernel_ids(self) -> list[str]:
        return list(self.kernels)

    def get_kernel(self, kid: str) -> Any:
        return self.kernels[kid]


def fake_server_app(kernels: int, terminals: int) -> Any:
    old = datetime.now(timezone.utc) - timedelta(hours=2)
    tm = SimpleNamespace(
        terminals={str(i): SimpleNamespace(last_activity=old) for i in range(terminals)}
    )
    return SimpleNamespace(
        kernel_manager=FakeKernelManager(kernels),
        web_app=SimpleNamespace(settings={"terminal_manager": tm}),
    )


async def cost_per_check(cpu_blocker: bool, state_dir: str) -> dict[str, Any]:
    config = CostWidget(
        state_dir=state_dir,
        idle_enabled=True,
        idle_timeout_minutes=600.0,
        idle_cpu_percent=20.0 if cpu_blocker else 0.0,
    )
    log = logging.getLogger("bench_idle")
    state = CostWidgetState(config, log, server_app=fake_server_app(KERNELS, TERMINALS))
    monitor = IdleMonitor(state)
    await monitor.check()  # warm: psutil primes its per-process counters
    cpu, wall = [], []
    for _ in range(CHECKS):
        c0, w0 = time.process_time(), time.perf_counter()
        await monitor.check()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    state.executor.shutdown(wait=True)
    return {
        "cpu_blocker": cpu_blocker,
        "state": monitor.current_state,
        "process_cpu_per_check": stats_ms(cpu),
        "wall_per_check": stats_ms(wall),
    }


def bench_cost() -> list[dict[str, Any]]:
    # 70 idle children: what psutil walks for 50 kernels and 20 terminal shells.
    children = [subprocess.Popen(["sleep", "600"]) for _ in range(KERNELS + TERMINALS)]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            return [
                asyncio.run(cost_per_check(True, tmp)),
                asyncio.run(cost_per_check(False, tmp)),
            ]
    finally:
        for child in children:
            child.kill()
            child.wait()


# --- 2. timeout -> stop call ------------------------------------------------------------------
def one_stop_delay(sandbox: Any, check_seconds: float) -> tuple[float, float]:
    """(last user input -> stop call, stops_at -> stop call), in seconds."""
    sandbox.reset()
    sandbox.load(SCENARIO)
    sandbox.reset_calls()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        metadata = sandbox.write_metadata(root / "resource-metadata.json")
        config = {
            "CostWidget": {
                "endpoint_url": sandbox.url,
                "region": "us-east-1",
                "metadata_file": str(metadata),
                "state_dir": str(root / "state"),
                "refresh_seconds": 3600,
                "idle_enabled": True,
                "idle_timeout_minutes": 0.1,
                "idle_min_minutes": 0.01,
                "idle_check_seconds": check_seconds,
                "idle_cpu_percent": 0,
            }
        }
        env = os.environ | DUMMY_AWS_ENV | {"AWS_DEFAULT_REGION": "us-east-1"}
        server = JupyterServer(root, config, env)
        try:
            server.wait_until_up("costwidget/api/idle")
            server.post("costwidget/api/idle/activity", {})
            input_at = time.time()
            stops_at = server.get("costwidget/api/idle").get("stops_at")
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and stops_at is None:
                time.sleep(0.1)
                stops_at = server.get("costwidget/api/idle").get("stops_at")
            if stops_at is None:
                raise RuntimeError("the server never reported stops_at")
            due = datetime.fromisoformat(stops_at).timestamp()
            deadline = time.monotonic() + due - time.time() + check_seconds + 30
            while time.monotonic() < deadline:
                if sandbox.calls().get("sagemaker.DeleteApp", 0):
                    now = time.time()
                    return now - input_at, now - due
                time.sleep(0.02)
            raise RuntimeError("no DeleteApp call")
        finally:
            server.stop()


def bench_delay() -> list[dict[str, Any]]:
    sandbox = start_sandbox()
    try:
        out = []
        timeout = 0.1 * 60
        for check_seconds in (1.0, 5.0):
            trials = [one_stop_delay(sandbox, check_seconds) for _ in range(DELAY_TRIALS)]
            from_input = [t[0] for t in trials]
            from_due = [t[1] for t in trials]
            out.append(
                {
                    "check_seconds": check_seconds,
                    "timeout_s": timeout,
                    "last_activity_to_stop_s": [round(d, 3) for d in from_input],
                    "over_timeout_max_s": round(max(from_input) - timeout, 3),
                    "bound_over_timeout_s": check_seconds,
                    "within_bound": timeout <= min(from_input)
                    and max(from_input) <= timeout + check_seconds + 0.5,
                    "stops_at_to_stop_s": [round(d, 3) for d in from_due],
                }
            )
        return out
    finally:
        sandbox.stop()


def main() -> int:
    cost = bench_cost()
    delay = bench_delay()
    result = {
        "benchmark": "idle",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "cost_per_check": {
            "kernels": KERNELS,
            "terminals": TERMINALS,
            "children_sampled_by_psutil": KERNELS + TERMINALS,
            "target_cpu_ms": TARGET_CHECK_CPU_MS,
            "runs": cost,
        },
        "last_activity_to_stop_call": delay,
        "note": "Shared 2-core machine with other work running; kernel/terminal managers "
        "faked in the cost part (child processes real); the delay part is end to end.",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
