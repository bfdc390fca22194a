"""Idle auto-stop against a real server: real kernels and terminals, AWS through the sandbox.

Timeouts are a few seconds (`idle_timeout_minutes` is a float) and the monitor checks every
0.5 s. Tests wait for events with bounded polling loops, never with a sleep as the assertion.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any

import boto3
import pytest
from tornado.httpclient import HTTPClientError

from jupyter_costwidget import idle_actions

from .kernel_messages import execute

CHECK = 0.5
TIMEOUT_MIN = 0.05  # 3 s

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
        "idle_grace_minutes": 0.02,
        "idle_check_seconds": CHECK,
        "idle_min_minutes": 0.01,
        "idle_max_minutes": 120.0,
        "idle_cpu_percent": 0.0,  # other processes on a shared test machine must not matter
        "idle_save_timeout_seconds": 2.0,
        **idle_config,
    }
    return costwidget_server_config(sandbox, metadata, **settings)


def monitor_of(serverapp: Any) -> Any:
    return serverapp.web_app.settings["costwidget"].idle


async def wait_for(predicate: Any, timeout: float, what: str) -> float:
    """Poll `predicate` until true; return the time it became true. Fails after `timeout`."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return time.time()
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


async def get_idle(jp_fetch: Any, client: str | None = None) -> dict[str, Any]:
    params = {"client": client} if client else {}
    r = await jp_fetch("costwidget", "api", "idle", params=params)
    return json.loads(r.body)


async def post(jp_fetch: Any, *path: str, body: Any = None, method: str = "POST") -> Any:
    r = await jp_fetch(*path, method=method, body=json.dumps(body if body is not None else {}))
    return json.loads(r.body)


def sagemaker(sandbox: Any) -> Any:
    return boto3.client("sagemaker", region_name=sandbox.region, endpoint_url=sandbox.url)


# --- blockers --------------------------------------------------------------------------------
@pytest.mark.parametrize("idle_config", [{"idle_local_action": "kernels"}])
async def test_busy_kernel_blocks_then_idle_kernels_are_shut_down(
    jp_fetch, jp_ws_fetch, jp_serverapp, sandbox
):
    monitor = monitor_of(jp_serverapp)
    km = jp_serverapp.kernel_manager
    r = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": "python3"}))
    kid = json.loads(r.body)["id"]
    ws = await jp_ws_fetch("api", "kernels", kid, "channels")
    sleep_s = TIMEOUT_MIN * 60 + 4 * CHECK + 3
    await execute(ws, f"import time; time.sleep({sleep_s})")
    await wait_for(lambda: km.get_kernel(kid).execution_state == "busy", 30, "kernel busy")
    await wait_for(
        lambda: any(b.kind == "kernel" and b.detail.startswith("busy") for b in monitor.blockers),
        10,
        "the monitor seeing the busy kernel",
    )
    busy_at = time.time()
    # While the cell runs past the timeout, the kernel is a blocker and nothing stops.
    while time.time() < busy_at + TIMEOUT_MIN * 60 + 3 * CHECK:
        data = await get_idle(jp_fetch)
        if km.get_kernel(kid).execution_state != "busy":
            break
        kinds = {(b["kind"], b["detail"].split()[0]) for b in data["blockers"]}
        assert ("kernel", "busy") in kinds, data
        assert data["state"] in ("active",), data
        assert data["last_action"] is None
        assert kid in km.list_kernel_ids()
        await asyncio.sleep(CHECK)
    assert time.time() >= busy_at + TIMEOUT_MIN * 60 + 3 * CHECK, "the cell ended too early"
    # Once the cell finishes and the timeout passes, the idle kernel is shut down (local).
    await wait_for(lambda: kid not in km.list_kernel_ids(), sleep_s + 30, "kernel shut down")
    action = monitor.last_action
    assert action["ok"] is True and action["local_action"] == "kernels"
    assert action["kernels"] == [kid]
    assert sandbox.calls().get("sagemaker.DeleteApp", 0) == 0
    ws.close()


