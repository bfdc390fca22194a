"""Who may stop what, and which AWS call stops each kind (pure; the HTTP route is in
tests/test_stop.py). Stop operations and their parameters: botocore's sagemaker model
(DeleteApp, DeleteEndpoint, StopNotebookInstance, Stop*Job, UpdateTrainingJob)."""

from __future__ import annotations

import botocore.session
import pytest

from jupyter_costwidget.stop.rules import (
    NOT_STOPPABLE,
    STATUS_AFTER_STOP,
    StopCall,
    StopRefused,
    check_allowed,
    mark_stoppable,
    stop_call,
    stop_resource,
)


def test_policy_without_aws():
    mine = {"id": "endpoint:e", "kind": "endpoint", "name": "e", "scopes": ["mine", "region"]}
    other = {"id": "endpoint:f", "kind": "endpoint", "name": "f", "scopes": ["domain", "region"]}
    check_allowed(mine, "mine")
    check_allowed(other, "domain")
    check_allowed(other, "region")
    for resource, policy in ((other, "mine"), (mine, "none"), ({**mine, "scopes": []}, "domain")):
        with pytest.raises(StopRefused) as info:
            check_allowed(resource, policy)
        assert info.value.status == 403


def test_delete_app_names_the_space_or_the_user_profile():
    row = {"id": "app:d-1/alice-space/JupyterLab/default", "kind": "app", "name": "default",
           "app_type": "JupyterLab", "domain_id": "d-1", "space": "alice-space"}  # fmt: skip
    assert stop_call(row).params == {
        "DomainId": "d-1",
        "AppType": "JupyterLab",
        "AppName": "default",
        "SpaceName": "alice-space",
    }
    classic = {"id": "app:d-1/bob/KernelGateway/ds", "kind": "app", "name": "ds",
               "app_type": "KernelGateway", "domain_id": "d-1", "space": None}  # fmt: skip
    assert stop_call(classic) == StopCall(
        "sagemaker",
        "DeleteApp",
        {"DomainId": "d-1", "AppType": "KernelGateway", "AppName": "ds", "UserProfileName": "bob"},
    )
    # Canvas in a space (the row says so): the space.
    canvas = {"id": "app:d-1/team/Canvas/default", "kind": "app", "space": "team"}
    assert stop_call(canvas).params == {
        "DomainId": "d-1",
        "AppType": "Canvas",
        "AppName": "default",
        "SpaceName": "team",
    }
    for broken in ("app:d-1/bob/KernelGateway", "app:d-1//KernelGateway/ds", "", None):
        with pytest.raises(StopRefused) as info:
            stop_call({"id": broken, "kind": "app", "name": "ds"})
        assert info.value.status == 409
        assert info.value.message == "Not enough is known about this app to delete it."
    with pytest.raises(StopRefused) as info:
        stop_call({"id": "efs:fs-1", "kind": "efs", "name": "fs-1"})
    assert info.value.status == 409


@pytest.mark.parametrize(
    ("kind", "operation", "params"),
    [
        ("endpoint", "DeleteEndpoint", {"EndpointName": "r"}),
        ("notebook-instance", "StopNotebookInstance", {"NotebookInstanceName": "r"}),
        ("training-job", "StopTrainingJob", {"TrainingJobName": "r"}),
        ("processing-job", "StopProcessingJob", {"ProcessingJobName": "r"}),
        ("transform-job", "StopTransformJob", {"TransformJobName": "r"}),
        (
            "training-warm-pool",
            "UpdateTrainingJob",
            {"TrainingJobName": "r", "ResourceConfig": {"KeepAlivePeriodInSeconds": 0}},
        ),
    ],
)
def test_each_kind_has_its_call(kind, operation, params):
    call = stop_call({"id": f"{kind}:r", "kind": kind, "name": "r"})
    assert (call.service, call.operation, call.params) == ("sagemaker", operation, params)
    assert call.source == f"sagemaker.{operation}"


