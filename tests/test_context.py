"""Classifying resource-metadata.json (pure: no AWS)."""

from __future__ import annotations

import json

from jupyter_costwidget.aws.context import classify, read_metadata

ARN = "arn:aws:sagemaker:eu-west-1:111122223333"


def test_studio_space_app():
    ctx = classify(
        {"AppType": "JupyterLab", "DomainId": "d-1", "SpaceName": "s1", "UserProfileName": "",
         "ResourceArn": f"{ARN}:app/d-1/s1/jupyterlab/default", "ResourceName": "default"}
    )  # fmt: skip
    assert (ctx.environment, ctx.region, ctx.account) == ("studio", "eu-west-1", "111122223333")
    assert (ctx.domain_id, ctx.space, ctx.user_profile) == ("d-1", "s1", None)
    assert (ctx.app_type, ctx.app_name, ctx.errors) == ("JupyterLab", "default", [])


def test_app_type_from_a_lower_case_arn():
    ctx = classify({"ResourceArn": f"{ARN}:app/d-1/s1/codeeditor/default"})
    assert (ctx.environment, ctx.app_type, ctx.space) == ("studio", "CodeEditor", "s1")


def test_studio_classic_user_app():
    ctx = classify(
        {"AppType": "KernelGateway", "DomainId": "d-1", "UserProfileName": "bob",
         "ResourceArn": f"{ARN}:app/d-1/bob/kernelgateway/ds-m5", "ResourceName": "ds-m5"}
    )  # fmt: skip
    assert (ctx.environment, ctx.user_profile, ctx.space) == ("studio-classic", "bob", None)
    assert (ctx.app_type, ctx.app_name) == ("KernelGateway", "ds-m5")


def test_notebook_instance():
    ctx = classify(
        {"ResourceArn": f"{ARN}:notebook-instance/legacy-nb", "ResourceName": "legacy-nb"}
    )
    assert (ctx.environment, ctx.app_name, ctx.domain_id) == (
        "notebook-instance",
        "legacy-nb",
        None,
    )


def test_no_file_is_local(tmp_path):
    assert read_metadata(str(tmp_path / "absent.json")) == (None, None)
    assert classify(None).environment == "local"


def test_malformed_files_name_the_file_and_the_problem(tmp_path):
    bad_json = tmp_path / "a.json"
    bad_json.write_text("{not json")
    data, error = read_metadata(str(bad_json))
    assert (
        data is None and str(bad_json) in error["message"] and "not valid JSON" in error["message"]
    )
    a_list = tmp_path / "b.json"
    a_list.write_text(json.dumps([1, 2]))
    assert "not a JSON object" in read_metadata(str(a_list))[1]["message"]
    no_arn = classify({"AppType": "JupyterLab"}, "/x/resource-metadata.json")
    assert no_arn.environment == "local"
    assert "/x/resource-metadata.json" in no_arn.errors[0]["message"]
    assert "ResourceArn" in no_arn.errors[0]["message"]


# --- the shapes AWS documents (tests/fixtures/aws/README.md names the sources) --------------
FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures" / "aws"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def test_fixture_studio_classic_takes_the_app_name_from_the_arn():
    ctx = classify(fixture("studio-classic-kernelgateway.json"))
    assert ctx.environment == "studio-classic"
    assert (ctx.region, ctx.account, ctx.domain_id) == (
        "us-east-2",
        "123456789012",
        "d-xxxxxxxxxxxx",
    )
    assert (ctx.user_profile, ctx.space, ctx.app_type) == ("profile-name", None, "KernelGateway")
    # Not ResourceName ("datascience--1-0-ml", the image): the app in the ARN.
    assert ctx.app_name == "datascience--1-0-ml-t3-medium"
    assert ctx.errors == []


def test_fixture_jupyterlab_space_has_no_user_profile_key():
    ctx = classify(fixture("studio-jupyterlab-space.json"))
    assert ctx.environment == "studio"
    assert ctx.space == "default-12345abc-0000-1111-aaaa-ab1234567890"
    assert ctx.user_profile is None  # found later with DescribeSpace
    assert (ctx.app_type, ctx.app_name, ctx.region) == ("JupyterLab", "default", "us-west-2")


def test_fixture_notebook_instance():
    ctx = classify(fixture("notebook-instance.json"))
    assert (ctx.environment, ctx.app_name, ctx.region) == (
        "notebook-instance",
        "my-notebook",
        "us-east-1",
    )
