"""What the context asks AWS when the metadata file is not enough, and what it does when AWS
says no. AWS is a recorder of `AwsClients.call` here (the same calls against the sandbox are
in tests/test_real_aws.py); answers are shaped as botocore's sagemaker and sts models say:
DescribeApp.ResourceSpec.InstanceType, DescribeSpace.OwnershipSettings.OwnerUserProfileName,
DescribeNotebookInstance.InstanceType, GetCallerIdentity.Account."""

from __future__ import annotations

import json
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

from jupyter_costwidget.aws.clients import AwsError
from jupyter_costwidget.aws.context import (
    Context,
    classify,
    detect_context,
    enrich,
    fill_defaults,
    parse_arn,
    read_metadata,
)

ARN = "arn:aws:sagemaker:ap-northeast-1:111122223333"


class RecordedAws:
    """Answers by operation; records every call as (operation, params)."""

    def __init__(self, **answers: Any) -> None:
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        self.calls.append((f"{service}.{operation}", params))
        answer = self.answers[operation]
        if isinstance(answer, Exception):
            raise answer
        return answer


DENIED = AwsError(
    "sagemaker.DescribeSpace", "AccessDeniedException", "not allowed", "Grant sagemaker:X"
)


def space_ctx(**changes: Any) -> Context:
    base = Context(
        environment="studio",
        region="ap-northeast-1",
        account="111122223333",
        domain_id="d-1",
        space="team",
        app_type="JupyterLab",
        app_name="default",
    )
    return replace(base, **changes)


def test_a_space_app_asks_the_owner_then_the_instance():
    aws = RecordedAws(
        DescribeSpace={"OwnershipSettings": {"OwnerUserProfileName": "aiko"}},
        DescribeApp={"ResourceSpec": {"InstanceType": "ml.g5.xlarge"}},
    )
    ctx = enrich(space_ctx(), aws)
    assert aws.calls == [
        ("sagemaker.DescribeSpace", {"DomainId": "d-1", "SpaceName": "team"}),
        (
            "sagemaker.DescribeApp",
            {"DomainId": "d-1", "AppType": "JupyterLab", "AppName": "default", "SpaceName": "team"},
        ),
    ]
    assert (ctx.user_profile, ctx.instance_type, ctx.errors) == ("aiko", "ml.g5.xlarge", [])
    assert ctx.complete is True
    # Known answers are kept: nothing more is asked.
    assert enrich(ctx, aws) is ctx and len(aws.calls) == 2


def test_a_space_without_an_owner_setting_has_no_owner():
    aws = RecordedAws(DescribeSpace={}, DescribeApp={"ResourceSpec": {}})
    ctx = enrich(space_ctx(), aws)
    assert ctx.user_profile is None and ctx.instance_type is None
    assert ctx.complete is False


def test_a_classic_app_asks_by_user_profile():
    aws = RecordedAws(DescribeApp={"ResourceSpec": {"InstanceType": "ml.m5.large"}})
    ctx = space_ctx(
        environment="studio-classic", space=None, user_profile="bob", app_type="KernelGateway"
    )
    enrich(ctx, aws)
    assert aws.calls == [
        (
            "sagemaker.DescribeApp",
            {
                "DomainId": "d-1",
                "AppType": "KernelGateway",
                "AppName": "default",
                "UserProfileName": "bob",
            },
        )
    ]
    assert ctx.instance_type == "ml.m5.large" and ctx.complete is True


def test_a_notebook_instance_asks_its_type():
    aws = RecordedAws(DescribeNotebookInstance={"InstanceType": "ml.g4dn.xlarge"})
    ctx = Context(environment="notebook-instance", region="ap-northeast-1", app_name="nb1")
    enrich(ctx, aws)
    assert aws.calls == [("sagemaker.DescribeNotebookInstance", {"NotebookInstanceName": "nb1"})]
    assert ctx.instance_type == "ml.g4dn.xlarge" and ctx.complete is True


