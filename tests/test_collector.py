"""The shared collector and its readers, against the sandbox over HTTP and a real jupyter
server: a reader's /spend equals a server that scans itself, with no SageMaker call of its
own; stale and missing snapshots; fallback; SNS notices; billed spend through S3."""

from __future__ import annotations

import json
import logging
import time

import pytest

from jupyter_costwidget.aws.clients import AwsClients
from jupyter_costwidget.collector.location import SnapshotLocation
from jupyter_costwidget.collector.run import Collector, CollectorSettings, collector_config
from jupyter_costwidget.config import CostWidget
from jupyter_costwidget.sandbox import ACCOUNT_SCENARIO
from jupyter_costwidget.sandbox.generated import large_scenario
from jupyter_costwidget.spend.engine import SpendEngine
from jupyter_costwidget.state import CostWidgetState

from .test_stop import scan

BUCKET = "team-costs"
PREFIX = "costwidget"
TOPIC = "costwidget-notices"
ACCOUNT = "123456789012"
SNAPSHOT_URL = f"s3://{BUCKET}/{PREFIX}"
# The clock of the collector and of the self-scanning reference: one instant, near the
# reader's real time so its snapshot is fresh (its age is what the reader sees).
NOW = time.time()

SCENARIOS = {
    # The demo, the hourly services, and a us-east-1 region.
    "account": json.loads(ACCOUNT_SCENARIO.read_text(encoding="utf-8")),
    "large": large_scenario(
        "us-east-1",
        ACCOUNT,
        "ap-northeast-1",
        domains=2,
        users=8,
        endpoints=24,
        jobs_per_kind=(4, 3, 3),
        notebooks=5,
    ),
}


def other_regions(scenario: dict) -> list[str]:
    return sorted(scenario.get("other_regions", {}))


def make_collector(sandbox, tmp_path, regions, clock=lambda: NOW, topic_arn=None, **config):
    settings = CollectorSettings(
        SnapshotLocation(BUCKET, PREFIX), regions, topic_arn=topic_arn, period_seconds=60
    )
    clients: dict[str, AwsClients] = {}

    def aws_in(region):
        return clients.setdefault(region, AwsClients(region, sandbox.url, max_attempts=2))

    cfg = collector_config(state_dir=str(tmp_path / "collector"), **config)
    return Collector(settings, cfg, aws_in, clock=clock)


@pytest.fixture(params=sorted(SCENARIOS))
def scenario(request):
    return SCENARIOS[request.param]


@pytest.fixture
def metadata_file(sandbox, tmp_path, scenario):
    sandbox.load(scenario)
    sandbox.shared_bucket(BUCKET)
    return sandbox.write_metadata(str(tmp_path / "resource-metadata.json"))


@pytest.fixture
def reader_settings():
    return {}


@pytest.fixture
def jp_server_config(costwidget_server_config, sandbox, metadata_file, reader_settings):
    return costwidget_server_config(
        sandbox, metadata_file, snapshot_url=SNAPSHOT_URL, aws_max_attempts=1, **reader_settings
    )


async def self_scan(sandbox, metadata_file, tmp_path, regions) -> dict:
    """What a server that scans itself serves, at the collector's instant."""
    config = CostWidget(
        endpoint_url=sandbox.url,
        region=sandbox.region,
        metadata_file=str(metadata_file),
        regions=regions,
        state_dir=str(tmp_path / "self"),
        billing_enabled=False,
    )
    state = CostWidgetState(config, logging.getLogger("self-scan"), clock=lambda: NOW)
    engine = SpendEngine(state)
    try:
        await engine.refresh(force=True)
        return json.loads(engine.snapshot_json())
    finally:
        await engine.stop()
        state.executor.shutdown(wait=False)


