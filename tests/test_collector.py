"""The shared collector and its readers, against the sandbox over HTTP and a real jupyter
server: a reader's /spend equals a server that scans itself, with no SageMaker call of its
own; stale and missing snapshots; fallback; SNS notices; billed spend through S3."""

from __future__ import annotations

import json
import logging
import re
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
    # The snapshot, and once the collector's history for the rate chart.
    assert sandbox.calls() == {"s3.GetObject": 2}
    sandbox.reset_calls()
    await scan(jp_fetch)
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
    assert "may not have written this file yet" in error["hint"]
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
    # Until the collector runs again, the reader shows what its stop did (EndpointStatus
    # "Deleting") and offers no second Stop; the endpoint bills until it is gone.
    rows = {row["id"]: row for row in (await scan(jp_fetch))["resources"]}
    stopped = rows[mine[0]["id"]]
    assert stopped["status"] == "Deleting"
    assert stopped["stoppable"] is False
    assert stopped["stop_refused_reason"].startswith("A stop was sent at ")
    assert stopped["per_hour"] == mine[0]["per_hour"]
    response = await jp_fetch("costwidget", "api", "spend", params={"lang": "ja-JP"})
    said = {row["id"]: row for row in json.loads(response.body)["resources"]}
    assert "停止を送信しました" in said[mine[0]["id"]]["stop_refused_reason"]
    # The collector's next run has seen the stop: the endpoint is gone from the list.
    make_collector(
        sandbox, tmp_path, [DEMO["region"]], clock=lambda: time.time() + 1, billing_enabled=False
    ).run()
    rows = {row["id"]: row for row in (await scan(jp_fetch))["resources"]}
    assert mine[0]["id"] not in rows


# --- notices, billed spend, the entry points ---------------------------------------------------
# sandbox/scenarios/account.json, billing: yesterday (days_ago 1) 83.69; month to date
# 1286.4; forecast 1890.0; budget ml-platform 1286.4 of 2000 (64 %).
YESTERDAY = "Yesterday: $83.69"
MONTH = "This month so far: $1,286.40 (forecast $1,890.00)"
BUDGET = "Budget ml-platform: $1,286.40 of $2,000.00 (64 %)"


@pytest.mark.parametrize("scenario", [DEMO], ids=["account"])
async def test_daily_and_new_warning_notices_go_out_once(sandbox, metadata_file, tmp_path):
    topic = sandbox.shared_bucket(BUCKET, TOPIC)
    collector = make_collector(sandbox, tmp_path, [DEMO["region"]], topic_arn=topic)
    report = collector.run()
    messages = sandbox.sns_messages()
    assert [m["subject"] for m in messages] == [
        f"SageMaker {ACCOUNT}: 4 new things may bill unnoticed",
        f"SageMaker {ACCOUNT}: daily spend",
    ]
    assert report.published == [m["subject"] for m in messages]
    warnings_text, daily_text = messages[0]["message"], messages[1]["message"]
    # account.json: bob's Canvas, 9 days (canvas-running); the EFS of deleted domain d-gone9
    # (storage-orphaned); churn-xgb, 0 invocations for 24 h (endpoint-idle); HyperPod
    # llm-train, 20 h > long_running_hours 12 (long-running).
    announced = [
        re.sub(r"fs-\w+", "fs-?", line.split(" ", 2)[2])[:40]
        for line in warnings_text.splitlines()[:4]
    ]
    assert announced == [
        "Canvas of bob has been running for 9.0 d",
        "EFS file system fs-? belonged to domain ",
        "Endpoint churn-xgb had no invocations in",
        "HyperPod cluster llm-train has kept 5 in",
    ]
    assert all(line.startswith("- [ap-northeast-1] ") for line in warnings_text.splitlines()[:4])
    for line in (YESTERDAY, MONTH, BUDGET):
        assert line in daily_text
    assert "Billing now:" in daily_text
    # The next run (a minute later) finds nothing new: nothing is published.
    collector.clock = lambda: NOW + 60
    assert collector.run().published == []
    assert len(sandbox.sns_messages()) == 2
    # A cold start (a new Lambda) reads what was announced from S3 and stays quiet too.
    fresh = make_collector(sandbox, tmp_path, [DEMO["region"]], topic_arn=topic)
    fresh.clock = lambda: NOW + 120
    assert fresh.run().published == []
    assert sandbox.calls()["sns.Publish"] == 2


