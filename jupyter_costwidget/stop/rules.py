"""Stopping one billing resource: who may stop what, and which AWS call stops each kind.

The policy (`check_allowed`) and the call plan (`stop_call`) are pure so they are unit-testable
without AWS; `stop_resource` runs the plan through `AwsClients` (blocking: call it via
`state.run_blocking`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jupyter_costwidget.aws.clients import AwsClients
from jupyter_costwidget.i18n import Text

# allow_stop value -> the scope a resource must count in to be stoppable (None: any resource).
_REQUIRED_SCOPE: dict[str, str | None] = {"mine": "mine", "domain": "domain", "region": None}

# Kinds that bill but cannot be stopped: storage has to be deleted, with its data.
NOT_STOPPABLE = {
    "space-storage": Text(
        "Space storage bills until the space is deleted; deleting it deletes its files, so it "
        "cannot be stopped from here (delete the space in SageMaker Studio)."
    ),
    "efs": Text(
        "An EFS file system bills until it is deleted together with its data; it cannot be "
        "stopped from here (delete it in the EFS console once nothing needs it)."
    ),
}

# Spaces hold the new Studio apps; Classic apps (and Canvas) belong to a user profile.
_SPACE_APP_TYPES = {"JupyterLab", "CodeEditor"}


class StopRefused(Exception):
    """The stop is not allowed or not possible; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str | Text) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class StopCall:
    """One AWS call that stops a resource."""

    service: str
    operation: str
    params: dict[str, Any]

    @property
    def source(self) -> str:
        return f"{self.service}.{self.operation}"


def check_allowed(resource: dict[str, Any], allow_stop: str) -> None:
    """Raise `StopRefused(403)` unless `allow_stop` covers one of the resource's scopes."""
    scopes = set(resource.get("scopes") or [])
    if scopes == {"account"}:
        # Another region's: its describe and stop would go to this region's endpoint.
        raise StopRefused(
            409,
            Text(
                "{name} runs in {region}; stop it from JupyterLab or the console in that region.",
                name=resource.get("name") or resource.get("id"),
                region=resource.get("region") or "?",
            ),
        )
    if allow_stop == "none":
        raise StopRefused(
            403,
            Text(
                "Stopping resources from JupyterLab is turned off by the administrator "
                "(c.CostWidget.allow_stop = 'none')."
            ),
        )
    if allow_stop not in _REQUIRED_SCOPE:
        raise StopRefused(403, f"Unknown c.CostWidget.allow_stop value {allow_stop!r}.")
    required = _REQUIRED_SCOPE[allow_stop]
    if required is not None and required not in scopes:
        name = resource.get("name") or resource.get("id")
        if required == "mine":
            message = Text(
                "{name} is not yours; the administrator allows stopping only resources in "
                "scope '{scope}' (c.CostWidget.allow_stop = '{setting}').",
                name=name,
                scope=required,
                setting=allow_stop,
            )
        else:
            message = Text(
                "{name} is not in this domain; the administrator allows stopping only "
                "resources in scope '{scope}' (c.CostWidget.allow_stop = '{setting}').",
                name=name,
                scope=required,
                setting=allow_stop,
            )
        raise StopRefused(403, message)


def stop_call(resource: dict[str, Any]) -> StopCall:
    """The AWS call that stops `resource`, or `StopRefused` (409) for kinds that cannot stop."""
    kind = str(resource.get("kind") or "")
    name = str(resource.get("name") or "")
    if kind in NOT_STOPPABLE:
        raise StopRefused(409, NOT_STOPPABLE[kind])
    if kind == "app":
        return StopCall("sagemaker", "DeleteApp", _delete_app_params(resource))
    if kind == "training-warm-pool" and name:
        # Ends the warm pool now (botocore: UpdateTrainingJob ResourceConfig.KeepAlive...).
        return StopCall(
            "sagemaker",
            "UpdateTrainingJob",
            {"TrainingJobName": name, "ResourceConfig": {"KeepAlivePeriodInSeconds": 0}},
        )
    arn = str(resource.get("arn") or "")
    if kind == "hyperpod-cluster" and arn:
        # Pinned by ARN (DeleteCluster takes a name or an ARN): a cluster of the same name
        # made since the scan is not touched.
        return StopCall("sagemaker", "DeleteCluster", {"ClusterName": arn})
    if kind == "partner-app" and arn:
        return StopCall("sagemaker", "DeletePartnerApp", {"Arn": arn})
    simple = {
        "mlflow-tracking-server": ("StopMlflowTrackingServer", "TrackingServerName"),
        "endpoint": ("DeleteEndpoint", "EndpointName"),
        "notebook-instance": ("StopNotebookInstance", "NotebookInstanceName"),
        "training-job": ("StopTrainingJob", "TrainingJobName"),
        "processing-job": ("StopProcessingJob", "ProcessingJobName"),
        "transform-job": ("StopTransformJob", "TransformJobName"),
    }
    if kind not in simple or not name:
        raise StopRefused(
            409, Text("Resources of kind '{kind}' cannot be stopped from here.", kind=kind)
        )
    operation, key = simple[kind]
    return StopCall("sagemaker", operation, {key: name})


def _delete_app_params(resource: dict[str, Any]) -> dict[str, str]:
    # The row's id names the app as the inventory listed it:
    # "app:<domain>/<space or user profile>/<AppType>/<AppName>". A space app names its space
    # (the new Studio's apps, and Canvas run in a space); the others their user profile.
    parts = str(resource.get("id") or "").partition(":")[2].split("/")
    if len(parts) != 4 or not all(parts):
        raise StopRefused(409, "Not enough is known about this app to delete it.")
    domain_id, holder, app_type, app_name = parts
    params = {"DomainId": domain_id, "AppType": app_type, "AppName": app_name}
    if resource.get("space") or app_type in _SPACE_APP_TYPES:
        params["SpaceName"] = holder
    else:
        params["UserProfileName"] = holder
    return params


# The status each stop call puts its resource in, from the status enums of botocore's
# sagemaker model (AppStatus, NotebookInstanceStatus, EndpointStatus, TrainingJobStatus,
# ProcessingJobStatus, TransformJobStatus, TrackingServerStatus, ClusterStatus,
# PartnerAppStatus, WarmPoolResourceStatus).
STATUS_AFTER_STOP = {
    "DeleteApp": "Deleting",
    "StopNotebookInstance": "Stopping",
    "DeleteEndpoint": "Deleting",
    "StopTrainingJob": "Stopping",
    "StopProcessingJob": "Stopping",
    "StopTransformJob": "Stopping",
    "StopMlflowTrackingServer": "Stopping",
    "DeleteCluster": "Deleting",
    "DeletePartnerApp": "Deleting",
    "UpdateTrainingJob": "Terminated",  # the warm pool's KeepAlive set to 0
}


def stop_resource(aws: AwsClients, call: StopCall) -> dict[str, Any]:
    """Make the stop call (blocking). Raises `AwsError` with a hint when AWS refuses."""
    aws.call(call.service, call.operation, **call.params)
    return {"action": call.source, "params": call.params}


def mark_stoppable(rows: list[dict[str, Any]], allow_stop: str) -> None:
    """Say on each row whether this user may stop it, and why not, so the panel offers Stop
    only where the server would go ahead. The stop route still checks every stop afresh."""
    for row in rows:
        try:
            check_allowed(row, allow_stop)
            stop_call(row)
        except StopRefused as refused:
            row["stoppable"], row["stop_refused_reason"] = False, refused.message
        else:
            row["stoppable"], row["stop_refused_reason"] = True, None