async def test_a_reader_serves_exactly_what_a_scanning_server_serves(
    sandbox, metadata_file, tmp_path, scenario, jp_fetch
):
    others = other_regions(scenario)
    collector = make_collector(
        sandbox, tmp_path, [scenario["region"], *others], billing_enabled=False
    )
    report = collector.run()
    assert report.written[0] == f"{PREFIX}/{ACCOUNT}/{scenario['region']}/spend.json"
    reference = await self_scan(sandbox, metadata_file, tmp_path, others)
    reader = await scan(jp_fetch)
    assert reader["shared"] == {
        "url": SNAPSHOT_URL,
        "period_seconds": 60.0,
        "scanning_itself": False,
    }
    assert reader["resources"], "the scenario has rows"
    for key in ("totals", "resources", "warnings", "errors", "stale_sources", "context"):
        assert reader[key] == reference[key], key
    assert reader["generated_at"] == reference["generated_at"]
    assert reader["stale"] is False
    # The reader's scopes are its own: rows of "mine" and "self" exist in both scenarios.
    assert reader["totals"]["mine"]["per_hour"] > 0
    assert any("self" in row["scopes"] for row in reader["resources"])


async def test_a_fresh_snapshot_costs_readers_no_sagemaker_call(
    sandbox, metadata_file, tmp_path, scenario, jp_fetch
):
    make_collector(sandbox, tmp_path, [scenario["region"]], billing_enabled=False).run()
    await scan(jp_fetch)  # the context's one describe, and the first GET
    sandbox.reset_calls()
    for _ in range(3):
        snap = await scan(jp_fetch)
    calls = sandbox.calls()
    assert {k: v for k, v in calls.items() if k.startswith("sagemaker.")} == {}
    # Three conditional GETs of an unchanged file: three 304s, nothing else.
    assert calls == {"s3.GetObject": 3}
    assert snap["scan"]["calls"] == 1 and snap["stale"] is False


# --- stale, missing, denied, fallback ---------------------------------------------------------
DEMO = json.loads(ACCOUNT_SCENARIO.read_text(encoding="utf-8"))


@pytest.fixture
def demo_only():
    return None


@pytest.mark.parametrize("scenario", [DEMO], ids=["account"])
async def test_an_old_snapshot_is_stale_with_its_age(sandbox, metadata_file, tmp_path, jp_fetch):
    # The collector last ran 10 min ago: more than 3 periods of 60 s.
    make_collector(
        sandbox, tmp_path, [DEMO["region"]], clock=lambda: time.time() - 600, billing_enabled=False
    ).run()
    sandbox.reset_calls()
    snap = await scan(jp_fetch)
    assert snap["stale"] is True
    assert 600 <= snap["age_seconds"] < 660  # both bounds: the test's own run time
    (error,) = [e for e in snap["errors"] if e["source"] == "snapshot"]
    assert error["code"] == "SnapshotStale"
    assert "10 min old" in error["message"] and "every 1 min" in error["message"]
    assert "snapshot_fallback" in error["hint"]
    assert "snapshot" in snap["stale_sources"]
    assert snap["shared"]["scanning_itself"] is False
    # Stale rows are still served: what was known, marked stale.
    assert snap["totals"]["mine"]["per_hour"] > 0
    assert not [k for k in sandbox.calls() if k.startswith("sagemaker.List")]


@pytest.mark.parametrize("scenario", [DEMO], ids=["account"])
@pytest.mark.parametrize("reader_settings", [{"snapshot_fallback": True}], ids=["fallback"])
async def test_with_fallback_a_reader_scans_itself_while_the_snapshot_is_stale(
    sandbox, metadata_file, tmp_path, jp_fetch
):
    make_collector(
        sandbox, tmp_path, [DEMO["region"]], clock=lambda: time.time() - 600, billing_enabled=False
    ).run()
    sandbox.reset_calls()
    snap = await scan(jp_fetch)
    assert snap["shared"]["scanning_itself"] is True
    assert sandbox.calls().get("sagemaker.ListApps") == 1
    assert snap["stale"] is False and snap["totals"]["mine"]["per_hour"] > 0
    # The collector runs again: the reader reads it and stops scanning.
    make_collector(sandbox, tmp_path, [DEMO["region"]], billing_enabled=False).run()
    sandbox.reset_calls()
    snap = await scan(jp_fetch)
    assert snap["shared"]["scanning_itself"] is False
    assert sandbox.calls() == {"s3.GetObject": 1}