async def test_terminal_output_blocks(jp_fetch, jp_ws_fetch, jp_serverapp):
    monitor = monitor_of(jp_serverapp)
    r = await jp_fetch("api", "terminals", method="POST", body="{}")
    name = json.loads(r.body)["name"]
    ws = await jp_ws_fetch("terminals", "websocket", name)
    ws.write_message(json.dumps(["stdin", "while true; do echo tick; sleep 0.5; done\r"]))
    await wait_for(
        lambda: any(b.kind == "terminal" for b in monitor.blockers), 20, "terminal blocker"
    )
    ws.close()  # nobody watches: the program's output alone must keep the server alive
    started = time.time()
    while time.time() < started + TIMEOUT_MIN * 60 + 4 * CHECK:
        data = await get_idle(jp_fetch)
        assert any(b["kind"] == "terminal" for b in data["blockers"]), data
        assert data["state"] == "active" and data["last_action"] is None, data
        await asyncio.sleep(CHECK)
    await jp_fetch("api", "terminals", name, method="DELETE")


@pytest.mark.parametrize("idle_config", [{"idle_ignore_terminals": True, "idle_cpu_percent": 30.0}])
async def test_cpu_of_user_processes_blocks(jp_fetch, jp_ws_fetch, jp_serverapp):
    # A silent CPU-bound program in a terminal that the admin told us to ignore: only CPU blocks.
    monitor = monitor_of(jp_serverapp)
    r = await jp_fetch("api", "terminals", method="POST", body="{}")
    name = json.loads(r.body)["name"]
    ws = await jp_ws_fetch("terminals", "websocket", name)
    ws.write_message(json.dumps(["stdin", "clear; while :; do :; done\r"]))
    await wait_for(lambda: any(b.kind == "cpu" for b in monitor.blockers), 20, "cpu blocker")
    assert not any(b.kind == "terminal" for b in monitor.blockers)
    assert monitor.last_action is None
    ws.close()
    await jp_fetch("api", "terminals", name, method="DELETE")


async def test_user_activity_and_keepalive_block(jp_fetch, jp_serverapp):
    monitor = monitor_of(jp_serverapp)
    res = await post(jp_fetch, "costwidget", "api", "idle", "activity")
    assert res["accepted"] is True
    # A second report within the throttle interval is not counted again.
    assert (await post(jp_fetch, "costwidget", "api", "idle", "activity"))["accepted"] is False
    await wait_for(lambda: any(b.kind == "user" for b in monitor.blockers), 10, "user blocker")
    data = await post(jp_fetch, "costwidget", "api", "idle", "keepalive", body={"minutes": 10000})
    until = data["keepalive_until"]
    assert until is not None
    # Capped by idle_max_minutes (120).
    from datetime import datetime

    left = datetime.fromisoformat(until).timestamp() - time.time()
    assert 119 * 60 < left <= 120 * 60
    await wait_for(
        lambda: any(b.kind == "keepalive" for b in monitor.blockers), 10, "keepalive blocker"
    )


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
async def test_idle_server_stops_its_app(jp_serverapp, sandbox, idle_env, operation):
    monitor = monitor_of(jp_serverapp)
    expected = monitor.last_active + monitor.timeout_seconds
    seen = await wait_for(
        lambda: sandbox.calls().get(operation, 0) >= 1,
        TIMEOUT_MIN * 60 + CHECK + 30,
        f"{operation} call",
    )
    # Within one check interval + 5 s after the timeout (the bench measures it precisely).
    assert seen - expected <= CHECK + 5, seen - expected
    await wait_for(lambda: monitor.last_action is not None, 10, "last_action")
    assert monitor.last_action["ok"] is True, monitor.last_action
    # Nothing happens afterwards: no second stop call after another timeout.
    stopped_at = time.time()
    while time.time() < stopped_at + TIMEOUT_MIN * 60 + 2 * CHECK:
        assert monitor.current_state == "stopped"
        await asyncio.sleep(CHECK)
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
async def test_dry_run_records_no_call(jp_fetch, jp_serverapp, sandbox):
    monitor = monitor_of(jp_serverapp)
    await wait_for(lambda: monitor.last_action is not None, TIMEOUT_MIN * 60 + 30, "dry run")
    action = (await get_idle(jp_fetch))["last_action"]
    assert action["dry_run"] is True and action["ok"] is True
    assert action["calls"][0]["action"] == "sagemaker.DeleteApp"
    assert action["calls"][0]["params"]["SpaceName"] == "alice-space"
    assert "would have" in action["summary"]
    assert sandbox.calls().get("sagemaker.DeleteApp", 0) == 0


