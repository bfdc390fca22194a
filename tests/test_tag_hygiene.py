"""Tag hygiene: pure checks of running endpoints' and jobs' tags."""

from __future__ import annotations

from types import SimpleNamespace

from jupyter_costwidget.spend.tag_hygiene import apply_tag_hygiene, tag_missing_warnings

PROFILE = "arn:aws:sagemaker:us-east-1:123456789012:user-profile/d-x/alice"
SPACE = "arn:aws:sagemaker:us-east-1:123456789012:space/d-x/alice-space"
DOMAIN = "arn:aws:sagemaker:us-east-1:123456789012:domain/d-x"
STUDIO = {"sagemaker:user-profile-arn": PROFILE, "sagemaker:domain-arn": DOMAIN}


def res(kind="endpoint", status="InService", tags=None, name="e1"):
    return {"id": f"{kind}:{name}", "kind": kind, "name": name, "status": status, "tags": tags}


def test_fully_tagged_resources_get_no_warning():
    resources = [
        res(tags={**STUDIO, "cost-center": "ml"}),
        res("training-job", "InProgress", {"sagemaker:space-arn": SPACE,
                                           "sagemaker:domain-arn": DOMAIN, "cost-center": "x"}),
    ]  # fmt: skip
    assert tag_missing_warnings(resources, ["cost-center"]) == []


def test_missing_required_tag_is_named():
    [warning] = tag_missing_warnings([res(tags=dict(STUDIO))], ["cost-center", "project"])
    assert warning["code"] == "tag-missing"
    assert warning["severity"] == "warning"
    assert warning["resource_id"] == "endpoint:e1"
    assert "cost-center" in warning["message"] and "project" in warning["message"]
    assert "sagemaker:" not in warning["message"]
    assert warning["missing"] == ["cost-center", "project"]


def test_blank_required_tag_counts_as_missing():
    [warning] = tag_missing_warnings([res(tags={**STUDIO, "cost-center": " "})], ["cost-center"])
    assert warning["missing"] == ["cost-center"]


def test_missing_studio_tags_without_required_tags():
    [warning] = tag_missing_warnings([res("processing-job", "InProgress", {}, "prep")])
    assert warning["missing"] == [
        "sagemaker:user-profile-arn or sagemaker:space-arn or sagemaker:shared-space-arn",
        "sagemaker:domain-arn",
    ]
    assert warning["message"].startswith("Processing job prep is missing")
    only_domain = tag_missing_warnings([res(tags={"sagemaker:shared-space-arn": SPACE})])
    assert only_domain[0]["missing"] == ["sagemaker:domain-arn"]


def test_stopped_unknown_and_other_kinds_are_not_checked():
    resources = [
        res(status="Failed", tags={}),
        res("training-job", "Completed", {}),
        res(tags=None),  # tags unknown (e.g. ListTags denied): no guess
        res("app", "InService", {}),
        res("notebook-instance", "InService", {}),
    ]
    assert tag_missing_warnings(resources, ["cost-center"]) == []


def test_apply_adds_warnings_codes_and_tags_to_the_spend_result():
    spend = {
        "resources": [
            {"id": "endpoint:e1", "warnings": ["endpoint-idle"]},
            {"id": "training-job:t1", "warnings": []},
        ],
        "warnings": [{"code": "endpoint-idle", "resource_id": "endpoint:e1"}],
    }
    resources = [
        SimpleNamespace(id="endpoint:e1", kind="endpoint", name="e1", status="InService",
                        facts={"tags": {}}),
        SimpleNamespace(id="training-job:t1", kind="training-job", name="t1",
                        status="InProgress", facts={"tags": {**STUDIO, "cost-center": "a"}}),
    ]  # fmt: skip
    apply_tag_hygiene(spend, resources, ["cost-center"])
    assert [w["code"] for w in spend["warnings"]] == ["endpoint-idle", "tag-missing"]
    assert spend["resources"][0]["warnings"] == ["endpoint-idle", "tag-missing"]
    assert spend["resources"][0]["tags"] == {}
    assert spend["resources"][1]["warnings"] == []
    assert spend["resources"][1]["tags"]["cost-center"] == "a"


# --- through the spend engine and GET /spend (real server, sandbox) ---------------------

import json  # noqa: E402

import pytest  # noqa: E402

ACCOUNT = "123456789012"
TAGGED = {
    "sagemaker:user-profile-arn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:user-profile/d-t/alice",
    "sagemaker:domain-arn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:domain/d-t",
}
SCENARIO = {
    "region": "us-east-1",
    "account": ACCOUNT,
    "domains": [{"id": "d-t", "user_profiles": ["alice"]}],
    "endpoints": [
        {"name": "good", "tags": {**TAGGED, "cost-center": "ml"},
         "variants": [{"instance": "ml.m5.xlarge"}]},
        {"name": "no-cc", "tags": dict(TAGGED), "variants": [{"instance": "ml.m5.xlarge"}]},
        {"name": "gone", "status": "Failed", "variants": [{"instance": "ml.m5.xlarge"}]},
    ],
    "training_jobs": [
        {"name": "ci-train", "instance": "ml.m5.xlarge", "tags": {"cost-center": "ci"}},
        {"name": "done", "instance": "ml.m5.xlarge", "status": "Completed"},
    ],
}  # fmt: skip


@pytest.fixture
def jp_server_config(costwidget_server_config, sandbox, tmp_path):
    sandbox.load(SCENARIO)
    return costwidget_server_config(
        sandbox,
        tmp_path / "none.json",
        state_dir=str(tmp_path / "state"),
        required_tags=["cost-center"],
    )


async def test_spend_reports_tag_missing_for_running_endpoints_and_jobs(jp_fetch):
    response = await jp_fetch("costwidget", "api", "spend", params={"refresh": "1"})
    snap = json.loads(response.body)
    found = {w["resource_id"]: w for w in snap["warnings"] if w["code"] == "tag-missing"}
    assert set(found) == {"endpoint:no-cc", "training-job:ci-train"}
    assert found["endpoint:no-cc"]["missing"] == ["cost-center"]
    assert "sagemaker:domain-arn" in found["training-job:ci-train"]["message"]
    rows = {row["id"]: row for row in snap["resources"]}
    assert "tag-missing" in rows["endpoint:no-cc"]["warnings"]
    assert "tag-missing" not in rows["endpoint:good"]["warnings"]
    assert rows["endpoint:good"]["tags"]["cost-center"] == "ml"


async def test_unreadable_tags_are_not_reported_as_missing(jp_fetch, sandbox):
    await jp_fetch("costwidget", "api", "spend", params={"refresh": "1"})
    tag_calls = [k for k in sandbox.calls() if k.endswith((".GetResources", ".ListTags"))]
    assert tag_calls == ["tagging.GetResources"]  # one call for all tags
    sandbox.fault({"deny": ["tagging.GetResources", "sagemaker.ListTags"]})
    # A fresh server would not know any tags; this one forgets them on a new job.
    sandbox.load({**SCENARIO, "training_jobs": [{"name": "new-job", "instance": "ml.m5.xlarge"}]})
    sandbox.fault({"deny": ["tagging.GetResources", "sagemaker.ListTags"]})
    response = await jp_fetch("costwidget", "api", "spend", params={"refresh": "1"})
    snap = json.loads(response.body)
    rows = {row["id"]: row for row in snap["resources"]}
    assert "training-job:new-job" in rows
    assert "tag-missing" not in rows["training-job:new-job"]["warnings"]