@pytest.mark.parametrize("scenario", [DEMO], ids=["account"])
async def test_cost_explorer_is_asked_at_most_five_times_a_day(sandbox, metadata_file, tmp_path):
    midnight = NOW - NOW % 86400  # the start of NOW's UTC day
    clock = {"now": midnight}
    collector = make_collector(sandbox, tmp_path, [DEMO["region"]], clock=lambda: clock["now"])
    fetched = []
    for hour in range(24):  # a run every hour of one UTC day (the cache keeps 6 h)
        clock["now"] = midnight + hour * 3600 + 60
        if collector.run().billing_fetched:
            fetched.append(hour)
    ce = {k: v for k, v in sandbox.calls().items() if k.startswith("ce.")}
    # 00:01: month to date, the split by owner and the forecast (daily) and the tags' status
    # (weekly): 4 requests. 06:01: month to date again: the 5th, the collector's limit.
    # 12:01 and 18:01: the day's 5 are used up.
    assert fetched == [0, 6]
    assert ce == {
        "ce.GetCostAndUsage": 3,
        "ce.GetCostForecast": 1,
        "ce.ListCostAllocationTags": 1,
    }
    # billing.json in S3 carries the count, so a cold start keeps to it.
    cold = make_collector(sandbox, tmp_path, [DEMO["region"]], clock=lambda: clock["now"])
    assert cold.run().billing_fetched is False
    assert sum(v for k, v in sandbox.calls().items() if k.startswith("ce.")) == 5


@pytest.mark.parametrize("scenario", [DEMO], ids=["account"])
async def test_readers_get_billed_spend_from_the_collector_not_cost_explorer(
    sandbox, metadata_file, tmp_path, jp_fetch
):
    make_collector(sandbox, tmp_path, [DEMO["region"]]).run()
    sandbox.reset_calls()
    response = await jp_fetch("costwidget", "api", "billing")
    billing = json.loads(response.body)
    assert billing["month_to_date"] == 1286.4  # the scenario's billing.month_to_date
    assert billing["yesterday"] == 83.69
    # alice's share from the collector's split by owner tag (account.json by_tag): her
    # profile 128.4 + her space alice-space 214.2 = 342.6; bob's 560.0 is not hers.
    assert billing["mine"] == {
        "month_to_date": 342.6,
        "filtered_by": ["sagemaker:user-profile-arn", "sagemaker:space-arn"],
        "message": "Costs tagged with your user profile or spaces, from the shared "
        "collector's split of the month (tags apply from their activation on); updated once "
        "a day.",
    }
    assert "by_owner" not in billing  # the others' shares stay in the file
    assert not [k for k in sandbox.calls() if k.startswith(("ce.", "budgets."))]
    assert sandbox.calls() == {"s3.GetObject": 1}


@pytest.mark.parametrize("scenario", [DEMO], ids=["account"])
def test_the_lambda_handler_and_the_command_write_the_snapshot(
    sandbox, metadata_file, tmp_path, monkeypatch
):
    from jupyter_costwidget.cli import main
    from jupyter_costwidget.collector import handler

    monkeypatch.setenv("COSTWIDGET_ENDPOINT_URL", sandbox.url)
    monkeypatch.setenv("COSTWIDGET_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("COSTWIDGET_BUCKET", BUCKET)
    monkeypatch.setenv("COSTWIDGET_PREFIX", "lambda")
    monkeypatch.setenv("AWS_REGION", DEMO["region"])
    summary = handler({}, None)
    assert summary["written"][0] == f"lambda/{ACCOUNT}/{DEMO['region']}/spend.json"
    assert summary["regions"] == [DEMO["region"]]
    s3 = sandbox.client("s3")
    body = s3.get_object(Bucket=BUCKET, Key=summary["written"][0])["Body"].read()
    assert json.loads(body)["account"] == ACCOUNT
    code = main(["collect", "--bucket", BUCKET, "--prefix", "cli", "--region", DEMO["region"]])
    assert code == 0
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="cli/")["Contents"]]
    assert f"cli/{ACCOUNT}/{DEMO['region']}/spend.json" in keys
    assert main(["collect", "--bucket", ""]) == 2


@pytest.mark.parametrize("scenario", [DEMO], ids=["account"])
async def test_a_new_reader_draws_its_rate_chart_from_the_collectors_history(
    sandbox, metadata_file, tmp_path, jp_fetch
):
    clock = {"now": NOW - 600}
    collector = make_collector(
        sandbox, tmp_path, [DEMO["region"]], clock=lambda: clock["now"], billing_enabled=False
    )
    collector.run()
    clock["now"] = NOW  # 600 s later: a point every 300 s at least, so a second one
    collector.run()
    snap = await scan(jp_fetch)
    seeded, own = snap["history"][:2], snap["history"][2:]
    # data/pricing/sagemaker_prices.csv: alice's JupyterLab ml.g5.xlarge 2.04 + her endpoint
    # churn-xgb, 2 x ml.m5.xlarge at 0.298 = 2.636 $/h (her space's storage has no price).
    assert [p["mine_per_hour"] for p in seeded] == [pytest.approx(2.636)] * 2
    assert seeded[1]["t"] == snap["generated_at"]
    assert len(own) == 1 and own[0]["mine_per_hour"] == pytest.approx(2.636)