@pytest.mark.parametrize("kind", ["endpoint", "training-warm-pool", "mlflow", ""])
def test_unnamed_or_unknown_kinds_cannot_stop(kind):
    with pytest.raises(StopRefused) as info:
        stop_call({"id": "x", "kind": kind, "name": "" if kind != "mlflow" else "m"})
    assert info.value.status == 409 and "cannot be stopped" in info.value.message


@pytest.mark.parametrize("kind", sorted(NOT_STOPPABLE))
def test_storage_says_why_it_cannot_stop(kind):
    with pytest.raises(StopRefused) as info:
        stop_call({"id": f"{kind}:x", "kind": kind, "name": "x"})
    assert info.value.status == 409 and info.value.message == NOT_STOPPABLE[kind]


def test_delete_app_from_the_id_alone():
    space_app = {"id": "app:d-1/alice-space/CodeEditor/default", "kind": "app"}
    assert stop_call(space_app).params == {
        "DomainId": "d-1",
        "AppType": "CodeEditor",
        "AppName": "default",
        "SpaceName": "alice-space",
    }
    canvas = {"id": "app:d-1/bob/Canvas/default", "kind": "app"}
    assert stop_call(canvas).params == {
        "DomainId": "d-1",
        "AppType": "Canvas",
        "AppName": "default",
        "UserProfileName": "bob",
    }
    with pytest.raises(StopRefused) as info:
        stop_call({"id": "app:d-1/JupyterLab/default", "kind": "app", "name": "default"})
    assert info.value.status == 409


def test_stop_resource_makes_the_planned_call():
    calls = []

    class Aws:
        def call(self, service, operation, **params):
            calls.append((service, operation, params))
            return {}

    call = StopCall("sagemaker", "DeleteEndpoint", {"EndpointName": "e1"})
    assert stop_resource(Aws(), call) == {
        "action": "sagemaker.DeleteEndpoint",
        "params": {"EndpointName": "e1"},
    }
    assert calls == [("sagemaker", "DeleteEndpoint", {"EndpointName": "e1"})]
    assert str(StopRefused(409, "why")) == "why"


def test_refusals_name_the_setting():
    other = {"id": "endpoint:f", "name": "f", "scopes": ["region"]}
    with pytest.raises(StopRefused) as info:
        check_allowed(other, "mine")
    assert info.value.message == (
        "f is not yours; the administrator allows stopping only resources in scope 'mine' "
        "(c.CostWidget.allow_stop = 'mine')."
    )
    with pytest.raises(StopRefused) as info:
        check_allowed({"id": "endpoint:g", "scopes": ["region"]}, "domain")
    assert info.value.message == (
        "endpoint:g is not in this domain; the administrator allows stopping only resources in "
        "scope 'domain' (c.CostWidget.allow_stop = 'domain')."
    )
    with pytest.raises(StopRefused) as info:
        check_allowed({**other, "scopes": ["mine"]}, "everything")
    assert info.value.status == 403 and "Unknown" in info.value.message
    with pytest.raises(StopRefused) as info:
        check_allowed({**other, "scopes": ["self", "mine", "domain", "region"]}, "none")
    assert info.value.message == (
        "Stopping resources from JupyterLab is turned off by the administrator "
        "(c.CostWidget.allow_stop = 'none')."
    )
    assert info.value.status == 403


def test_a_row_without_a_kind_says_so():
    with pytest.raises(StopRefused) as info:
        stop_call({"id": "x", "name": "x"})
    assert info.value.message == "Resources of kind '' cannot be stopped from here."


def test_rows_say_whether_this_user_may_stop_them():
    rows = [
        {"id": "endpoint:mine", "kind": "endpoint", "name": "mine", "scopes": ["mine", "region"]},
        {"id": "endpoint:bobs", "kind": "endpoint", "name": "bobs", "scopes": ["domain", "region"]},
        {"id": "efs:fs-1", "kind": "efs", "name": "fs-1", "scopes": ["mine", "region"]},
    ]
    mark_stoppable(rows, "mine")
    assert [(r["stoppable"], r["stop_refused_reason"]) for r in rows] == [
        (True, None),
        (
            False,
            "bobs is not yours; the administrator allows stopping only resources in scope "
            "'mine' (c.CostWidget.allow_stop = 'mine').",
        ),
        (False, NOT_STOPPABLE["efs"]),
    ]
    mark_stoppable(rows, "domain")
    assert [r["stoppable"] for r in rows] == [False, True, False]  # "mine" is not in a domain
    mark_stoppable(rows, "none")
    assert not any(r["stoppable"] for r in rows)


