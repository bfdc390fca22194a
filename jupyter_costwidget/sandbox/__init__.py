"""The AWS sandbox: moto's server extended with what moto lacks, a scenario loader and a
control API (`/_sandbox/*`). Used by `make demo`, the tests and the benchmarks."""

from __future__ import annotations

from pathlib import Path

from .client import SandboxClient, SandboxControlError
from .scenario import ScenarioError, parse_scenario
from .server import SandboxServer, start_sandbox

SCENARIOS_DIR = Path(__file__).resolve().parent / "scenarios"
DEMO_SCENARIO = SCENARIOS_DIR / "demo.json"
# The demo plus an MLflow tracking server, a HyperPod cluster, a partner app and another region.
ACCOUNT_SCENARIO = SCENARIOS_DIR / "account.json"

__all__ = [
    "ACCOUNT_SCENARIO",
    "DEMO_SCENARIO",
    "SCENARIOS_DIR",
    "SandboxClient",
    "SandboxControlError",
    "SandboxServer",
    "ScenarioError",
    "parse_scenario",
    "start_sandbox",
]
