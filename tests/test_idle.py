"""Idle auto-stop against a real server: real kernels and terminals, AWS through the sandbox.

The monitor runs on a fake clock (tests/idle_helpers.py): the test moves it and runs the
checks; the server's own loop checks once an hour. Timeout 30 min, warning 5 min before,
checks every 30 fake seconds. Real waits are for real events (a kernel turning busy, a
terminal printing), bounded, never a timeout that the assertion depends on.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from tornado.httpclient import HTTPClientError

from jupyter_costwidget.idle import actions as idle_actions

from .fake_clock import FakeClock
from .idle_helpers import checks_until, drive, monitor_of, wait_for
from .kernel_messages import execute

TIMEOUT_MIN = 30.0
TIMEOUT = TIMEOUT_MIN * 60  # 1800 s
CHECK = 30.0
SAVE_TIMEOUT = 20.0  # idle_save_timeout_seconds

DOMAIN = "d-idle1"
SCENARIO: dict[str, Any] = {
    "region": "us-east-1",
    "domains": [
        {
            "id": DOMAIN,
            "user_profiles": ["alice", "bob"],
            "spaces": [{"name": "alice-space", "owner": "alice"}],
            "apps": [
                {"type": "JupyterLab", "space": "alice-space", "instance": "ml.t3.medium"},
                {"type": "JupyterServer", "user": "alice"},
                {
                    "type": "KernelGateway",
                    "user": "alice",
                    "name": "ds-alice-1",
                    "instance": "ml.m5.large",
                },
                {
                    "type": "KernelGateway",
                    "user": "bob",
                    "name": "ds-bob-1",
                    "instance": "ml.m5.large",
                },
            ],
        }
    ],
    "notebook_instances": [{"name": "legacy-nb", "instance": "ml.t3.medium"}],
}
ME = {
    "studio": {"domain": DOMAIN, "space": "alice-space", "app_type": "JupyterLab"},
    "studio-classic": {"domain": DOMAIN, "user": "alice", "app_type": "JupyterServer"},
    "notebook-instance": {"notebook_instance": "legacy-nb"},
    "local": None,
}


@pytest.fixture
def idle_env() -> str:
    return "local"


@pytest.fixture
def idle_config() -> dict[str, Any]:
    return {}


@pytest.fixture
def jp_server_config(costwidget_server_config, sandbox, tmp_path, idle_env, idle_config):
    scenario = dict(SCENARIO)
    if ME[idle_env]:
        scenario["me"] = ME[idle_env]
    sandbox.load(scenario)
    metadata = str(tmp_path / "resource-metadata.json")
    if ME[idle_env]:
        sandbox.write_metadata(metadata)
    settings = {
        "state_dir": str(tmp_path / "costwidget-state"),
        "idle_enabled": True,
        "idle_timeout_minutes": TIMEOUT_MIN,
        "idle_grace_minutes": 5.0,
        "idle_check_seconds": 3600.0,  # the test runs the checks
        "idle_min_minutes": 1.0,
        "idle_max_minutes": 120.0,
        "idle_cpu_percent": 0.0,  # other processes on a shared test machine must not matter
        "idle_save_timeout_seconds": SAVE_TIMEOUT,
        **idle_config,
    }
    return costwidget_server_config(sandbox, metadata, **settings)


@pytest.fixture
def clock(jp_serverapp) -> FakeClock:
    return drive(monitor_of(jp_serverapp))


async def get_idle(jp_fetch: Any, client: str | None = None) -> dict[str, Any]:
    params = {"client": client} if client else {}
    r = await jp_fetch("costwidget", "api", "idle", params=params)
    return json.loads(r.body)


async def post(jp_fetch: Any, *path: str, body: Any = None, method: str = "POST") -> Any:
    r = await jp_fetch(*path, method=method, body=json.dumps(body if body is not None else {}))
    return json.loads(r.body)


def sagemaker(sandbox: Any) -> Any:
    return boto3.client("sagemaker", region_name=sandbox.region, endpoint_url=sandbox.url)


async def kernel_running_a_long_cell(jp_fetch: Any, jp_ws_fetch: Any, km: Any) -> tuple[str, Any]:
    """A new kernel running a 10-minute cell, seen busy by the server; its id and websocket."""
    r = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": "python3"}))
    kid = json.loads(r.body)["id"]
    ws = await jp_ws_fetch("api", "kernels", kid, "channels")
    await execute(ws, "import time; time.sleep(600)")
    await wait_for(lambda: km.get_kernel(kid).execution_state == "busy", 30, "busy kernel")
    return kid, ws


def assert_in_window(stopped_at: float | None, last_activity: float) -> None:
    """Not before the timeout has passed since the last activity; at most one check later."""
    assert stopped_at is not None, "no stop"
    assert last_activity + TIMEOUT <= stopped_at <= last_activity + TIMEOUT + CHECK, (
        stopped_at - last_activity
    )


# --- blockers --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("idle_config", "held"),
    [
        ({"idle_local_action": "kernels", "idle_kernel_probe_seconds": 2.0}, True),
        # Not asked: what the missed status alone would do.
        ({"idle_local_action": "kernels", "idle_kernel_probe_seconds": 0.0}, False),
    ],
)
async def test_a_kernel_whose_busy_status_the_server_missed_holds_the_stop(
    jp_fetch, jp_ws_fetch, jp_serverapp, sandbox, clock, held
):
    # jupyter_server reads busy states on its own IOPub subscription, which misses what a
    # kernel publishes before it has joined (ZeroMQ's slow joiner): a cell sent just after the
    # kernel started then runs while the server reads "idle". That reading is set here.
    monitor = monitor_of(jp_serverapp)
    km = jp_serverapp.kernel_manager
    kid, ws = await kernel_running_a_long_cell(jp_fetch, jp_ws_fetch, km)
    km.get_kernel(kid).execution_state = "idle"
    start = clock.now
    stopped_at, seen = await checks_until(monitor, clock, start + 2 * TIMEOUT, CHECK)
    if not held:
        assert_in_window(stopped_at, start)
        assert monitor.last_action["kernels"] == [kid]  # the running cell is lost
        ws.close()
        return
    assert stopped_at is None and {state for _, state in seen} <= {"idle", "active"}
    # Each time a warning would begin, the kernel is asked and holds the stop.
    clock.set(monitor.last_active + TIMEOUT - 60)
    assert await monitor.check() == "active"
    assert any(
        b.kind == "kernel" and b.detail.endswith("(does not answer)") for b in monitor.blockers
    ), monitor.blockers
    assert monitor.last_action is None and kid in km.list_kernel_ids()
    # "Stop when done" waits for it too.
    path = ("costwidget", "api", "idle", "stop-when-done")
    armed = await post(jp_fetch, *path, body={"armed": True})
    assert armed["stop_when_done"]["state"] == "waiting", armed["stop_when_done"]
    await post(jp_fetch, *path, body={"armed": False})
    # The cell ends: the kernel answers, and the stop comes one timeout after the last check
    # that found it running.
    last_busy = clock.now
    await jp_fetch("api", "kernels", kid, "interrupt", method="POST", body="")
    await wait_for(lambda: km.get_kernel(kid).execution_state == "idle", 30, "idle kernel")
    stopped_at, _ = await checks_until(monitor, clock, last_busy + TIMEOUT + 3 * CHECK, CHECK)
    assert_in_window(stopped_at, last_busy)
    assert monitor.last_action["ok"] is True and monitor.last_action["kernels"] == [kid]
    ws.close()


async def test_checks_at_once_ask_a_kernel_one_at_a_time(
    jp_fetch, jp_ws_fetch, jp_serverapp, clock
):
    # The monitor's own check and one a settings change runs may overlap.
    monitor = monitor_of(jp_serverapp)
    km = jp_serverapp.kernel_manager
    r = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": "python3"}))
    kid = json.loads(r.body)["id"]
    ws = await jp_ws_fetch("api", "kernels", kid, "channels")  # the server's nudge makes it idle
    await wait_for(lambda: km.get_kernel(kid).execution_state == "idle", 30, "idle kernel")
    answers = await asyncio.gather(
        *(monitor.work.unanswering_kernels(clock.now) for _ in range(3)), return_exceptions=True
    )
    assert answers == [[], [], []]
    ws.close()


@pytest.mark.parametrize("idle_config", [{"idle_local_action": "kernels"}])
async def test_busy_kernel_blocks_then_idle_kernels_are_shut_down(
    jp_fetch, jp_ws_fetch, jp_serverapp, sandbox, clock
):
    monitor = monitor_of(jp_serverapp)
    km = jp_serverapp.kernel_manager
    kid, ws = await kernel_running_a_long_cell(jp_fetch, jp_ws_fetch, km)
    # Busy for three timeouts: a blocker at every check, nothing stops.
    start = clock.now
    stopped_at, seen = await checks_until(monitor, clock, start + 3 * TIMEOUT, CHECK)
    assert stopped_at is None and {state for _, state in seen} == {"active"}
    assert any(b.kind == "kernel" and b.detail.startswith("busy") for b in monitor.blockers)
    assert monitor.last_action is None and kid in km.list_kernel_ids()
    # The cell is interrupted: from the last busy check, one timeout to the stop.
    last_busy = clock.now
    await jp_fetch("api", "kernels", kid, "interrupt", method="POST", body="")
    await wait_for(lambda: km.get_kernel(kid).execution_state == "idle", 30, "idle kernel")
    stopped_at, _ = await checks_until(monitor, clock, last_busy + TIMEOUT + 3 * CHECK, CHECK)
    assert_in_window(stopped_at, last_busy)
    action = monitor.last_action
    assert action["ok"] is True and action["local_action"] == "kernels"
    assert action["kernels"] == [kid] and kid not in km.list_kernel_ids()
    assert sandbox.calls().get("sagemaker.DeleteApp", 0) == 0
    ws.close()


async def test_terminal_output_blocks(jp_fetch, jp_ws_fetch, jp_serverapp, clock):
    monitor = monitor_of(jp_serverapp)
    r = await jp_fetch("api", "terminals", method="POST", body="{}")
    name = json.loads(r.body)["name"]
    terminal = jp_serverapp.web_app.settings["terminal_manager"].terminals[name]
    ws = await jp_ws_fetch("terminals", "websocket", name)
    ws.write_message(json.dumps(["stdin", "while true; do echo tick; sleep 0.2; done\r"]))
    ws.close()  # nobody watches: the program's output alone must keep the server alive
    # The server has been idle for two timeouts but for this terminal, which keeps printing.
    monitor.last_active = time.time() - 2 * TIMEOUT
    for _ in range(3):
        before = terminal.last_activity
        await wait_for(lambda b=before: terminal.last_activity != b, 10, "terminal output")
        clock.set(time.time())
        assert await monitor.check() == "active"
        assert [b.kind for b in monitor.blockers] == ["terminal"]
        assert monitor.last_action is None
    await jp_fetch("api", "terminals", name, method="DELETE")


@pytest.mark.parametrize("idle_config", [{"idle_ignore_terminals": True, "idle_cpu_percent": 30.0}])
async def test_cpu_of_user_processes_blocks(jp_fetch, jp_ws_fetch, jp_serverapp, clock):
    # A silent CPU-bound program in a terminal that the admin told us to ignore: only CPU blocks.
    monitor = monitor_of(jp_serverapp)
    r = await jp_fetch("api", "terminals", method="POST", body="{}")
    name = json.loads(r.body)["name"]
    ws = await jp_ws_fetch("terminals", "websocket", name)
    ws.write_message(json.dumps(["stdin", "clear; while :; do :; done\r"]))

    async def cpu_blocks() -> bool:
        clock.advance(CHECK)
        await monitor.check()  # psutil measures the CPU used since the previous check
        return any(b.kind == "cpu" for b in monitor.blockers)

    await wait_for(cpu_blocks, 20, "CPU blocker")
    assert not any(b.kind == "terminal" for b in monitor.blockers)
    assert monitor.current_state == "active" and monitor.last_action is None
    ws.close()
    await jp_fetch("api", "terminals", name, method="DELETE")


async def test_user_activity_and_keepalive_block(jp_fetch, jp_serverapp, clock):
    monitor = monitor_of(jp_serverapp)
    res = await post(jp_fetch, "costwidget", "api", "idle", "activity")
    assert res["accepted"] is True
    # A second report within the throttle interval is not counted again.
    assert (await post(jp_fetch, "costwidget", "api", "idle", "activity"))["accepted"] is False
    await monitor.check()
    assert [b.kind for b in monitor.blockers] == ["user"]
    data = await post(jp_fetch, "costwidget", "api", "idle", "keepalive", body={"minutes": 10000})
    # Capped by idle_max_minutes: 120 min from now.
    until = datetime.fromisoformat(data["keepalive_until"]).timestamp()
    assert until == pytest.approx(clock.now + 120 * 60, abs=0.001)
    await monitor.check()
    assert "keepalive" in [b.kind for b in monitor.blockers]


@pytest.mark.parametrize("idle_env", ["studio"])
async def test_stop_when_done_over_http_stops_the_studio_app(
    jp_fetch, jp_serverapp, sandbox, idle_env, clock
):
    monitor = monitor_of(jp_serverapp)
    data = await post(jp_fetch, "costwidget", "api", "idle", "stop-when-done", body={"armed": True})
    # Nothing runs: the grace (stop_when_done_grace_minutes, 2 by default) starts at once.
    assert data["stop_when_done"]["armed"] is True
    assert data["stop_when_done"]["state"] == "warning"
    assert data["seconds_left"] == 120.0
    clock.set(clock.now + 119)
    assert await monitor.check() == "warning"
    assert sandbox.calls().get("sagemaker.DeleteApp", 0) == 0
    clock.set(clock.now + 1)
    assert await monitor.check() == "stopping"
    await monitor.stop_task
    assert monitor.last_action["reason"] == "when-done", monitor.last_action
    assert monitor.last_action["ok"] is True, monitor.last_action
    assert sandbox.calls().get("sagemaker.DeleteApp") == 1
    assert (await get_idle(jp_fetch))["stop_when_done"]["armed"] is False
    for body in ({"armed": "yes"}, {"armed": True, "when": "now"}, {}):
        with pytest.raises(HTTPClientError) as err:
            await post(jp_fetch, "costwidget", "api", "idle", "stop-when-done", body=body)
        assert err.value.code == 400, body


# --- stopping per environment ---------------------------------------------------------------
def _app_status(sandbox: Any, **params: str) -> str:
    return sagemaker(sandbox).describe_app(**params)["Status"]


@pytest.mark.parametrize(
    ("idle_env", "operation"),
    [
        ("studio", "sagemaker.DeleteApp"),
        ("studio-classic", "sagemaker.DeleteApp"),
        ("notebook-instance", "sagemaker.StopNotebookInstance"),
    ],
)
async def test_idle_server_stops_its_app(jp_serverapp, sandbox, idle_env, operation, clock):
    monitor = monitor_of(jp_serverapp)
    last = monitor.last_active
    stopped_at, _ = await checks_until(monitor, clock, last + TIMEOUT + 3 * CHECK, CHECK)
    assert_in_window(stopped_at, last)
    assert monitor.last_action["ok"] is True, monitor.last_action
    assert sandbox.calls().get(operation) == 1
    # Nothing happens afterwards: no second stop call after two more timeouts.
    again, seen = await checks_until(monitor, clock, clock.now + 2 * TIMEOUT, CHECK)
    assert again is None and {state for _, state in seen} == {"stopped"}
    assert sandbox.calls().get(operation) == 1
    if idle_env == "studio":
        status = _app_status(
            sandbox,
            DomainId=DOMAIN,
            SpaceName="alice-space",
            AppType="JupyterLab",
            AppName="default",
        )
        assert status in ("Deleting", "Deleted")
    elif idle_env == "studio-classic":
        mine = _app_status(
            sandbox,
            DomainId=DOMAIN,
            UserProfileName="alice",
            AppType="KernelGateway",
            AppName="ds-alice-1",
        )
        bobs = _app_status(
            sandbox,
            DomainId=DOMAIN,
            UserProfileName="bob",
            AppType="KernelGateway",
            AppName="ds-bob-1",
        )
        server = _app_status(
            sandbox,
            DomainId=DOMAIN,
            UserProfileName="alice",
            AppType="JupyterServer",
            AppName="default",
        )
        assert mine in ("Deleting", "Deleted")
        assert bobs == "InService" and server == "InService"  # only alice's billable kernels
    else:
        nb = sagemaker(sandbox).describe_notebook_instance(NotebookInstanceName="legacy-nb")
        assert nb["NotebookInstanceStatus"] in ("Stopping", "Stopped")


@pytest.mark.parametrize("idle_env", ["studio"])
@pytest.mark.parametrize("idle_config", [{"idle_dry_run": True}])
async def test_dry_run_records_no_call(jp_fetch, jp_serverapp, sandbox, clock):
    monitor = monitor_of(jp_serverapp)
    stopped_at, _ = await checks_until(monitor, clock, clock.now + TIMEOUT + CHECK, CHECK)
    assert stopped_at is not None
    action = (await get_idle(jp_fetch))["last_action"]
    assert action["dry_run"] is True and action["ok"] is True
    assert action["calls"] == [
        {
            "action": "sagemaker.DeleteApp",
            "params": {
                "DomainId": DOMAIN,
                "SpaceName": "alice-space",
                "AppType": "JupyterLab",
                "AppName": "default",
            },
        }
    ]
    assert action["summary"] == "dry run, would have deleted app alice-space/JupyterLab/default"
    assert sandbox.calls().get("sagemaker.DeleteApp", 0) == 0


@pytest.mark.parametrize("idle_env", ["studio"])
async def test_stop_failure_is_retried_and_reported(
    jp_fetch, jp_serverapp, sandbox, monkeypatch, clock
):
    monkeypatch.setattr(idle_actions, "BACKOFF_SECONDS", 0.0)
    sandbox.fault({"deny": ["sagemaker.DeleteApp"]})
    monitor = monitor_of(jp_serverapp)
    stopped_at, _ = await checks_until(monitor, clock, clock.now + TIMEOUT + CHECK, CHECK)
    assert stopped_at is not None
    data = await get_idle(jp_fetch)
    action = data["last_action"]
    assert action["ok"] is False and action["attempts"] == 3  # STOP_ATTEMPTS
    assert sandbox.calls().get("sagemaker.DeleteApp", 0) == 3
    assert "AccessDenied" in action["error"]["code"]
    assert "sagemaker:DeleteApp" in action["error"]["hint"]
    assert data["state"] == "failed"


# --- settings --------------------------------------------------------------------------------
async def _put_status(jp_fetch: Any, body: Any) -> tuple[int, dict[str, Any]]:
    try:
        r = await jp_fetch("costwidget", "api", "idle", method="PUT", body=json.dumps(body))
        return r.code, json.loads(r.body)
    except HTTPClientError as err:
        return err.code, json.loads(err.response.body)


@pytest.mark.parametrize("idle_config", [{"idle_min_minutes": 5.0, "idle_max_minutes": 120.0}])
async def test_bounds_and_types_are_enforced(jp_fetch, jp_serverapp):
    for body in (
        {"timeout_minutes": 4.9},
        {"timeout_minutes": 121},
        {"timeout_minutes": "30"},
        {"timeout_minutes": True},
        {"enabled": "yes"},
        {"colour": "red"},
        {},
    ):
        code, data = await _put_status(jp_fetch, body)
        assert code == 400, (body, data)
        assert data["message"]
    code, data = await _put_status(jp_fetch, {"timeout_minutes": 5, "enabled": False})
    assert code == 200 and data["timeout_minutes"] == 5 and data["enabled"] is False
    assert data["state"] in ("disabled", "active", "idle", "warning")
    for body in ({"minutes": -1}, {"minutes": "1"}, {"hours": 1}):
        with pytest.raises(HTTPClientError) as err:
            await post(jp_fetch, "costwidget", "api", "idle", "keepalive", body=body)
        assert err.value.code == 400
    with pytest.raises(HTTPClientError) as err:
        await post(jp_fetch, "costwidget", "api", "idle", "saved", body={"id": "x", "ok": "yes"})
    assert err.value.code == 400


@pytest.mark.parametrize("idle_config", [{"idle_enforced": True, "idle_enabled": False}])
async def test_enforced_cannot_be_disabled(jp_fetch, jp_serverapp):
    data = await get_idle(jp_fetch)
    assert data["enforced"] is True and data["enabled"] is True
    code, body = await _put_status(jp_fetch, {"enabled": False})
    assert code == 400 and "idle_enforced" in body["message"]
    code, _ = await _put_status(jp_fetch, {"timeout_minutes": 1.0})
    assert code == 200


@pytest.mark.parametrize("idle_config", [{"idle_min_minutes": 1.0}])
async def test_choice_persists_across_restart(
    jp_fetch, jp_serverapp, jp_configurable_serverapp, jp_server_config, tmp_path
):
    from jupyter_server.serverapp import ServerApp

    code, _ = await _put_status(jp_fetch, {"enabled": False, "timeout_minutes": 42.5})
    assert code == 200
    saved = json.loads((tmp_path / "costwidget-state" / "idle.json").read_text())
    assert saved == {"enabled": False, "timeout_minutes": 42.5}
    await jp_serverapp._cleanup()
    ServerApp.clear_instance()
    second = jp_configurable_serverapp(config=jp_server_config)
    assert second is not jp_serverapp
    monitor = monitor_of(second)
    assert monitor.enabled is False and monitor.timeout_minutes == 42.5
    await wait_for(lambda: monitor.checks > 0, 10, "a check of the second monitor")
    assert monitor.snapshot()["state"] == "disabled"


# --- save handshake --------------------------------------------------------------------------
async def _stop_asks_to_save(monitor: Any, clock: FakeClock, jp_fetch: Any, client: str) -> Any:
    """Past the timeout with `client` connected: the stop starts and asks it to save."""
    clock.advance(TIMEOUT + CHECK)
    await get_idle(jp_fetch, client=client)  # the tab polls: connected
    assert await monitor.check() == "stopping"
    await wait_for(lambda: monitor.save_request is not None, 5, "save request")
    req = (await get_idle(jp_fetch, client=client))["save_request"]
    assert req["reason"] == "idle"
    return req


@pytest.mark.parametrize("idle_env", ["studio"])
async def test_failed_save_cancels_the_stop(jp_fetch, jp_serverapp, sandbox, clock):
    monitor = monitor_of(jp_serverapp)
    req = await _stop_asks_to_save(monitor, clock, jp_fetch, "tab-1")
    body = {"id": req["id"], "client": "tab-1", "ok": False, "error": "Untitled.ipynb: disk full"}
    await post(jp_fetch, "costwidget", "api", "idle", "saved", body=body)
    await monitor.stop_task
    action = (await get_idle(jp_fetch, client="tab-1"))["last_action"]
    assert action["ok"] is False and action["cancelled"] is True
    assert action["message"] == "Stop cancelled: Untitled.ipynb: disk full"
    assert sandbox.calls().get("sagemaker.DeleteApp", 0) == 0


@pytest.mark.parametrize("idle_env", ["studio"])
async def test_unacknowledged_save_cancels_after_the_save_timeout(
    jp_fetch, jp_serverapp, sandbox, clock
):
    monitor = monitor_of(jp_serverapp)
    await _stop_asks_to_save(monitor, clock, jp_fetch, "silent-tab")
    clock.advance(SAVE_TIMEOUT - 1)
    await wait_for(lambda: True, 1, "a turn of the loop")
    assert not monitor.stop_task.done()  # 19 s: still waiting for the tab
    clock.advance(1)
    await monitor.stop_task
    action = monitor.last_action
    assert action["cancelled"] is True
    assert action["message"] == (
        "Stop cancelled: 1 open JupyterLab tab(s) did not confirm saving within 20 s "
        "(c.CostWidget.idle_save_timeout_seconds)."
    )
    assert sandbox.calls().get("sagemaker.DeleteApp", 0) == 0


@pytest.mark.parametrize("idle_env", ["studio"])
async def test_acknowledged_save_then_stop(jp_fetch, jp_serverapp, sandbox, clock):
    monitor = monitor_of(jp_serverapp)
    req = await _stop_asks_to_save(monitor, clock, jp_fetch, "tab-ok")
    assert sandbox.calls().get("sagemaker.DeleteApp", 0) == 0  # nothing before the ack
    body = {"id": req["id"], "client": "tab-ok", "ok": True}
    await post(jp_fetch, "costwidget", "api", "idle", "saved", body=body)
    await monitor.stop_task
    assert sandbox.calls().get("sagemaker.DeleteApp", 0) == 1
    assert monitor.last_action["ok"] is True


# --- scheduled stop ----------------------------------------------------------------------------
SCHEDULE = {"idle_enabled": False, "stop_schedule": "daily 03:00", "stop_schedule_timezone": "UTC"}


def _at_two_am(monitor: Any, clock: FakeClock) -> float:
    """Set the clock to 02:00 UTC; returns 03:00, the next scheduled stop."""
    clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=timezone.utc).timestamp())
    monitor.schedule_next = monitor.schedule.next_after(
        datetime.fromtimestamp(clock.now, timezone.utc)
    )
    return clock.now + 3600


@pytest.mark.parametrize("idle_env", ["studio"])
@pytest.mark.parametrize("idle_config", [SCHEDULE])
async def test_scheduled_stop_fires_even_when_auto_stop_is_off(
    jp_fetch, jp_serverapp, sandbox, clock
):
    monitor = monitor_of(jp_serverapp)
    due = _at_two_am(monitor, clock)
    stopped_at, _ = await checks_until(monitor, clock, due + 3 * CHECK, CHECK)
    assert stopped_at == due  # 03:00 is a check time of this walk
    assert sandbox.calls().get("sagemaker.DeleteApp", 0) == 1
    assert monitor.last_action["reason"] == "schedule" and monitor.last_action["ok"] is True
    data = await get_idle(jp_fetch)
    assert data["enabled"] is False
    assert data["schedule"]["next"] == "2026-12-03T03:00:00Z"


@pytest.mark.parametrize("idle_env", ["studio"])
@pytest.mark.parametrize("idle_config", [SCHEDULE])
async def test_keep_running_skips_a_scheduled_stop(jp_fetch, jp_serverapp, sandbox, clock):
    monitor = monitor_of(jp_serverapp)
    due = _at_two_am(monitor, clock)
    clock.set(due - 60)
    assert await monitor.check() == "warning"
    data = await post(jp_fetch, "costwidget", "api", "idle", "keepalive", body={})
    assert data["schedule"]["next"] == "2026-12-03T03:00:00Z"  # skipped to the next
    stopped_at, _ = await checks_until(monitor, clock, due + 3 * CHECK, CHECK)
    assert stopped_at is None and sandbox.calls().get("sagemaker.DeleteApp", 0) == 0


@pytest.mark.parametrize(
    "idle_config", [{"idle_max_busy_hours": 1.0, "idle_local_action": "kernels"}]
)
async def test_busy_kernel_ceiling(jp_fetch, jp_ws_fetch, jp_serverapp, clock):
    # The admin lets a busy kernel hold the server for an hour at most; then it is stopped busy.
    monitor = monitor_of(jp_serverapp)
    km = jp_serverapp.kernel_manager
    kid, ws = await kernel_running_a_long_cell(jp_fetch, jp_ws_fetch, km)
    clock.set(time.time())
    busy_from = clock.now
    stopped_at, _ = await checks_until(monitor, clock, busy_from + 3600 + TIMEOUT + CHECK, CHECK)
    # Held for the hour (give or take the kernel's own start), then one timeout.
    assert stopped_at is not None
    assert busy_from + 3600 - CHECK + TIMEOUT <= stopped_at <= busy_from + 3600 + TIMEOUT + CHECK
    assert monitor.last_action["kernels"] == [kid]
    assert kid not in km.list_kernel_ids()
    ws.close()


@pytest.fixture
def fake_nvidia_smi(tmp_path, monkeypatch):
    """An `nvidia-smi` on PATH that reports 87 % utilisation (this machine has no GPU)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "nvidia-smi"
    tool.write_text("#!/bin/sh\necho 87\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")


async def test_gpu_in_use_blocks(fake_nvidia_smi, jp_serverapp, clock):
    monitor = monitor_of(jp_serverapp)
    stopped_at, seen = await checks_until(monitor, clock, clock.now + 2 * TIMEOUT, 10 * CHECK)
    assert stopped_at is None and {state for _, state in seen} == {"active"}
    gpu = [b for b in monitor.blockers if b.kind == "gpu"]
    assert [(b.name, b.detail) for b in gpu] == [("GPU", "utilization 87%")]


async def test_idle_api_requests_are_not_server_activity(jp_fetch, jp_serverapp):
    settings = jp_serverapp.web_app.settings
    before = settings.get("api_last_activity")
    await get_idle(jp_fetch, client="tab-x")
    await post(jp_fetch, "costwidget", "api", "idle", "activity", body={"client": "tab-x"})
    await post(jp_fetch, "costwidget", "api", "idle", "keepalive", body={"minutes": 1})
    assert settings.get("api_last_activity") == before
    # A tracked API request does move it (the check above can fail).
    await jp_fetch("api", "contents")
    assert settings.get("api_last_activity") != before
