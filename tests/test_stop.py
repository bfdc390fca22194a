"""POST costwidget/api/resources/stop against the sandbox, through a real jupyter server.

Each kind's stop call is checked on the wire (the sandbox's call counter, and for apps the
app's status as AWS reports it afterwards); refusals by c.CostWidget.allow_stop, unknown ids and
bad bodies never reach AWS.
"""

from __future__ import annotations

import json
import logging

import boto3
import pytest
import tornado.httpclient

ACCOUNT = "123456789012"
REGION = "us-east-1"
ALICE_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:user-profile/d-stop1/alice"
ALICE_TAGS = {"sagemaker:user-profile-arn": ALICE_ARN}

SCENARIO = {
    "region": REGION,
    "account": ACCOUNT,
    "domains": [
        {
            "id": "d-stop1",
            "name": "research",
            "efs_gb": 10,
            "user_profiles": ["alice", "bob"],
            "spaces": [
                {"name": "alice-space", "owner": "alice", "ebs_gb": 50},
                {"name": "alice-lab2", "owner": "alice", "ebs_gb": 5},
            ],
            "apps": [
                {"type": "JupyterLab", "space": "alice-space", "name": "default",
                 "instance": "ml.t3.medium", "status": "InService", "age": "3h"},
                {"type": "CodeEditor", "space": "alice-lab2", "name": "default",
                 "instance": "ml.t3.medium", "status": "InService", "age": "1h"},
                {"type": "KernelGateway", "user": "bob", "name": "datascience-t3",
                 "instance": "ml.t3.medium", "status": "InService", "age": "2d"},
                {"type": "Canvas", "user": "bob", "name": "default", "status": "InService",
                 "age": "9d"},
            ],
        },
        {"id": "d-other", "efs_gb": 1, "user_profiles": ["carol"], "spaces": [], "apps": []},
    ],
    "endpoints": [
        {"name": "churn-xgb", "age": "3d", "invocations_24h": 0, "tags": ALICE_TAGS,
         "variants": [{"instance": "ml.m5.xlarge", "count": 2, "volume_gb": 4}]},
        {"name": "team-ep", "age": "3d", "invocations_24h": 5,
         "variants": [{"instance": "ml.m5.large", "count": 1, "volume_gb": 4}]},
    ],
    "training_jobs": [{"name": "bert-ft", "instance": "ml.m5.xlarge", "count": 1,
                       "age": "2h", "tags": ALICE_TAGS}],
    "processing_jobs": [{"name": "prep", "instance": "ml.m5.xlarge", "count": 1, "age": "1h",
                         "tags": ALICE_TAGS}],
    "transform_jobs": [{"name": "score", "instance": "ml.m5.xlarge", "count": 1, "age": "1h",
                        "tags": ALICE_TAGS}],
    "notebook_instances": [{"name": "legacy-nb", "instance": "ml.t3.medium", "volume_gb": 5,
                            "status": "InService", "age": "30d"}],
    "me": {"domain": "d-stop1", "space": "alice-space", "app_type": "JupyterLab",
           "app_name": "default"},
}  # fmt: skip

ALICE_LAB2 = "app:d-stop1/alice-lab2/CodeEditor/default"
BOB_KG = "app:d-stop1/bob/KernelGateway/datascience-t3"
BOB_CANVAS = "app:d-stop1/bob/Canvas/default"


@pytest.fixture
def metadata_file(sandbox, tmp_path):
    sandbox.load(SCENARIO)
    return sandbox.write_metadata(str(tmp_path / "resource-metadata.json"))


@pytest.fixture
def jp_server_config(costwidget_server_config, sandbox, metadata_file):
    return costwidget_server_config(sandbox, metadata_file, aws_max_attempts=2)


def state_of(jp_serverapp):
    return jp_serverapp.web_app.settings["costwidget"]


async def scan(jp_fetch) -> dict:
    response = await jp_fetch("costwidget", "api", "spend", params={"refresh": "1"})
    return json.loads(response.body)


async def post_stop(jp_fetch, body, raw: bytes | None = None):
    response = await jp_fetch(
        "costwidget",
        "api",
        "resources",
        "stop",
        method="POST",
        body=raw if raw is not None else json.dumps(body),
        raise_error=False,
    )
    return response.code, json.loads(response.body or b"{}")


