"""When auto-stop stops: timed from the last activity, on an injected clock.

A real server (real kernels and terminals) with the app's stop going to the sandbox. The
monitor's wall clock is a `FakeClock` that the test moves; the test runs the checks itself
every `CHECK` fake seconds (the background loop's interval is an hour, so it stays out of the
way). No test waits for a timeout in real time.

Every timing test asserts both bounds: no stop before last activity + timeout, and a stop no
later than last activity + timeout + one check interval.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timezone
from typing import Any

import pytest

from .fake_clock import FakeClock
from .idle_helpers import checks_until as run_checks
from .idle_helpers import drive, monitor_of
from .kernel_messages import execute_request

TIMEOUT_MIN = 30.0
TIMEOUT = TIMEOUT_MIN * 60  # 1800 s
GRACE_MIN = 5.0
CHECK = 30.0  # the check interval these tests drive, in fake seconds
DOMAIN = "d-timing1"
SCENARIO: dict[str, Any] = {
    "region": "us-east-1",
    "domains": [
        {
            "id": DOMAIN,
            "user_profiles": ["alice"],
            "spaces": [{"name": "alice-space", "owner": "alice"}],
            "apps": [{"type": "JupyterLab", "space": "alice-space", "instance": "ml.g5.xlarge"}],
        }
    ],
    "me": {"domain": DOMAIN, "space": "alice-space", "app_type": "JupyterLab"},
}


@pytest.fixture
def idle_config() -> dict[str, Any]:
    return {}


@pytest.fixture
def jp_server_config(costwidget_server_config, sandbox, tmp_path, idle_config):
    sandbox.load(SCENARIO)
    metadata = sandbox.write_metadata(tmp_path / "resource-metadata.json")
    settings = {
        "state_dir": str(tmp_path / "state"),
        "idle_enabled": True,
        "idle_timeout_minutes": TIMEOUT_MIN,
        "idle_grace_minutes": GRACE_MIN,
        "idle_check_seconds": 3600.0,  # the test runs the checks
        "idle_min_minutes": 1.0,
        "idle_cpu_percent": 0.0,  # this machine's other processes must not count
        "idle_save_timeout_seconds": 5.0,
        **idle_config,
    }
    return costwidget_server_config(sandbox, metadata, **settings)


@pytest.fixture
def clock(jp_serverapp) -> FakeClock:
    return drive(monitor_of(jp_serverapp))


async def checks_until(monitor: Any, clock: FakeClock, until: float) -> tuple[float | None, list]:
    return await run_checks(monitor, clock, until, CHECK)


def assert_stop_in_window(
    stopped_at: float | None, last_activity: float, seen: list, sandbox: Any
) -> None:
    assert stopped_at is not None, "no stop"
    # Not before the timeout has passed since the last activity; at most one check later.
    assert last_activity + TIMEOUT <= stopped_at <= last_activity + TIMEOUT + CHECK, (
        stopped_at - last_activity
    )
    # The warning came idle_grace_minutes before (within one check).
    warned = [t for t, state in seen if state == "warning"]
    assert warned, seen
    due = last_activity + TIMEOUT - GRACE_MIN * 60
    assert due <= warned[0] <= due + CHECK
    assert sandbox.calls().get("sagemaker.DeleteApp") == 1


async def test_user_input(jp_fetch, jp_serverapp, sandbox, clock):
    monitor = monitor_of(jp_serverapp)
    response = await jp_fetch(
        "costwidget", "api", "idle", "activity", method="POST", body=json.dumps({})
    )
    assert json.loads(response.body)["accepted"] is True
    last = clock.now
    stopped_at, seen = await checks_until(monitor, clock, last + TIMEOUT + 3 * CHECK)
    assert_stop_in_window(stopped_at, last, seen, sandbox)


async def test_kernel_message(jp_fetch, jp_ws_fetch, jp_serverapp, sandbox, clock):
    monitor = monitor_of(jp_serverapp)
    km = jp_serverapp.kernel_manager
    response = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": "python3"}))
    kid = json.loads(response.body)["id"]
    ws = await jp_ws_fetch("api", "kernels", kid, "channels")
    request = execute_request("1 + 1")
    ws.write_message(json.dumps(request))
    await _reply_to(ws, request["header"]["msg_id"])  # the cell ran
    kernel = km.get_kernel(kid)
    await _settled(lambda: (kernel.execution_state, kernel.last_activity))  # and it is quiet
    assert kernel.execution_state == "idle"
    ws.close()
    last = kernel.last_activity.replace(tzinfo=timezone.utc).timestamp()
    clock.now = time.time()
    stopped_at, seen = await checks_until(monitor, clock, last + TIMEOUT + 3 * CHECK)
    assert_stop_in_window(stopped_at, last, seen, sandbox)


async def test_terminal_output(jp_fetch, jp_ws_fetch, jp_serverapp, sandbox, clock):
    monitor = monitor_of(jp_serverapp)
    response = await jp_fetch("api", "terminals", method="POST", body="{}")
    name = json.loads(response.body)["name"]
    ws = await jp_ws_fetch("terminals", "websocket", name)
    ws.write_message(json.dumps(["stdin", "echo done\r"]))
    terminal = jp_serverapp.web_app.settings["terminal_manager"].terminals[name]
    await _settled(lambda: (terminal.last_activity,))
    ws.close()
    last = terminal.last_activity.replace(tzinfo=timezone.utc).timestamp()
    clock.now = time.time()
    stopped_at, seen = await checks_until(monitor, clock, last + TIMEOUT + 3 * CHECK)
    assert_stop_in_window(stopped_at, last, seen, sandbox)


@pytest.mark.parametrize("idle_config", [{"idle_cpu_percent": 20.0}])
async def test_cpu(jp_serverapp, sandbox, clock):
    monitor = monitor_of(jp_serverapp)
    cpu = {"percent": 95.0}
    monitor.probes.cpu_percent = lambda: cpu["percent"]  # this machine's real CPU is not the test's
    start = clock.now
    stopped_at, _ = await checks_until(monitor, clock, start + 2 * TIMEOUT)
    assert stopped_at is None  # busy for two timeouts: never stopped
    last = clock.now  # the last check that saw the CPU busy
    cpu["percent"] = 1.0
    stopped_at, seen = await checks_until(monitor, clock, last + TIMEOUT + 3 * CHECK)
    assert_stop_in_window(stopped_at, last, seen, sandbox)


async def test_keepalive_that_ends(jp_fetch, jp_serverapp, sandbox, clock):
    monitor = monitor_of(jp_serverapp)
    await jp_fetch(
        "costwidget", "api", "idle", "keepalive", method="POST", body=json.dumps({"minutes": 90})
    )
    ends = clock.now + 90 * 60
    assert monitor.keepalive_until == pytest.approx(ends)
    stopped_at, seen = await checks_until(monitor, clock, ends + TIMEOUT + 3 * CHECK)
    assert_stop_in_window(stopped_at, ends, seen, sandbox)


@pytest.mark.parametrize(
    "idle_config",
    [{"idle_enabled": False, "stop_schedule": "daily 03:00", "stop_schedule_timezone": "UTC"}],
)
async def test_schedule(jp_serverapp, sandbox, clock):
    monitor = monitor_of(jp_serverapp)
    clock.now = datetime(2026, 12, 2, 2, 0, tzinfo=timezone.utc).timestamp()
    monitor.schedule_next = monitor.schedule.next_after(
        datetime.fromtimestamp(clock.now, timezone.utc)
    )
    due = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc).timestamp()
    assert monitor.schedule_next.timestamp() == due
    stopped_at, seen = await checks_until(monitor, clock, due + 3 * CHECK)
    assert stopped_at is not None and due <= stopped_at <= due + CHECK
    warned = [t for t, state in seen if state == "warning"]
    assert due - GRACE_MIN * 60 <= warned[0] <= due - GRACE_MIN * 60 + CHECK
    assert sandbox.calls().get("sagemaker.DeleteApp") == 1
    assert monitor.last_action["reason"] == "schedule"
    assert monitor.schedule_next.timestamp() == due + 86400  # tomorrow's


# --- a silent tab with unsaved work holds the stop -----------------------------------------
async def poll(jp_fetch: Any, client: str, unsaved: list[str] | None) -> dict[str, Any]:
    params: list[tuple[str, str]] = [("client", client)]
    params += [("unsaved", path) for path in (unsaved or [""])] if unsaved is not None else []
    response = await jp_fetch("costwidget", "api", "idle", params=params)
    return json.loads(response.body)


async def test_silent_tab_with_unsaved_work_holds_the_stop_until_the_maximum(
    jp_fetch, jp_serverapp, sandbox, clock, caplog
):
    monitor = monitor_of(jp_serverapp)
    await poll(jp_fetch, "tab-1", ["Untitled.ipynb", "notes.md"])
    silent_from = clock.now  # the laptop closes: the tab never polls again
    # The idle timeout passes and much more: 12 h (idle_unsaved_max_hours) less a check.
    limit = 12 * 3600
    stopped_at, _ = await checks_until(monitor, clock, silent_from + limit - CHECK)
    assert stopped_at is None
    assert sandbox.calls().get("sagemaker.DeleteApp", 0) == 0
    status = (await jp_fetch("costwidget", "api", "idle")).body
    data = json.loads(status)
    assert data["unsaved"] == [
        {
            "client": "tab-1",
            "documents": ["Untitled.ipynb", "notes.md"],
            "last_seen": data["unsaved"][0]["last_seen"],
        }
    ]
    unsaved = [b for b in data["blockers"] if b["kind"] == "unsaved"]
    assert unsaved and "Untitled.ipynb, notes.md" in unsaved[0]["detail"]
    assert "stop held" in caplog.text and "Untitled.ipynb" in caplog.text
    # After the maximum, the stop goes ahead (within one check).
    stopped_at, _ = await checks_until(monitor, clock, silent_from + limit + 3 * CHECK)
    assert (
        stopped_at is not None and silent_from + limit < stopped_at <= silent_from + limit + CHECK
    )
    assert sandbox.calls().get("sagemaker.DeleteApp") == 1


@pytest.mark.parametrize("idle_config", [{"idle_unsaved_max_hours": 0.0}])
async def test_zero_means_never_stop_with_unsaved_work(jp_fetch, jp_serverapp, sandbox, clock):
    monitor = monitor_of(jp_serverapp)
    await poll(jp_fetch, "tab-1", ["draft.ipynb"])
    stopped_at, _ = await checks_until(monitor, clock, clock.now + 48 * 3600)
    assert stopped_at is None and sandbox.calls().get("sagemaker.DeleteApp", 0) == 0


async def test_a_tab_that_saved_does_not_hold(jp_fetch, jp_serverapp, sandbox, clock):
    monitor = monitor_of(jp_serverapp)
    await poll(jp_fetch, "tab-1", ["draft.ipynb"])
    await poll(jp_fetch, "tab-1", [])  # saved: its next poll says so, then it goes silent
    last = clock.now
    stopped_at, _ = await checks_until(monitor, clock, last + TIMEOUT + 3 * CHECK)
    assert stopped_at is not None
    assert last + TIMEOUT <= stopped_at <= last + TIMEOUT + CHECK
    assert sandbox.calls().get("sagemaker.DeleteApp") == 1


# --- helpers ----------------------------------------------------------------------------------
async def _settled(read: Any, quiet: float = 0.5, limit: float = 30.0) -> None:
    """Until `read()` is set and has not changed for `quiet` real seconds (bounded)."""
    deadline = time.monotonic() + limit
    value, since = read(), time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        now_value = read()
        if now_value != value:
            value, since = now_value, time.monotonic()
        elif value is not None and None not in value and time.monotonic() - since >= quiet:
            return
    raise AssertionError("never settled")


async def _reply_to(ws: Any, msg_id: str, limit: float = 60.0) -> None:
    """Read the kernel's messages until the execute_reply to `msg_id` (bounded)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        text = await asyncio.wait_for(ws.read_message(), deadline - time.monotonic())
        msg = json.loads(text) if isinstance(text, str) else {}
        if (
            msg.get("msg_type") == "execute_reply"
            and msg.get("parent_header", {}).get("msg_id") == msg_id
        ):
            return
    raise AssertionError("no execute_reply")