@pytest.mark.parametrize("scenario", [DEMO], ids=["account"])
async def test_no_snapshot_yet_says_how_to_deploy_the_collector(sandbox, metadata_file, jp_fetch):
    snap = await scan(jp_fetch)
    assert snap["stale"] is True and snap["resources"] == []
    assert snap["totals"]["mine"]["per_hour"] is None  # unknown, not $0
    (error,) = [e for e in snap["errors"] if e["source"] == "snapshot"]
    assert error["code"] == "SnapshotMissing"
    assert f"s3://{BUCKET}/{PREFIX}/{ACCOUNT}/{DEMO['region']}/spend.json" in error["message"]
    assert "examples/collector/template.yaml" in error["hint"]


@pytest.mark.parametrize("scenario", [DEMO], ids=["account"])
async def test_a_denied_read_names_the_iam_action_and_keeps_the_last_snapshot(
    sandbox, metadata_file, tmp_path, jp_fetch
):
    make_collector(sandbox, tmp_path, [DEMO["region"]], billing_enabled=False).run()
    first = await scan(jp_fetch)
    sandbox.fault({"deny": ["s3.GetObject"]})
    snap = await scan(jp_fetch)
    (error,) = [e for e in snap["errors"] if e["source"] == "snapshot"]
    assert error["code"] == "AccessDenied"
    assert "s3:GetObject" in error["hint"]
    assert snap["stale"] is True
    assert snap["totals"] == first["totals"]


@pytest.mark.parametrize("scenario", [DEMO], ids=["account"])
async def test_a_reader_says_warnings_in_its_users_language(
    sandbox, metadata_file, tmp_path, jp_fetch
):
    make_collector(sandbox, tmp_path, [DEMO["region"]], billing_enabled=False).run()
    await scan(jp_fetch)
    response = await jp_fetch("costwidget", "api", "spend", params={"lang": "ja-JP"})
    snap = json.loads(response.body)
    (canvas,) = [w for w in snap["warnings"] if w["code"] == "canvas-running"]
    assert "Canvas" in canvas["message"] and "bob" in canvas["message"]
    assert "has been running" not in canvas["message"]  # said in Japanese


@pytest.mark.parametrize("scenario", [DEMO], ids=["account"])
async def test_stops_still_check_ownership_with_the_readers_own_rights(
    sandbox, metadata_file, tmp_path, jp_fetch
):
    from .test_stop import post_stop

    make_collector(sandbox, tmp_path, [DEMO["region"]], billing_enabled=False).run()
    snap = await scan(jp_fetch)
    rows = {row["id"]: row for row in snap["resources"]}
    bob_canvas = rows["app:d-demo1/bob/Canvas/default"]
    assert bob_canvas["stoppable"] is False  # not alice's
    sandbox.reset_calls()
    code, body = await post_stop(jp_fetch, {"id": bob_canvas["id"], "confirm": True})
    assert code == 403, body
    assert "sagemaker.DeleteApp" not in sandbox.calls()
    # Alice's own endpoint: described afresh, then deleted with this server's own rights.
    mine = [r for r in snap["resources"] if r["kind"] == "endpoint" and r["stoppable"]]
    assert mine
    code, body = await post_stop(jp_fetch, {"id": mine[0]["id"], "confirm": True})
    assert code == 200, body
    calls = sandbox.calls()
    assert calls.get("sagemaker.DescribeEndpoint", 0) >= 1
    assert calls["sagemaker.DeleteEndpoint"] == 1