def sagemaker(sandbox):
    return boto3.client("sagemaker", region_name=sandbox.region, endpoint_url=sandbox.url)


def stop_calls(sandbox) -> dict[str, int]:
    return {
        k: v
        for k, v in sandbox.calls().items()
        if k.split(".", 1)[-1].startswith(("Stop", "Delete"))
    }


# ------------------------------------------------------------------ every kind, on the wire
@pytest.mark.parametrize(
    ("resource_id", "operation"),
    [
        ("endpoint:churn-xgb", "DeleteEndpoint"),
        ("training-job:bert-ft", "StopTrainingJob"),
        ("processing-job:prep", "StopProcessingJob"),
        ("transform-job:score", "StopTransformJob"),
        ("notebook-instance:legacy-nb", "StopNotebookInstance"),
        (ALICE_LAB2, "DeleteApp"),
        (BOB_KG, "DeleteApp"),
    ],
)
async def test_each_kind_makes_its_stop_call(
    jp_fetch, jp_serverapp, sandbox, resource_id, operation
):
    state_of(jp_serverapp).config.allow_stop = "region"
    snap = await scan(jp_fetch)
    assert resource_id in {r["id"] for r in snap["resources"]}
    sandbox.reset_calls()

    code, body = await post_stop(jp_fetch, {"id": resource_id, "confirm": True})

    assert code == 200, body
    assert body["action"] == f"sagemaker.{operation}"
    assert stop_calls(sandbox) == {f"sagemaker.{operation}": 1}


async def test_delete_app_names_the_space_or_the_user_profile(jp_fetch, jp_serverapp, sandbox):
    state_of(jp_serverapp).config.allow_stop = "region"
    await scan(jp_fetch)
    for rid in (ALICE_LAB2, BOB_KG):
        code, body = await post_stop(jp_fetch, {"id": rid, "confirm": True})
        assert code == 200, body
    client = sagemaker(sandbox)
    space_app = client.describe_app(
        DomainId="d-stop1", SpaceName="alice-lab2", AppType="CodeEditor", AppName="default"
    )
    user_app = client.describe_app(
        DomainId="d-stop1", UserProfileName="bob", AppType="KernelGateway", AppName="datascience-t3"
    )
    assert space_app["Status"] in ("Deleting", "Deleted")
    assert user_app["Status"] in ("Deleting", "Deleted")
    # This user's own app was not touched.
    mine = client.describe_app(
        DomainId="d-stop1", SpaceName="alice-space", AppType="JupyterLab", AppName="default"
    )
    assert mine["Status"] == "InService"


async def test_stopped_endpoint_leaves_the_next_snapshot(jp_fetch, sandbox):
    await scan(jp_fetch)
    code, _ = await post_stop(jp_fetch, {"id": "endpoint:churn-xgb", "confirm": True})
    assert code == 200
    snap = await scan(jp_fetch)
    ids = {r["id"] for r in snap["resources"]}
    assert "endpoint:churn-xgb" not in ids
    assert "endpoint:team-ep" in ids


# ------------------------------------------------------------------ the resource now, not then
BOB_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:user-profile/d-stop1/bob"


async def test_endpoint_swapped_for_another_users_is_not_deleted(jp_fetch, sandbox):
    # The snapshot shows alice's churn-xgb. Then it is deleted and a new endpoint of the same
    # name is created by bob. Alice's stop must not delete bob's endpoint.
    snap = await scan(jp_fetch)
    row = next(r for r in snap["resources"] if r["id"] == "endpoint:churn-xgb")
    assert "mine" in row["scopes"] and row["owner"] == "alice"
    client = sagemaker(sandbox)
    config = client.describe_endpoint(EndpointName="churn-xgb")["EndpointConfigName"]
    client.delete_endpoint(EndpointName="churn-xgb")
    client.create_endpoint(
        EndpointName="churn-xgb",
        EndpointConfigName=config,
        Tags=[{"Key": "sagemaker:user-profile-arn", "Value": BOB_ARN}],
    )
    sandbox.reset_calls()

    code, body = await post_stop(jp_fetch, {"id": "endpoint:churn-xgb", "confirm": True})

    assert code == 409, body
    assert "changed since the last scan" in body["message"]
    assert "owner changed from alice to bob" in body["message"]
    assert stop_calls(sandbox) == {}
    assert client.describe_endpoint(EndpointName="churn-xgb")["EndpointStatus"] == "InService"
    # It was described afresh, with its tags (the refused stop also asks for a new scan).
    assert sandbox.calls().get("sagemaker.DescribeEndpoint", 0) >= 1
    assert sandbox.calls().get("sagemaker.ListTags", 0) >= 1


