"""Forced-refresh floor, hostile bodies and the failure log: a real server and the sandbox."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import pytest

SCENARIO = {
    "region": "us-east-1",
    "domains": [
        {
            "id": "d-hard1",
            "user_profiles": ["ann"],
            "spaces": [{"name": "ann-space", "owner": "ann", "ebs_gb": 10}],
            "apps": [{"type": "JupyterLab", "space": "ann-space", "instance": "ml.t3.medium"}],
        }
    ],
    "endpoints": [{"name": "ep-1", "variants": [{"instance": "ml.m5.large", "count": 1}]}],
    "me": {"domain": "d-hard1", "space": "ann-space", "app_type": "JupyterLab"},
}


class FakeMonotonic:
    """The engine's interval clock, moved by the test (from where the real one is, so the
    scan the server made at start is in its past)."""

    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def jp_server_config(costwidget_server_config, sandbox, tmp_path):
    sandbox.load(SCENARIO)
    metadata = sandbox.write_metadata(tmp_path / "resource-metadata.json")
    return costwidget_server_config(
        sandbox, metadata, min_refresh_seconds=10, aws_max_attempts=1, idle_enabled=True
    )


def engine_of(jp_serverapp):
    return jp_serverapp.web_app.settings["costwidget"].spend


async def forced(jp_fetch):
    response = await jp_fetch("costwidget", "api", "spend", params={"refresh": "1"})
    return json.loads(response.body)


async def request(jp_fetch, *path, body: bytes, method: str = "POST"):
    response = await jp_fetch(*path, method=method, body=body, raise_error=False)
    return response.code, json.loads(response.body or b"{}")


# --- forced refreshes: at most one scan per min_refresh_seconds ----------------------------
def fake_clock(engine) -> FakeMonotonic:
    """The engine's interval clock and its waits, moved by the test: a wait of any length
    takes 0.5 real seconds (time for the other requests of a burst to arrive) and then
    advances the clock by its length."""
    clock = FakeMonotonic()
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(0.5)
        clock.now += seconds

    engine.monotonic, engine.sleep, clock.waits = clock, sleep, waits
    return clock


async def test_twenty_forced_refreshes_make_one_scan(jp_fetch, jp_serverapp, sandbox):
    engine = engine_of(jp_serverapp)
    await engine.wait_for_scans(1)  # the scan every server makes at start
    clock = fake_clock(engine)
    clock.now += 60
    sandbox.reset_calls()
    await forced(jp_fetch)  # past the floor: a scan at once
    start, one_scan = clock.now, sum(sandbox.calls().values())
    assert engine.scans == 2 and one_scan > 0 and clock.waits == []

    # Ten at once (the test client's connection limit), right after it: they wait for the
    # floor's end and share one scan.
    snaps = await asyncio.gather(*(forced(jp_fetch) for _ in range(10)))
    assert engine.scans == 3
    assert clock.waits == [pytest.approx(10.0)]  # one wait, to start + min_refresh_seconds
    assert clock.now == pytest.approx(start + 10.0)
    assert len({s["generated_at"] for s in snaps}) == 1
    assert sum(sandbox.calls().values()) == 2 * one_scan  # one more scan's calls, no more
    # Ten more: the next window's one scan. Twenty forced refreshes, two scans.
    await asyncio.gather(*(forced(jp_fetch) for _ in range(10)))
    assert engine.scans == 4 and clock.now == pytest.approx(start + 20.0)
    assert sum(sandbox.calls().values()) == 3 * one_scan

    clock.now += 10.0  # the floor has passed again: the next forced refresh scans at once
    await forced(jp_fetch)
    assert engine.scans == 5 and len(clock.waits) == 2


async def test_a_stop_lifts_the_floor(jp_fetch, jp_serverapp, sandbox):
    engine = engine_of(jp_serverapp)
    await engine.wait_for_scans(1)
    clock = fake_clock(engine)
    engine.invalidate()  # what a stop does: the next forced refresh must see the change
    await forced(jp_fetch)
    assert engine.scans == 2 and clock.waits == []  # at once, although within the floor


# --- bad bodies: 400 with a message, never a 500 -------------------------------------------
@pytest.mark.parametrize(
    "body",
    [b'{"minutes": NaN}', b'{"minutes": Infinity}', b'{"minutes": -Infinity}'],
    ids=["nan", "inf", "-inf"],
)
async def test_non_finite_numbers_are_400(jp_fetch, jp_serverapp, body):
    monitor = jp_serverapp.web_app.settings["costwidget"].idle
    code, answer = await request(jp_fetch, "costwidget", "api", "idle", "keepalive", body=body)
    assert code == 400 and "not a JSON number" in answer["message"]
    assert monitor.keepalive_until is None
    code, answer = await request(
        jp_fetch,
        "costwidget",
        "api",
        "idle",
        method="PUT",
        body=body.replace(b"minutes", b"timeout_minutes"),
    )
    assert code == 400


def test_keepalive_refuses_non_finite_numbers_itself(jp_serverapp):
    from jupyter_costwidget.idle.tabs import IdleInputError

    monitor = jp_serverapp.web_app.settings["costwidget"].idle
    for value in (float("nan"), float("inf")):
        with pytest.raises(IdleInputError):
            monitor.keep_running(value)


@pytest.mark.parametrize(
    "path", [("costwidget", "api", "idle", "keepalive"), ("costwidget", "api", "resources", "stop")]
)
async def test_deeply_nested_body_is_400(jp_fetch, path, caplog):
    caplog.set_level(logging.ERROR)
    code, answer = await request(jp_fetch, *path, body=b"[" * 100_000)
    assert code == 400
    assert "nested too deeply" in answer["message"]
    assert "Traceback" not in caplog.text


# --- a source's failure is logged once when it starts and once when it ends ----------------
async def test_failures_are_logged_once_each_way(jp_fetch, jp_serverapp, sandbox, caplog):
    engine = engine_of(jp_serverapp)
    await engine.wait_for_scans(1)
    clock = fake_clock(engine)

    async def scan():
        clock.now += 10  # past min_refresh_seconds: every forced refresh scans
        return await forced(jp_fetch)

    caplog.set_level(logging.INFO)
    await scan()
    sandbox.fault({"deny": ["sagemaker.ListEndpoints"]})
    for _ in range(3):
        snap = await scan()
    assert [e["source"] for e in snap["errors"]] == ["sagemaker.ListEndpoints"]
    sandbox.clear_faults()
    for _ in range(2):
        snap = await scan()
    assert snap["errors"] == []
    assert engine.scans == 7

    lines = [r.getMessage() for r in caplog.records if "sagemaker.ListEndpoints" in r.getMessage()]
    failing = [line for line in lines if "failing" in line]
    recovered = [line for line in lines if "recovered" in line]
    assert len(failing) == 1 and len(recovered) == 1, lines
    assert "AccessDenied" in failing[0]
    assert "sagemaker:ListEndpoints" in failing[0]  # the IAM action to grant
    assert "testing" not in "\n".join(lines)  # no credentials
