"""Before a stop: describe the resource now and refuse if it is not what the user saw.

The spend snapshot can be `refresh_seconds` old. In that time a resource can be deleted and
recreated under the same name by someone else, or re-tagged to another owner. The delete and
stop calls take a name, so the only safe stop is one that re-reads the resource right before
it: its ARN, status and owner tags, and decides the scope again on that fresh data.

`describe_current` is blocking (run it in the worker pool); `changes` is pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jupyter_costwidget.aws.clients import AwsClients, AwsError
from jupyter_costwidget.aws.ownership import Home, Names, attribute
from jupyter_costwidget.spend import resources as r
from jupyter_costwidget.stop.rules import StopCall, StopRefused

# Describe operation, its ARN and status fields, per stoppable kind (botocore's sagemaker
# model: DescribeEndpointOutput.EndpointArn/EndpointStatus, DescribeTrainingJobResponse...).
_DESCRIBE: dict[str, tuple[str, str, str]] = {
    r.ENDPOINT: ("DescribeEndpoint", "EndpointArn", "EndpointStatus"),
    r.TRAINING_JOB: ("DescribeTrainingJob", "TrainingJobArn", "TrainingJobStatus"),
    r.PROCESSING_JOB: ("DescribeProcessingJob", "ProcessingJobArn", "ProcessingJobStatus"),
    r.TRANSFORM_JOB: ("DescribeTransformJob", "TransformJobArn", "TransformJobStatus"),
    r.NOTEBOOK_INSTANCE: (
        "DescribeNotebookInstance",
        "NotebookInstanceArn",
        "NotebookInstanceStatus",
    ),
    r.APP: ("DescribeApp", "AppArn", "Status"),
    r.TRAINING_WARM_POOL: ("DescribeTrainingJob", "TrainingJobArn", "WarmPoolStatus"),
    r.MLFLOW_TRACKING_SERVER: (
        "DescribeMlflowTrackingServer",
        "TrackingServerArn",
        "TrackingServerStatus",
    ),
    r.HYPERPOD_CLUSTER: ("DescribeCluster", "ClusterArn", "ClusterStatus"),
    r.PARTNER_APP: ("DescribePartnerApp", "Arn", "Status"),
}
_GONE_CODES = {"ResourceNotFound", "ValidationException", "ResourceNotFoundException"}
_GONE_STATUSES = {"Deleted", "Deleting", "Failed", "Stopped", "Completed", "Stopping"}
_GONE_WARM_POOL = {"Terminated", "Reused", "InUse", ""}


def describe_operation(row: dict[str, Any]) -> str:
    """The operation that re-reads a resource of this row's kind."""
    return _DESCRIBE.get(str(row.get("kind")), ("Describe",))[0]


@dataclass(frozen=True)
class Current:
    """The resource as AWS describes it now."""

    arn: str | None
    status: str
    owner: str | None
    domain_id: str | None
    space: str | None


def describe_current(
    aws: AwsClients, kind: str, call: StopCall, names: Names, home: Home | None
) -> Current:
    """Describe the resource `call` would stop, with its owner (blocking). `names` and
    `home` read owner tags as the scan does."""
    operation, arn_key, status_key = _DESCRIBE[kind]
    # The stop call's parameters name the resource; the describe takes the name alone.
    name_keys = {k: v for k, v in call.params.items() if isinstance(v, str)}
    try:
        desc = aws.call("sagemaker", operation, **name_keys)
    except AwsError as err:
        if err.code in _GONE_CODES:
            raise StopRefused(409, "It no longer exists: nothing was stopped.") from err
        raise
    arn = desc.get(arn_key)
    status = desc.get(status_key) or ""
    if kind == r.TRAINING_WARM_POOL:
        pool = str((status or {}).get("Status") or "")
        status = "Available" if pool == "Available" else f"warm pool {pool or 'gone'}"
    status = str(status)
    if kind == r.APP:
        domain, space = desc.get("DomainId"), desc.get("SpaceName")
        owner = _space_owner(aws, domain, space) if space else desc.get("UserProfileName")
        return Current(arn, status, owner, domain, space)
    if kind == r.NOTEBOOK_INSTANCE:
        return Current(arn, status, None, None, None)
    tags = _tags(aws, arn) if arn else {}
    owners = attribute(tags, names, home, lambda domain, space: _space_owner(aws, domain, space))
    return Current(arn, status, owners["owner"], owners["domain_id"], owners["space"])


def changes(row: dict[str, Any], current: Current) -> list[str]:
    """What differs between the snapshot's row and the resource now (empty: unchanged)."""
    out = []
    if current.status in _GONE_STATUSES or current.status.startswith("warm pool "):
        out.append(f"its status is now {current.status}")
    if row.get("arn") and current.arn and row["arn"] != current.arn:
        out.append("it was replaced by another resource of the same name")
    for key, label in (("owner", "owner"), ("domain_id", "domain"), ("space", "space")):
        if row.get(key) != getattr(current, key):
            before, now = row.get(key) or "none", getattr(current, key) or "none"
            out.append(f"its {label} changed from {before} to {now}")
    return out


def _tags(aws: AwsClients, arn: str) -> dict[str, str]:
    tags = aws.paginate("sagemaker", "ListTags", "Tags", ResourceArn=arn)
    return {str(t.get("Key")): str(t.get("Value")) for t in tags}


def _space_owner(aws: AwsClients, domain: Any, space: Any) -> str | None:
    try:
        desc = aws.call("sagemaker", "DescribeSpace", DomainId=domain, SpaceName=space)
    except AwsError as err:
        if err.code in _GONE_CODES:
            return None
        raise
    return (desc.get("OwnershipSettings") or {}).get("OwnerUserProfileName") or None