async def test_retagged_job_is_refused_and_an_unchanged_one_stops(jp_fetch, sandbox):
    await scan(jp_fetch)
    client = sagemaker(sandbox)
    arn = client.describe_training_job(TrainingJobName="bert-ft")["TrainingJobArn"]
    client.add_tags(ResourceArn=arn, Tags=[{"Key": "sagemaker:user-profile-arn", "Value": BOB_ARN}])
    code, body = await post_stop(jp_fetch, {"id": "training-job:bert-ft", "confirm": True})
    assert code == 409 and "owner changed from alice to bob" in body["message"]
    assert stop_calls(sandbox) == {}
    # Processing job "prep" still carries alice's tag: stopped, after one fresh describe.
    sandbox.reset_calls()
    code, body = await post_stop(jp_fetch, {"id": "processing-job:prep", "confirm": True})
    assert code == 200, body
    assert stop_calls(sandbox) == {"sagemaker.StopProcessingJob": 1}
    assert sandbox.calls().get("sagemaker.DescribeProcessingJob") == 1


async def test_resource_gone_since_the_scan_is_a_409(jp_fetch, sandbox):
    await scan(jp_fetch)
    sagemaker(sandbox).delete_endpoint(EndpointName="churn-xgb")
    sandbox.reset_calls()
    code, body = await post_stop(jp_fetch, {"id": "endpoint:churn-xgb", "confirm": True})
    assert code == 409 and "no longer exists" in body["message"]
    assert stop_calls(sandbox) == {}


# ------------------------------------------------------------------ allow_stop policy
async def test_default_mine_allows_own_and_refuses_others(jp_fetch, sandbox):
    snap = await scan(jp_fetch)
    rows = {row["id"]: row for row in snap["resources"]}
    # The rows say so before any click; the server still checks each stop below.
    assert rows["endpoint:churn-xgb"]["stoppable"] is True
    assert rows["endpoint:churn-xgb"]["stop_refused_reason"] is None
    assert rows[BOB_CANVAS]["stoppable"] is False
    assert "is not yours" in rows[BOB_CANVAS]["stop_refused_reason"]
    sandbox.reset_calls()
    code, body = await post_stop(jp_fetch, {"id": BOB_CANVAS, "confirm": True})
    assert code == 403
    assert "allow_stop" in body["message"] and "'mine'" in body["message"]
    code, body = await post_stop(jp_fetch, {"id": "endpoint:team-ep", "confirm": True})
    assert code == 403
    assert stop_calls(sandbox) == {}
    code, body = await post_stop(jp_fetch, {"id": "endpoint:churn-xgb", "confirm": True})
    assert code == 200, body
    assert stop_calls(sandbox) == {"sagemaker.DeleteEndpoint": 1}


async def test_domain_allows_domain_resources_only(jp_fetch, jp_serverapp, sandbox):
    state_of(jp_serverapp).config.allow_stop = "domain"
    await scan(jp_fetch)
    sandbox.reset_calls()
    code, body = await post_stop(jp_fetch, {"id": "notebook-instance:legacy-nb", "confirm": True})
    assert code == 403 and "'domain'" in body["message"]
    assert stop_calls(sandbox) == {}
    code, body = await post_stop(jp_fetch, {"id": BOB_CANVAS, "confirm": True})
    assert code == 200, body
    assert stop_calls(sandbox) == {"sagemaker.DeleteApp": 1}


async def test_none_refuses_everything(jp_fetch, jp_serverapp, sandbox):
    state_of(jp_serverapp).config.allow_stop = "none"
    await scan(jp_fetch)
    sandbox.reset_calls()
    code, body = await post_stop(jp_fetch, {"id": "endpoint:churn-xgb", "confirm": True})
    assert code == 403 and "'none'" in body["message"]
    assert stop_calls(sandbox) == {}