def test_another_regions_resource_is_refused_with_where_to_stop_it():
    canvas = {"id": "app:d-v/alice/Canvas/default", "name": "default", "scopes": ["account"],
              "region": "us-east-1"}  # fmt: skip
    for allow_stop in ("mine", "domain", "region"):
        with pytest.raises(StopRefused) as info:
            check_allowed(canvas, allow_stop)
        assert info.value.status == 409
        assert info.value.message == (
            "default runs in us-east-1; stop it from JupyterLab or the console in that region."
        )
    with pytest.raises(StopRefused) as info:
        check_allowed({"id": "endpoint:e", "scopes": ["account"]}, "region")
    assert info.value.message == (
        "endpoint:e runs in ?; stop it from JupyterLab or the console in that region."
    )
    # In this region (and so in "account" too) the usual rules apply.
    check_allowed({"id": "endpoint:e", "scopes": ["region", "account"]}, "region")


def test_the_hourly_services_stop_calls_are_pinned_by_arn_where_aws_allows():
    arn = "arn:aws:sagemaker:us-east-1:123456789012:cluster/abcdef012345"
    call = stop_call({"kind": "hyperpod-cluster", "name": "llm", "arn": arn})
    assert call.source == "sagemaker.DeleteCluster" and call.params == {"ClusterName": arn}
    app = "arn:aws:sagemaker:us-east-1:123456789012:partner-app/app-ABC"
    call = stop_call({"kind": "partner-app", "name": "comet", "arn": app})
    assert call.source == "sagemaker.DeletePartnerApp" and call.params == {"Arn": app}
    # StopMlflowTrackingServer takes a name only; the stop route checks the ARN first.
    call = stop_call({"kind": "mlflow-tracking-server", "name": "exp", "arn": "x"})
    assert (call.operation, call.params) == (
        "StopMlflowTrackingServer",
        {"TrackingServerName": "exp"},
    )
    # Without an ARN a cluster or partner app is not stopped by name.
    for kind in ("hyperpod-cluster", "partner-app"):
        with pytest.raises(StopRefused) as info:
            stop_call({"kind": kind, "name": "n"})
        assert info.value.status == 409


def test_the_status_after_each_stop_is_one_botocore_knows():
    # Each stop call's resource and the botocore shape of its status.
    status_shapes = {
        "DeleteApp": "AppStatus",
        "StopNotebookInstance": "NotebookInstanceStatus",
        "DeleteEndpoint": "EndpointStatus",
        "StopTrainingJob": "TrainingJobStatus",
        "StopProcessingJob": "ProcessingJobStatus",
        "StopTransformJob": "TransformJobStatus",
        "StopMlflowTrackingServer": "TrackingServerStatus",
        "DeleteCluster": "ClusterStatus",
        "DeletePartnerApp": "PartnerAppStatus",
        "UpdateTrainingJob": "WarmPoolResourceStatus",
    }
    model = botocore.session.get_session().get_service_model("sagemaker")
    assert set(STATUS_AFTER_STOP) == set(status_shapes)
    for operation, status in STATUS_AFTER_STOP.items():
        assert operation in model.operation_names
        assert status in model.shape_for(status_shapes[operation]).enum, operation
    # A Delete call leaves its resource Deleting, a Stop call Stopping (their API reference
    # pages); ending a warm pool (UpdateTrainingJob, KeepAlive 0) leaves it Terminated.
    for operation, status in STATUS_AFTER_STOP.items():
        verb = "Delete" if operation.startswith("Delete") else operation[:4]
        assert status == {"Delete": "Deleting", "Stop": "Stopping", "Upda": "Terminated"}[verb]