def test_local_asks_only_the_account():
    aws = RecordedAws(GetCallerIdentity={"Account": "999988887777"})
    ctx = enrich(Context(region="us-east-1"), aws)
    assert aws.calls == [("sts.GetCallerIdentity", {})]
    assert ctx.account == "999988887777" and ctx.complete is True
    assert enrich(Context(), RecordedAws()).account is None  # no region: nothing asked


def test_a_denied_call_is_an_error_entry_but_not_for_local():
    ctx = enrich(space_ctx(), RecordedAws(DescribeSpace=DENIED))
    assert ctx.errors == [DENIED.as_dict()] and ctx.user_profile is None
    # The next enrich replaces AWS errors (metadata errors stay).
    metadata_error = {"source": "metadata", "code": "MalformedMetadata", "message": "m", "hint": ""}
    ctx.errors.append(metadata_error)
    aws = RecordedAws(
        DescribeSpace={"OwnershipSettings": {"OwnerUserProfileName": "aiko"}},
        DescribeApp={"ResourceSpec": {"InstanceType": "ml.t3.medium"}},
    )
    assert enrich(ctx, aws).errors == [metadata_error]
    local = enrich(Context(region="us-east-1"), RecordedAws(GetCallerIdentity=DENIED))
    assert local.errors == [] and local.account is None


def test_context_public_fields():
    ctx = space_ctx(user_profile="aiko", instance_type="ml.g5.xlarge", resource_arn="arn:x")
    ctx.errors.append({"source": "s", "code": "c", "message": "m", "hint": "h"})
    assert ctx.public() == {
        "environment": "studio",
        "region": "ap-northeast-1",
        "account": "111122223333",
        "domain_id": "d-1",
        "user_profile": "aiko",
        "space": "team",
        "app_type": "JupyterLab",
        "app_name": "default",
        "instance_type": "ml.g5.xlarge",
    }


def test_complete_needs_the_instance_and_a_spaces_owner():
    assert Context().complete is True
    assert space_ctx(instance_type="ml.t3.medium").complete is False  # owner unknown
    assert space_ctx(instance_type="ml.t3.medium", user_profile="a").complete is True
    assert space_ctx(space=None, instance_type="ml.t3.medium").complete is True