# ------------------------------------------------------------------ bad requests
async def test_unknown_id_is_404(jp_fetch, sandbox):
    await scan(jp_fetch)
    code, body = await post_stop(jp_fetch, {"id": "endpoint:nope", "confirm": True})
    assert code == 404 and "endpoint:nope" in body["message"]


async def test_a_huge_id_is_not_echoed_whole(jp_fetch, sandbox):
    await scan(jp_fetch)
    huge = "endpoint:" + "x" * 1_000_000
    code, body = await post_stop(jp_fetch, {"id": huge, "confirm": True})
    assert code == 404
    assert len(json.dumps(body)) < 1_000  # the message and the id are cut
    assert "1000009 characters" in body["message"]


@pytest.mark.parametrize(
    ("body", "raw"),
    [
        ({"id": "endpoint:churn-xgb"}, None),
        ({"id": "endpoint:churn-xgb", "confirm": False}, None),
        ({"id": "endpoint:churn-xgb", "confirm": "yes"}, None),
        ({"confirm": True}, None),
        ({"id": 7, "confirm": True}, None),
        (None, b"{not json"),
        (None, b"[1, 2]"),
    ],
)
async def test_bad_bodies_are_400_and_reach_no_aws(jp_fetch, sandbox, body, raw):
    await scan(jp_fetch)
    sandbox.reset_calls()
    code, answer = await post_stop(jp_fetch, body, raw=raw)
    assert code == 400
    assert answer["message"]
    assert stop_calls(sandbox) == {}


@pytest.mark.parametrize("resource_id", ["space-storage:d-stop1/alice-space", "efs:"])
async def test_storage_cannot_be_stopped(jp_fetch, jp_serverapp, sandbox, resource_id):
    state_of(jp_serverapp).config.allow_stop = "region"
    snap = await scan(jp_fetch)
    if resource_id == "efs:":
        resource_id = next(r["id"] for r in snap["resources"] if r["kind"] == "efs")
    sandbox.reset_calls()
    code, body = await post_stop(jp_fetch, {"id": resource_id, "confirm": True})
    assert code == 409
    assert "cannot be stopped" in body["message"]
    assert stop_calls(sandbox) == {}


async def test_unauthenticated_stop_is_refused(jp_fetch, sandbox):
    await scan(jp_fetch)
    sandbox.reset_calls()
    with pytest.raises(tornado.httpclient.HTTPClientError) as info:
        await jp_fetch(
            "costwidget",
            "api",
            "resources",
            "stop",
            method="POST",
            body=json.dumps({"id": "endpoint:churn-xgb", "confirm": True}),
            headers={"Authorization": ""},
        )
    assert info.value.code == 403
    assert stop_calls(sandbox) == {}


# ------------------------------------------------------------------ AWS failure, logging
async def test_access_denied_is_reported_with_the_iam_action(jp_fetch, sandbox):
    await scan(jp_fetch)
    sandbox.fault({"deny": ["sagemaker.DeleteEndpoint"]})
    try:
        code, body = await post_stop(jp_fetch, {"id": "endpoint:churn-xgb", "confirm": True})
    finally:
        sandbox.clear_faults()
    assert code == 502
    assert body["error"]["source"] == "sagemaker.DeleteEndpoint"
    assert "sagemaker:DeleteEndpoint" in body["error"]["hint"]


async def test_every_stop_is_logged_without_secrets(jp_fetch, jp_serverapp, sandbox, caplog):
    await scan(jp_fetch)
    caplog.set_level(logging.INFO)
    await post_stop(jp_fetch, {"id": "endpoint:churn-xgb", "confirm": True})
    await post_stop(jp_fetch, {"id": BOB_CANVAS, "confirm": True})
    text = "\n".join(r.getMessage() for r in caplog.records if "costwidget stop" in r.getMessage())
    stopped = next(line for line in text.splitlines() if "id=endpoint:churn-xgb" in line)
    assert "action=sagemaker.DeleteEndpoint" in stopped and "result=ok" in stopped
    assert "arn=arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn-xgb" in stopped
    assert f"id={BOB_CANVAS}" in text and "refused" in text
    # Who asked: the Jupyter user and this server's SageMaker identity.
    assert "user=" in stopped
    assert "domain=d-stop1 user_profile=alice space=alice-space" in stopped
    assert "testing" not in text  # the dummy AWS key/secret never reach the log
