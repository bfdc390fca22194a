"""How real accounts write things, against the sandbox: owner tags in lower case, owner tags
of other accounts and regions, names that differ only in case.

AWS facts relied on (tests/fixtures/aws/README.md names the sources): SageMaker writes the
ARNs of its `sagemaker:*-arn` owner tags in lower case; an ARN's partition, account and
region say whose resource it names. Expected dollar figures come from
data/pricing/sagemaker_prices.csv, the row quoted next to each.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

ACCOUNT = "123456789012"
REGION = "us-east-1"
DOMAIN = "d-case1"
ME = "Default-20240603T130019"  # a quick-setup profile name, with capitals


def arn(resource: str, account: str = ACCOUNT, region: str = REGION) -> str:
    return f"arn:aws:sagemaker:{region}:{account}:{resource}"


def profile_tag(name: str, **where: str) -> dict[str, str]:
    return {"sagemaker:user-profile-arn": arn(f"user-profile/{DOMAIN}/{name}", **where)}


SCENARIO: dict[str, Any] = {
    "region": REGION,
    "account": ACCOUNT,
    "domains": [
        {
            "id": DOMAIN,
            "user_profiles": [ME, "Bob", "bob"],
            "spaces": [{"name": "Team-Space", "owner": ME, "ebs_gb": 5}],
            "apps": [{"type": "JupyterLab", "space": "Team-Space", "instance": "ml.t3.medium"}],
        }
    ],
    "endpoints": [
        # Tagged by SageMaker (the sandbox writes the ARN in lower case, as AWS does).
        {"name": "mine-ep", "tags": profile_tag(ME),
         "variants": [{"instance": "ml.m5.large", "count": 1}]},
        {"name": "space-ep",
         "tags": {"sagemaker:space-arn": arn(f"space/{DOMAIN}/Team-Space")},
         "variants": [{"instance": "ml.m5.large", "count": 1}]},
        {"name": "other-account-ep", "tags": profile_tag(ME, account="999999999999"),
         "variants": [{"instance": "ml.m5.large", "count": 1}]},
        {"name": "other-region-ep", "tags": profile_tag(ME, region="us-west-2"),
         "variants": [{"instance": "ml.m5.large", "count": 1}]},
        {"name": "bob-ep", "tags": profile_tag("bob"),
         "variants": [{"instance": "ml.m5.large", "count": 1}]},
        {"name": "no-such-domain-ep",
         "tags": {"sagemaker:user-profile-arn": arn(f"user-profile/d-nope/{ME}")},
         "variants": [{"instance": "ml.m5.large", "count": 1}]},
    ],
    "me": {"domain": DOMAIN, "space": "Team-Space", "app_type": "JupyterLab"},
    "billing": {
        "month_to_date": 300.0,
        "cost_allocation_tags_active": True,
        # Cost Explorer sees the tag as SageMaker wrote it: the sandbox lower-cases it.
        "by_tag": {arn(f"user-profile/{DOMAIN}/{ME}"): 120.0},
    },
}  # fmt: skip

# us-east-1,Hosting,ml.m5.large,0.115,Hrs
HOSTING_M5_LARGE = 0.115
# us-east-1,Studio-JupyterLab,ml.t3.medium,0.05,Hrs
JUPYTERLAB_T3_MEDIUM = 0.05
# us-east-1,Studio-Storage,,0.112,GB-Mo  (5 GB of Team-Space, 730 h a month)
TEAM_SPACE_STORAGE = 5 * 0.112 / 730


@pytest.fixture
def scenario(request) -> dict[str, Any]:
    return getattr(request, "param", SCENARIO)


@pytest.fixture
def jp_server_config(costwidget_server_config, sandbox, tmp_path, scenario):
    sandbox.load(scenario)
    metadata = (
        sandbox.write_metadata(tmp_path / "resource-metadata.json") if scenario.get("me") else None
    )
    return costwidget_server_config(sandbox, metadata, state_dir=str(tmp_path / "state"))


async def spend(jp_fetch) -> dict[str, Any]:
    response = await jp_fetch("costwidget", "api", "spend", params={"refresh": "1"})
    return json.loads(response.body)


def rows(snap: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in snap["resources"]}


async def test_lower_case_owner_tags_count_as_mine(jp_fetch, sandbox):
    snap = await spend(jp_fetch)
    assert snap["context"]["user_profile"] == ME
    by_name = rows(snap)
    assert by_name["mine-ep"]["owner"] == ME  # the real name, not the tag's lower case
    assert "mine" in by_name["mine-ep"]["scopes"]
    assert by_name["space-ep"]["space"] == "Team-Space"
    assert "mine" in by_name["space-ep"]["scopes"]
    mine = {r["name"] for r in snap["resources"] if "mine" in r["scopes"]}
    assert mine == {"default", "Team-Space", "mine-ep", "space-ep"}
    # The app, its space's storage and the two endpoints.
    expected = JUPYTERLAB_T3_MEDIUM + TEAM_SPACE_STORAGE + 2 * HOSTING_M5_LARGE
    assert snap["totals"]["mine"]["per_hour"] == pytest.approx(expected)


@pytest.mark.parametrize("name", ["other-account-ep", "other-region-ep", "no-such-domain-ep"])
async def test_owner_tags_of_elsewhere_do_not_count(jp_fetch, sandbox, name):
    snap = await spend(jp_fetch)
    row = rows(snap)[name]
    assert row["owner"] is None and "mine" not in row["scopes"]
    assert any("not counted" in note for note in row["notes"]), row["notes"]
    code = (
        await jp_fetch(
            "costwidget",
            "api",
            "resources",
            "stop",
            method="POST",
            body=json.dumps({"id": f"endpoint:{name}", "confirm": True}),
            raise_error=False,
        )
    ).code
    assert code == 403  # allow_stop "mine": not this user's
    assert sandbox.calls().get("sagemaker.DeleteEndpoint", 0) == 0


async def test_names_that_differ_only_in_case_are_nobody_s(jp_fetch):
    snap = await spend(jp_fetch)
    row = rows(snap)["bob-ep"]
    assert row["owner"] is None and row["domain_id"] == DOMAIN
    assert "domain" in row["scopes"] and "mine" not in row["scopes"]
    assert any("Bob, bob" in note and "differ only in case" in note for note in row["notes"])


async def test_billed_mine_matches_the_lower_case_tag(jp_fetch):
    response = await jp_fetch("costwidget", "api", "billing")
    data = json.loads(response.body)
    assert data["tags_active"] is True
    # by_tag: 120.0 for this user's profile ARN (Cost Explorer holds it in lower case).
    assert data["mine"]["month_to_date"] == pytest.approx(120.0)


# --- what bills, as AWS describes it: selected instances, pools, async, stopped notebooks ---
BILLING_SHAPES: dict[str, Any] = {
    "region": REGION,
    "account": ACCOUNT,
    "endpoints": [
        {"name": "pools-ep", "variants": [{"pools": [
            {"instance": "ml.g5.xlarge", "count": 1}, {"instance": "ml.g6.xlarge", "count": 2}]}]},
        {"name": "async-ep", "async": True, "variants": [{"instance": "ml.g5.xlarge"}]},
    ],
    "training_jobs": [{"name": "flex-train", "preferences": ["ml.g5.xlarge", "ml.g6.xlarge"],
                       "selected": {"instance": "ml.g6.xlarge", "count": 2}}],
    "processing_jobs": [{"name": "flex-waiting", "preferences": ["ml.g5.xlarge", "ml.g6.xlarge"]}],
    "notebook_instances": [{"name": "nb-off", "instance": "ml.t3.medium", "volume_gb": 5,
                            "status": "Stopped", "age": "10d"}],
}  # fmt: skip
# us-east-1,Training,ml.g6.xlarge,1.127,Hrs
TRAINING_G6_XLARGE = 1.127
# us-east-1,Hosting,ml.g5.xlarge,1.408,Hrs     us-east-1,Hosting,ml.g6.xlarge,1.1267,Hrs
HOSTING_G5_XLARGE, HOSTING_G6_XLARGE = 1.408, 1.1267
# us-east-1,Notebook-Storage,,0.14,GB-Mo
NOTEBOOK_STORAGE = 0.14


@pytest.mark.parametrize("scenario", [BILLING_SHAPES], indirect=True, ids=["shapes"])
async def test_what_runs_is_what_is_priced(jp_fetch):
    snap = await spend(jp_fetch)
    by_name = rows(snap)
    # Flexible instance types: SelectedInstanceType x SelectedInstanceCount.
    train = by_name["flex-train"]
    assert (train["instance_type"], train["count"]) == ("ml.g6.xlarge", 2)
    assert train["per_hour"] == pytest.approx(2 * TRAINING_G6_XLARGE)  # 2.254
    # Not selected yet: unknown, never $0.
    waiting = by_name["flex-waiting"]
    assert waiting["per_hour"] is None and waiting["price_known"] is False
    assert any("not selected yet" in note for note in waiting["notes"])
    # Instance pools: every pool's type x its current count.
    pools = by_name["pools-ep"]
    assert pools["per_hour"] == pytest.approx(HOSTING_G5_XLARGE + 2 * HOSTING_G6_XLARGE)  # 3.6614
    assert pools["variants"][0]["pools"] == [
        {"instance_type": "ml.g5.xlarge", "count": 1},
        {"instance_type": "ml.g6.xlarge", "count": 2},
    ]
    # Async inference: no us-east-1 AsyncInf row, so the Hosting price, marked an estimate.
    asynchronous = by_name["async-ep"]
    assert asynchronous["per_hour"] == pytest.approx(HOSTING_G5_XLARGE)
    assert asynchronous["price_estimate"] is True
    assert any("AsyncInf" in note for note in asynchronous["notes"])
    # A stopped notebook instance: its 5 GB volume still bills.
    stopped = by_name["nb-off"]
    assert stopped["status"] == "Stopped"
    assert stopped["per_hour"] == pytest.approx(5 * NOTEBOOK_STORAGE / 730)  # 0.000958904


# --- training warm pools keep billing after the job completed -------------------------------
WARM_POOL = {
    "region": "eu-west-1",
    "account": ACCOUNT,
    "training_jobs": [
        {"name": "tuned-xgb", "instance": "ml.g4dn.xlarge", "count": 2, "volume_gb": 30,
         "status": "Completed", "warm_pool": {"status": "Available", "age": "40m"}},
        {"name": "done-long-ago", "instance": "ml.g4dn.xlarge", "status": "Completed"},
    ],
}  # fmt: skip
# eu-west-1,TrainingWarmPool,ml.g4dn.xlarge,0.822,Hrs (S4)
# eu-west-1,TrainingWarmPool-Storage,,0.154,GB-Mo (S4)
WARM_POOL_PER_HOUR = 2 * 0.822 + 2 * 30 * 0.154 / 730  # = 1.644 + 0.012657... = 1.656657...


@pytest.mark.parametrize("scenario", [WARM_POOL], indirect=True, ids=["warm-pool"])
async def test_warm_pool_is_listed_priced_warned_and_stopped(jp_fetch, jp_serverapp, sandbox):
    jp_serverapp.web_app.settings["costwidget"].config.allow_stop = "region"
    snap = await spend(jp_fetch)
    by_name = {r["id"]: r for r in snap["resources"]}
    assert "training-job:done-long-ago" not in by_name  # completed, no pool: nothing bills
    pool = by_name["training-warm-pool:tuned-xgb"]
    assert (pool["status"], pool["instance_type"], pool["count"]) == (
        "Available",
        "ml.g4dn.xlarge",
        2,
    )
    assert pool["per_hour"] == pytest.approx(WARM_POOL_PER_HOUR)
    # Held for 40 min so far: 40/60 h of it.
    assert pool["accrued"] == pytest.approx(WARM_POOL_PER_HOUR * 40 / 60, rel=0.02)
    codes = {w["code"] for w in snap["warnings"] if w["resource_id"] == pool["id"]}
    assert "warm-pool-idle" in codes
    assert sandbox.calls().get("sagemaker.ListTrainingJobs", 0) >= 2  # in progress + warm pools

    response = await jp_fetch(
        "costwidget",
        "api",
        "resources",
        "stop",
        method="POST",
        body=json.dumps({"id": pool["id"], "confirm": True}),
    )
    assert json.loads(response.body)["action"] == "sagemaker.UpdateTrainingJob"
    assert sandbox.calls().get("sagemaker.UpdateTrainingJob") == 1
    snap = await spend(jp_fetch)
    assert pool["id"] not in {r["id"] for r in snap["resources"]}  # the pool is gone


# --- Canvas apps may run in a space, as AWS allows ----------------------------------------
CANVAS_IN_SPACE: dict[str, Any] = {
    "region": REGION,
    "account": ACCOUNT,
    "domains": [
        {
            "id": DOMAIN,
            "user_profiles": [ME],
            "spaces": [{"name": "Team-Space", "owner": ME, "ebs_gb": 5}],
            "apps": [
                {"type": "JupyterLab", "space": "Team-Space", "instance": "ml.t3.medium"},
                {"type": "Canvas", "space": "Team-Space", "age": "2h"},
            ],
        }
    ],
    "me": {"domain": DOMAIN, "space": "Team-Space", "app_type": "JupyterLab"},
}
# us-east-1,Canvas,,1.9,Hrs (S10)
CANVAS = 1.9


@pytest.mark.parametrize("scenario", [CANVAS_IN_SPACE], indirect=True, ids=["canvas-in-space"])
async def test_canvas_in_a_space_is_its_owner_s(jp_fetch):
    snap = await spend(jp_fetch)
    canvas = next(r for r in snap["resources"] if r.get("app_type") == "Canvas")
    assert (canvas["space"], canvas["owner"]) == ("Team-Space", ME)
    assert "mine" in canvas["scopes"] and canvas["per_hour"] == pytest.approx(CANVAS)
    assert "canvas-running" in canvas["warnings"]


# --- Studio Classic: the metadata file names the image, the ARN the app ---------------------
CLASSIC: dict[str, Any] = {
    "region": REGION,
    "account": ACCOUNT,
    "domains": [
        {
            "id": DOMAIN,
            "user_profiles": ["alice"],
            "apps": [
                {"type": "KernelGateway", "user": "alice", "name": "datascience-ml-m5-large",
                 "instance": "ml.m5.large"},
            ],
        }
    ],
    "me": {"domain": DOMAIN, "user": "alice", "app_type": "KernelGateway",
           "app_name": "datascience-ml-m5-large"},
}  # fmt: skip
# us-east-1,Studio-Notebook,ml.m5.large,0.115,Hrs (S22): the Studio Classic (KernelGateway) row.
STUDIO_NOTEBOOK_M5_LARGE = 0.115


@pytest.mark.parametrize("scenario", [CLASSIC], indirect=True, ids=["classic"])
async def test_studio_classic_app_is_found_from_the_arn(jp_fetch, sandbox, tmp_path):
    written = json.loads((tmp_path / "resource-metadata.json").read_text())
    assert written["ResourceName"] != "datascience-ml-m5-large"  # the image, as on AWS
    snap = await spend(jp_fetch)
    ctx = snap["context"]
    assert (ctx["environment"], ctx["app_name"]) == ("studio-classic", "datascience-ml-m5-large")
    assert ctx["instance_type"] == "ml.m5.large"  # DescribeApp of the right app
    assert snap["errors"] == []
    assert snap["totals"]["self"]["per_hour"] == pytest.approx(STUDIO_NOTEBOOK_M5_LARGE)