@pytest.mark.parametrize("idle_env", ["studio"])
async def test_stop_failure_is_retried_and_reported(jp_fetch, jp_serverapp, sandbox, monkeypatch):
    monkeypatch.setattr(idle_actions, "BACKOFF_SECONDS", 0.2)
    sandbox.fault({"deny": ["sagemaker.DeleteApp"]})
    monitor = monitor_of(jp_serverapp)
    await wait_for(lambda: monitor.last_action is not None, TIMEOUT_MIN * 60 + 60, "failure")
    data = await get_idle(jp_fetch)
    action = data["last_action"]
    assert action["ok"] is False
    assert action["attempts"] == idle_actions.STOP_ATTEMPTS
    assert sandbox.calls().get("sagemaker.DeleteApp", 0) >= idle_actions.STOP_ATTEMPTS
    assert "AccessDenied" in action["error"]["code"]
    assert "sagemaker:DeleteApp" in action["error"]["hint"]
    assert data["state"] in ("failed", "warning", "stopping")


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
    await wait_for(lambda: monitor.checks > 0, 10, "second monitor running")
    assert monitor.snapshot()["state"] == "disabled"


# --- save handshake --------------------------------------------------------------------------
@pytest.mark.parametrize("idle_env", ["studio"])
async def test_failed_save_cancels_the_stop(jp_fetch, jp_serverapp, sandbox):
    monitor = monitor_of(jp_serverapp)
    await get_idle(jp_fetch, client="tab-1")

    async def save_request() -> Any:
        return (await get_idle(jp_fetch, client="tab-1"))["save_request"]

    await wait_for(save_request, TIMEOUT_MIN * 60 + 30, "save_request")
    req = await save_request()
    await post(
        jp_fetch,
        "costwidget",
        "api",
        "idle",
        "saved",
        body={
            "id": req["id"],
            "client": "tab-1",
            "ok": False,
            "error": "Untitled.ipynb: disk full",
        },
    )
    await wait_for(lambda: monitor.last_action is not None, 10, "cancelled")
    action = (await get_idle(jp_fetch, client="tab-1"))["last_action"]
    assert action["ok"] is False and action["cancelled"] is True
    assert "disk full" in action["message"]
    assert sandbox.calls().get("sagemaker.DeleteApp", 0) == 0


@pytest.mark.parametrize("idle_env", ["studio"])
async def test_unacknowledged_save_cancels_after_timeout(jp_fetch, jp_serverapp, sandbox):
    monitor = monitor_of(jp_serverapp)
    await get_idle(jp_fetch, client="silent-tab")  # registers, then never answers
    await wait_for(lambda: monitor.save_request is not None, TIMEOUT_MIN * 60 + 30, "save_request")
    asked = time.time()
    await wait_for(lambda: monitor.last_action is not None, 20, "cancelled")
    assert time.time() - asked >= 2.0 - 0.2  # idle_save_timeout_seconds
    action = monitor.last_action
    assert action["cancelled"] is True and "did not confirm" in action["message"]
    assert sandbox.calls().get("sagemaker.DeleteApp", 0) == 0


@pytest.mark.parametrize("idle_env", ["studio"])
async def test_acknowledged_save_then_stop(jp_fetch, jp_serverapp, sandbox):
    await get_idle(jp_fetch, client="tab-ok")

    async def save_request() -> Any:
        return (await get_idle(jp_fetch, client="tab-ok"))["save_request"]

    await wait_for(save_request, TIMEOUT_MIN * 60 + 30, "save_request")
    req = await save_request()
    assert sandbox.calls().get("sagemaker.DeleteApp", 0) == 0  # nothing before the ack
    await post(
        jp_fetch,
        "costwidget",
        "api",
        "idle",
        "saved",
        body={"id": req["id"], "client": "tab-ok", "ok": True},
    )
    await wait_for(lambda: sandbox.calls().get("sagemaker.DeleteApp", 0) == 1, 20, "DeleteApp")


