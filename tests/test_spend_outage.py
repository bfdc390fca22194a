"""The spend engine when its AWS goes away, and its background refresher."""

from __future__ import annotations

import asyncio
import json

import pytest

from jupyter_costwidget.sandbox import start_sandbox

SCENARIO = {
    "region": "us-east-1",
    "domains": [
        {
            "id": "d-out1",
            "user_profiles": ["ann"],
            "spaces": [{"name": "ann-space", "owner": "ann", "ebs_gb": 10}],
            "apps": [
                {
                    "type": "JupyterLab",
                    "space": "ann-space",
                    "instance": "ml.t3.medium",
                    "age": "1h",
                }
            ],
        }
    ],
    "me": {"domain": "d-out1", "space": "ann-space", "app_type": "JupyterLab"},
}
JL_T3_MED = 0.05  # us-east-1,Studio-JupyterLab,ml.t3.medium,0.05,Hrs
STUDIO_STORAGE = 0.112  # us-east-1,Studio-Storage,,0.112,GB-Mo


@pytest.fixture
def own_sandbox(tmp_path):
    """A sandbox of this test only, so that it can be stopped (AWS unreachable)."""
    server = start_sandbox(scenario=SCENARIO)
    server.metadata_path = server.write_metadata(tmp_path / "resource-metadata.json")
    yield server
    server.stop()  # stopping twice is harmless


@pytest.fixture
def jp_server_config(costwidget_server_config, own_sandbox):
    return costwidget_server_config(
        own_sandbox,
        own_sandbox.metadata_path,
        refresh_seconds=1,  # this file tests the background refresher itself
        stale_after_seconds=3600,
        aws_max_attempts=2,
    )


async def spend(jp_fetch, refresh=True):
    response = await jp_fetch(
        "costwidget", "api", "spend", params={"refresh": "1"} if refresh else {}
    )
    return json.loads(response.body)


async def test_background_refresher_rescans_on_its_own(jp_fetch, jp_serverapp, own_sandbox):
    engine = jp_serverapp.web_app.settings["costwidget"].spend
    await asyncio.wait_for(engine.wait_for_scans(1), 30)
    own_sandbox.reset_calls()
    before = engine.scans
    await asyncio.wait_for(engine.wait_for_scans(before + 2), 30)
    assert own_sandbox.calls()["sagemaker.ListApps"] >= 2  # no request asked for these scans
    snap = await spend(jp_fetch, refresh=False)
    assert len(snap["history"]) >= 3
    assert snap["history"][-1]["mine_per_hour"] == pytest.approx(
        JL_T3_MED + 10 * STUDIO_STORAGE / 730
    )


async def test_sandbox_down_serves_last_data_as_stale(jp_fetch, own_sandbox):
    good = await spend(jp_fetch)
    assert good["stale"] is False and good["errors"] == []
    own_sandbox.stop()
    snap = await spend(jp_fetch)
    assert snap["stale"] is True
    assert {e["code"] for e in snap["errors"]} == {"Unreachable"}
    assert "sagemaker.ListApps" in {e["source"] for e in snap["errors"]}
    assert all("endpoint_url" in e["hint"] or "network" in e["hint"] for e in snap["errors"])
    # The last known rates are served: self is the app, 0.05 $/h; mine adds its 10 GB space,
    # 10 x 0.112 / 730 = 0.001534 $/h.
    assert snap["totals"]["self"]["per_hour"] == pytest.approx(JL_T3_MED)
    assert snap["totals"]["mine"]["per_hour"] == pytest.approx(
        JL_T3_MED + 10 * STUDIO_STORAGE / 730
    )
    # Cost so far keeps counting from those rates: the app is 1 h old (the scenario's "age"),
    # and this test takes well under 6 minutes: between 0.05 and 0.05 x 1.1 $.
    self_accrued = snap["totals"]["self"]["accrued"]
    assert JL_T3_MED * 1.0 <= self_accrued <= JL_T3_MED * 1.1
    assert self_accrued >= good["totals"]["self"]["accrued"]
    app = next(r for r in snap["resources"] if r["kind"] == "app")
    assert app["stale"] is True
    assert set(snap["stale_sources"]) >= {"apps", "spaces", "domains"}
    status = json.loads((await jp_fetch("costwidget", "api", "status")).body)
    assert status["stale"] is True and status["errors"] == len(snap["errors"])
