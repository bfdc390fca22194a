"""Other regions of the account: scanned less often, counted in scope `account`, named by an
`other-region` warning, never stopped from here; `auto` finds them in the billing cache
without a Cost Explorer request of its own. Real jupyter server, sandbox with two regions."""

from __future__ import annotations

import json

import pytest

from jupyter_costwidget.sandbox import ACCOUNT_SCENARIO

from .test_stop import post_stop, scan

ACCOUNT = "123456789012"
HOME = "us-east-1"
TOKYO = "ap-northeast-1"
# data/pricing/sagemaker_prices.csv:
#   us-east-1,Studio-JupyterLab,ml.t3.medium,0.05,Hrs,USE1-Studio:JupyterLab-ml.t3.medium,S1
HOME_JL_T3 = 0.05
#   us-east-1,Studio-Storage,,0.112,GB-Mo,... ; a space's EBS defaults to 5 GB (scenario.py)
HOME_SPACE = 5 * 0.112 / 730
#   ap-northeast-1,Canvas,,1.9,Hrs,APN1-Canvas:Session-Hrs,SEED000
TOKYO_CANVAS = 1.9
#   ap-northeast-1,Hosting,ml.m5.xlarge,0.298,Hrs,APN1-Host:ml.m5.xlarge,S2
TOKYO_HOST_M5_XL = 0.298
SCENARIO = {
    "region": HOME,
    "account": ACCOUNT,
    "domains": [
        {"id": "d-home1", "name": "research", "user_profiles": ["alice"],
         "spaces": [{"name": "alice-space", "owner": "alice"}],
         "apps": [{"type": "JupyterLab", "space": "alice-space", "instance": "ml.t3.medium",
                   "status": "InService", "age": "1h"}]},
    ],
    "other_regions": {
        TOKYO: {
            "domains": [
                {"id": "d-tokyo1", "name": "hobby", "user_profiles": ["taro"],
                 "apps": [{"type": "Canvas", "user": "taro", "status": "InService",
                           "age": "5d"}]},
            ],
            "endpoints": [{"name": "tokyo-ep", "age": "2d", "invocations_24h": 10,
                           "variants": [{"instance": "ml.m5.xlarge", "count": 1}]}],
        }
    },
    "billing": {"month_to_date": 500.0, "by_region": {TOKYO: 300.0}},
    "me": {"domain": "d-home1", "space": "alice-space", "app_type": "JupyterLab",
           "app_name": "default"},
}  # fmt: skip
CANVAS = "app:d-tokyo1/taro/Canvas/default"


@pytest.fixture
def metadata_file(sandbox, tmp_path):
    sandbox.load(SCENARIO)
    return sandbox.write_metadata(str(tmp_path / "resource-metadata.json"))


@pytest.fixture
def settings():
    return {"regions": [TOKYO]}


@pytest.fixture
def jp_server_config(costwidget_server_config, sandbox, metadata_file, settings):
    return costwidget_server_config(sandbox, metadata_file, aws_max_attempts=2, **settings)


def engine_of(jp_serverapp):
    return jp_serverapp.web_app.settings["costwidget"].spend


async def test_another_region_counts_in_account_only_and_is_named(jp_fetch):
    snap = await scan(jp_fetch)
    rows = {row["id"]: row for row in snap["resources"]}
    canvas, endpoint = rows[CANVAS], rows["endpoint:tokyo-ep"]
    for row in (canvas, endpoint):
        assert row["region"] == TOKYO and row["scopes"] == ["account"]
    assert canvas["per_hour"] == pytest.approx(TOKYO_CANVAS)
    assert endpoint["per_hour"] == pytest.approx(TOKYO_HOST_M5_XL)
    home_app = rows["app:d-home1/alice-space/JupyterLab/default"]
    assert home_app["region"] == HOME and "account" in home_app["scopes"]
    totals = snap["totals"]
    # This region: the JupyterLab app and its space's storage. Account: + Tokyo.
    assert totals["region"]["per_hour"] == pytest.approx(HOME_JL_T3 + HOME_SPACE)
    assert totals["account"]["per_hour"] == pytest.approx(
        HOME_JL_T3 + HOME_SPACE + TOKYO_CANVAS + TOKYO_HOST_M5_XL
    )
    assert totals["mine"]["per_hour"] == pytest.approx(HOME_JL_T3 + HOME_SPACE)
    # One warning names the region and its $/h: 1.9 + 0.298 = 2.198 -> $2.20/h.
    (other,) = [w for w in snap["warnings"] if w["code"] == "other-region"]
    assert other["severity"] == "critical" and other["region"] == TOKYO
    assert other["message"] == (
        "2 resources bill $2.20/h in ap-northeast-1, outside this region (us-east-1): "
        "default, tokyo-ep."
    )
    # Tokyo's Canvas warning is raised as at home.
    assert any(
        w["code"] == "canvas-running" and w["resource_id"] == CANVAS for w in snap["warnings"]
    )