def test_region_from_config_then_the_session(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    assert fill_defaults(Context(), SimpleNamespace(region="sa-east-1")).region == "sa-east-1"
    assert fill_defaults(Context(), SimpleNamespace(region="")).region == "eu-central-1"
    kept = fill_defaults(Context(region="ap-south-1"), SimpleNamespace(region="sa-east-1"))
    assert kept.region == "ap-south-1"


def test_detect_context_reads_classifies_and_asks(tmp_path):
    path = tmp_path / "resource-metadata.json"
    path.write_text(
        json.dumps(
            {
                "AppType": "JupyterLab",
                "DomainId": "d-1",
                "SpaceName": "team",
                "ResourceArn": f"{ARN}:app/d-1/team/jupyterlab/default",
                "ResourceName": "default",
            }
        )
    )
    aws = RecordedAws(
        DescribeSpace={"OwnershipSettings": {"OwnerUserProfileName": "aiko"}},
        DescribeApp={"ResourceSpec": {"InstanceType": "ml.g5.xlarge"}},
    )
    regions: list[str | None] = []

    def factory(region: str | None) -> RecordedAws:
        regions.append(region)
        return aws

    config = SimpleNamespace(metadata_file=str(path), region="")
    ctx = detect_context(config, factory)
    assert regions == ["ap-northeast-1"]  # the ARN's region, not a default
    assert ctx == Context(
        environment="studio",
        region="ap-northeast-1",
        account="111122223333",
        domain_id="d-1",
        user_profile="aiko",
        space="team",
        app_type="JupyterLab",
        app_name="default",
        instance_type="ml.g5.xlarge",
        resource_arn=f"{ARN}:app/d-1/team/jupyterlab/default",
    )
    path.write_text("{not json")
    broken = detect_context(config, lambda region: RecordedAws())
    assert broken.environment == "local" and broken.errors[0]["code"] == "MalformedMetadata"
    assert str(path) in broken.errors[0]["message"]
    aws.answers["GetCallerIdentity"] = {"Account": "999988887777"}
    none = detect_context(SimpleNamespace(metadata_file="", region="us-east-1"), factory)
    assert (none.environment, none.region, none.account) == ("local", "us-east-1", "999988887777")


def test_classify_whole_contexts():
    assert classify({"ResourceArn": f"{ARN}:app/d-1/bob/kernelgateway/ds-m5"}) == Context(
        environment="studio-classic",
        region="ap-northeast-1",
        account="111122223333",
        domain_id="d-1",
        user_profile="bob",
        app_type="KernelGateway",
        app_name="ds-m5",
        resource_arn=f"{ARN}:app/d-1/bob/kernelgateway/ds-m5",
    )
    nb = classify({"ResourceArn": f"{ARN}:notebook-instance/legacy"})
    assert (nb.environment, nb.app_name, nb.errors) == ("notebook-instance", "legacy", [])
    # A space named in the file without a user profile is a Studio space, whatever the type.
    canvas = classify({"ResourceArn": f"{ARN}:app/d-1/team/canvas/default", "SpaceName": "team"})
    assert (canvas.environment, canvas.space, canvas.app_type) == ("studio", "team", "Canvas")
    # An unknown app type in the ARN is kept as written.
    odd = classify({"ResourceArn": f"{ARN}:app/d-1/bob/NewType/x"})
    assert (odd.environment, odd.app_type) == ("studio-classic", "NewType")


def test_classify_refuses_what_it_cannot_place():
    for metadata, problem in (
        ({"ResourceArn": "nonsense"}, "has no valid ResourceArn"),
        ({"ResourceArn": 42}, "has no valid ResourceArn"),
        ({}, "has no valid ResourceArn"),
        ({"ResourceArn": f"{ARN}:endpoint/e1"}, "names an unknown kind of resource (endpoint)"),
        ({"ResourceArn": f"{ARN}:app/d-1"}, "lacks DomainId, AppType or the app name"),
    ):
        ctx = classify(metadata, "/opt/ml/metadata/resource-metadata.json")
        assert ctx.environment == "local" or problem.startswith("names"), metadata
        assert ctx.errors == [
            {
                "source": "metadata",
                "code": "MalformedMetadata",
                "message": "The SageMaker metadata file /opt/ml/metadata/resource-metadata.json "
                f"{problem}; treating this server as local.",
                "hint": "Fix or remove the file, or set c.CostWidget.metadata_file to the right "
                "path.",
            }
        ]


# --- what the file says against what its ARN says ------------------------------------------------
def test_the_files_fields_win_over_the_arns_pieces():
    ctx = classify(
        {
            "ResourceArn": f"{ARN}:app/d-arn/arn-space/jupyterlab/arn-app",
            "DomainId": "d-file",
            "AppType": "CodeEditor",
            "SpaceName": "file-space",
            "ResourceName": "file-app",
        }
    )
    assert (ctx.domain_id, ctx.app_type, ctx.space, ctx.app_name) == (
        "d-file",
        "CodeEditor",
        "file-space",
        "file-app",
    )
    nb = classify({"ResourceArn": f"{ARN}:notebook-instance/arn-name", "ResourceName": "nb"})
    assert nb.app_name == "nb"


def test_classic_takes_the_user_from_the_file_and_the_app_from_the_arn():
    ctx = classify(
        {
            "ResourceArn": f"{ARN}:app/d-1/arn-user/kernelgateway/ds-m5",
            "UserProfileName": "file-user",
            "ResourceName": "datascience--1-0-ml",  # the image, as Studio Classic writes it
        }
    )
    assert (ctx.environment, ctx.user_profile, ctx.app_name) == (
        "studio-classic",
        "file-user",
        "ds-m5",
    )
    short = classify(
        {"ResourceArn": f"{ARN}:app/d-1/bob/kernelgateway", "ResourceName": "from-file"}
    )
    assert (short.app_name, short.app_type, short.errors) == ("from-file", "KernelGateway", [])


def test_short_app_arns_fail_clearly():
    for resource in ("app/d-1/bob", "app/d-1"):
        ctx = classify({"ResourceArn": f"{ARN}:{resource}"}, "m.json")
        assert ctx.environment == "local" and ctx.domain_id is None
        assert ctx.errors[0]["message"] == (
            "The SageMaker metadata file m.json lacks DomainId, AppType or the app name; "
            "treating this server as local."
        )
    named = classify({"ResourceArn": f"{ARN}:app/d-1/bob", "AppType": "KernelGateway",
                      "ResourceName": "x"})  # fmt: skip
    assert (named.environment, named.user_profile, named.app_name) == ("studio-classic", "bob", "x")
    spaced = classify({"ResourceArn": f"{ARN}:app/d-1", "SpaceName": "s", "AppType": "JupyterLab",
                       "ResourceName": "default"})  # fmt: skip
    assert (spaced.environment, spaced.space, spaced.domain_id) == ("studio", "s", "d-1")


def test_parse_arn():
    assert parse_arn("arn:aws:sagemaker:us-east-1:123:app/d-1/s:x/jupyterlab/default") == {
        "partition": "aws",
        "service": "sagemaker",
        "region": "us-east-1",
        "account": "123",
        "resource": "app/d-1/s:x/jupyterlab/default",
    }
    assert parse_arn("urn:aws:sagemaker:us-east-1:123:app/x") == {}
    assert parse_arn("arn:aws:sagemaker:us-east-1") == {}
    assert parse_arn(None) == {}  # type: ignore[arg-type]


def test_read_metadata_problems_name_the_file(tmp_path):
    folder = tmp_path / "a-folder.json"
    folder.mkdir()
    data, error = read_metadata(str(folder))
    assert data is None
    assert error["message"] == (
        f"The SageMaker metadata file {folder} cannot be read (Is a directory); treating this "
        "server as local."
    )
    listed = tmp_path / "list.json"
    listed.write_text("[]")
    assert read_metadata(str(listed))[1]["message"] == (
        f"The SageMaker metadata file {listed} is not a JSON object; treating this server as local."
    )
    good = tmp_path / "ok.json"
    good.write_text(json.dumps({"ResourceArn": "x", "Note": "日本語"}), encoding="utf-8")
    assert read_metadata(str(good)) == ({"ResourceArn": "x", "Note": "日本語"}, None)


def test_an_app_needs_its_domain_its_type_and_its_name():
    for metadata in (
        {"ResourceArn": f"{ARN}:app/d-1/bob/kernelgateway"},  # no app name
        {"ResourceArn": f"{ARN}:app//bob/kernelgateway/x"},  # no domain
        {"ResourceArn": f"{ARN}:app/d-1/bob", "ResourceName": "x"},  # no app type
    ):
        ctx = classify(metadata)
        assert (ctx.environment, ctx.app_name, ctx.domain_id) == ("local", None, None), metadata
        assert ctx.errors[0]["message"] == (
            "The SageMaker metadata file  lacks DomainId, AppType or the app name; treating "
            "this server as local."
        )


def test_detect_context_names_the_file_a_bad_arn_came_from(tmp_path):
    path = tmp_path / "resource-metadata.json"
    path.write_text(json.dumps({"ResourceArn": "not-an-arn"}))
    ctx = detect_context(SimpleNamespace(metadata_file=str(path), region="eu-west-1"),
                         lambda region: RecordedAws(GetCallerIdentity={}))  # fmt: skip
    assert ctx.errors[0]["message"] == (
        f"The SageMaker metadata file {path} has no valid ResourceArn; treating this server "
        "as local."
    )