# --- scheduled stop ----------------------------------------------------------------------------
@pytest.mark.parametrize("idle_env", ["studio"])
@pytest.mark.parametrize(
    "idle_config",
    [{"idle_enabled": False, "stop_schedule": "daily 03:00", "stop_schedule_timezone": "UTC"}],
)
async def test_scheduled_stop_fires_even_when_auto_stop_is_off(jp_fetch, jp_serverapp, sandbox):
    from datetime import datetime, timedelta, timezone

    monitor = monitor_of(jp_serverapp)
    first = monitor.schedule_next
    assert first is not None and first.hour == 3
    # Bring the next occurrence close instead of waiting for 03:00.
    monitor.schedule_next = datetime.now(timezone.utc) + timedelta(seconds=2)
    await wait_for(lambda: sandbox.calls().get("sagemaker.DeleteApp", 0) == 1, 30, "DeleteApp")
    await wait_for(lambda: monitor.last_action is not None, 10, "last_action")
    assert monitor.last_action["reason"] == "schedule" and monitor.last_action["ok"] is True
    data = await get_idle(jp_fetch)
    assert data["enabled"] is False
    assert datetime.fromisoformat(data["schedule"]["next"]) > datetime.now(timezone.utc)


@pytest.mark.parametrize("idle_env", ["studio"])
@pytest.mark.parametrize(
    "idle_config",
    [{"idle_enabled": False, "stop_schedule": "daily 03:00", "stop_schedule_timezone": "UTC"}],
)
async def test_keep_running_skips_a_scheduled_stop(jp_fetch, jp_serverapp, sandbox):
    from datetime import datetime, timedelta, timezone

    monitor = monitor_of(jp_serverapp)
    monitor.schedule_next = datetime.now(timezone.utc) + timedelta(seconds=3)
    await wait_for(lambda: monitor.current_state == "warning", 10, "schedule warning")
    data = await post(jp_fetch, "costwidget", "api", "idle", "keepalive", body={})
    assert datetime.fromisoformat(data["schedule"]["next"]).hour == 3  # skipped to the next
    started = time.time()
    while time.time() < started + 3 + 3 * CHECK:
        assert monitor.current_state != "stopping"
        await asyncio.sleep(CHECK)
    assert sandbox.calls().get("sagemaker.DeleteApp", 0) == 0


@pytest.mark.parametrize(
    "idle_config", [{"idle_max_busy_hours": 2 / 3600, "idle_local_action": "kernels"}]
)
async def test_busy_kernel_ceiling(jp_fetch, jp_ws_fetch, jp_serverapp):
    # The admin lets a busy kernel hold the server for 2 s at most; then it is stopped busy.
    monitor = monitor_of(jp_serverapp)
    km = jp_serverapp.kernel_manager
    r = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": "python3"}))
    kid = json.loads(r.body)["id"]
    ws = await jp_ws_fetch("api", "kernels", kid, "channels")
    await execute(ws, "import time; time.sleep(120)")
    await wait_for(lambda: km.get_kernel(kid).execution_state == "busy", 30, "kernel busy")
    await wait_for(lambda: monitor.last_action is not None, 60, "stop despite the busy kernel")
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


async def test_gpu_in_use_blocks(fake_nvidia_smi, jp_serverapp):
    monitor = monitor_of(jp_serverapp)
    await wait_for(lambda: any(b.kind == "gpu" for b in monitor.blockers), 10, "gpu blocker")
    gpu = next(b for b in monitor.blockers if b.kind == "gpu")
    assert "87" in gpu.detail
    started = time.time()
    while time.time() < started + TIMEOUT_MIN * 60 + 2 * CHECK:
        assert monitor.last_action is None and monitor.current_state == "active"
        await asyncio.sleep(CHECK)


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