async def test_another_regions_resource_is_not_stopped_from_here(jp_fetch, jp_serverapp, sandbox):
    jp_serverapp.web_app.settings["costwidget"].config.allow_stop = "region"
    snap = await scan(jp_fetch)
    canvas = next(row for row in snap["resources"] if row["id"] == CANVAS)
    assert canvas["stoppable"] is False
    assert canvas["stop_refused_reason"] == (
        "default runs in ap-northeast-1; stop it from JupyterLab or the console in that region."
    )
    sandbox.reset_calls()
    code, body = await post_stop(jp_fetch, {"id": CANVAS, "confirm": True})
    assert code == 409 and "ap-northeast-1" in body["message"]
    assert not any(k.startswith("sagemaker.Delete") for k in sandbox.calls())


async def test_other_regions_are_scanned_once_per_their_interval(jp_fetch, jp_serverapp):
    engine = engine_of(jp_serverapp)
    await scan(jp_fetch)
    first = engine.other_regions.calls
    assert first > 0
    await scan(jp_fetch)
    assert engine.other_regions.calls == first  # within other_regions_refresh_seconds (600)
    engine.config.other_regions_refresh_seconds = 0
    await scan(jp_fetch)
    assert engine.other_regions.calls > first


@pytest.mark.parametrize("settings", [{"regions": "auto"}], ids=["auto"])
async def test_auto_finds_the_regions_billed_this_month_without_a_request_of_its_own(
    jp_fetch, jp_serverapp, sandbox
):
    # After the first scan the engine fills the billing cache (the fetch the panel's billing
    # section makes anyway), then scans again with the regions billed this month.
    await scan(jp_fetch)
    task = engine_of(jp_serverapp)._billing_task
    assert task is not None
    await task
    snap = await scan(jp_fetch)
    others = {row["region"] for row in snap["resources"] if "region" not in row["scopes"]}
    assert others == {TOKYO}
    ce_calls = {k: v for k, v in sandbox.calls().items() if k.startswith("ce.")}
    assert ce_calls["ce.GetCostAndUsage"] == 1
    # The scenario's month: 300 in Tokyo, the other 200 here; the panel's billing section
    # reads the same cache: no new request, and no scan makes one.
    billing = json.loads((await jp_fetch("costwidget", "api", "billing")).body)
    assert billing["by_region"] == {TOKYO: 300.0, HOME: 200.0}
    await scan(jp_fetch)
    assert {k: v for k, v in sandbox.calls().items() if k.startswith("ce.")} == ce_calls


# --- the bundled scenario with everything: sandbox/scenarios/account.json ----------------------
ACCOUNT_FILE = json.loads(ACCOUNT_SCENARIO.read_text())


class TestTheAccountScenario:
    """The demo (Tokyo) plus one of each hourly service, and a Canvas app and an endpoint in
    us-east-1 where Cost Explorer shows spend this month; `regions` left at "auto"."""

    @pytest.fixture
    def metadata_file(self, sandbox, tmp_path):
        sandbox.load(ACCOUNT_FILE)
        return sandbox.write_metadata(str(tmp_path / "resource-metadata.json"))

    @pytest.fixture
    def settings(self):
        return {"regions": "auto"}

    async def test_every_resource_with_its_kind_region_owner_and_rate(
        self, jp_fetch, jp_serverapp, sandbox
    ):
        await scan(jp_fetch)
        await engine_of(jp_serverapp)._billing_task
        snap = await scan(jp_fetch)
        rows = {row["id"]: row for row in snap["resources"]}
        tokyo, virginia = "ap-northeast-1", "us-east-1"
        expected = {
            # id: (kind, region, owner)
            "mlflow-tracking-server:exp-tracking": ("mlflow-tracking-server", tokyo, "alice"),
            "hyperpod-cluster:llm-train": ("hyperpod-cluster", tokyo, None),
            "partner-app:comet-team": ("partner-app", tokyo, None),
            "app:d-virginia1/alice/Canvas/default": ("app", virginia, "alice"),
            "endpoint:virginia-ep": ("endpoint", virginia, None),
        }
        for row_id, (kind, region, owner) in expected.items():
            row = rows[row_id]
            assert (row["kind"], row["region"], row["owner"]) == (kind, region, owner), row_id
        # No price table rows for the hourly services: flagged, never $0.
        for row_id in list(expected)[:3]:
            assert rows[row_id]["per_hour"] is None and "price-unknown" in rows[row_id]["warnings"]
        # us-east-1 prices (data/pricing/sagemaker_prices.csv):
        #   us-east-1,Canvas,,1.9,Hrs ; us-east-1,Hosting,ml.m5.xlarge,0.23,Hrs
        assert rows["app:d-virginia1/alice/Canvas/default"]["per_hour"] == pytest.approx(1.9)
        assert rows["endpoint:virginia-ep"]["per_hour"] == pytest.approx(0.23)
        # Scope account = region + us-east-1's 1.9 + 0.23 = 2.13 $/h.
        totals = snap["totals"]
        assert totals["account"]["per_hour"] == pytest.approx(totals["region"]["per_hour"] + 2.13)
        # alice's Canvas in us-east-1 is hers but in another region: not in "mine".
        assert rows["app:d-virginia1/alice/Canvas/default"]["scopes"] == ["account"]
        (other,) = [w for w in snap["warnings"] if w["code"] == "other-region"]
        assert other["message"] == (
            "2 resources bill $2.13/h in us-east-1, outside this region (ap-northeast-1): "
            "default, virginia-ep."
        )
