"""SageMaker services outside Studio that bill every hour they run, used or not: managed
MLflow tracking servers, HyperPod clusters and partner AI apps.

One table says how each is listed, described and priced; `HourlyServices` keeps the
describes (cached while the list says nothing changed) and the tags (ListTags, cached the
same way), and turns the answers into resources. Shapes: botocore's SageMaker model
(TrackingServerSummary, DescribeMlflowTrackingServerResponse, ClusterSummary,
DescribeClusterResponse, PartnerAppSummary, DescribePartnerAppResponse).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from typing import Any

from jupyter_costwidget.aws.calls import CountingCalls, SourceErrors
from jupyter_costwidget.aws.clients import AwsError
from jupyter_costwidget.spend import resources as r

Usages = tuple[list[r.Usage], str | None, int | None, dict[str, Any]]


def _tracking_server_usages(desc: dict[str, Any]) -> Usages:
    size = desc.get("TrackingServerSize")
    # Priced per size: the price table's "MLflow" rows name the size as the instance type.
    usages = [r.Usage("MLflow", str(size))] if size else []
    return usages, None, None, {"size": size}


def _cluster_usages(desc: dict[str, Any]) -> Usages:
    groups = [
        {
            "name": str(g.get("InstanceGroupName") or ""),
            "instance_type": str(g.get("InstanceType") or ""),
            "count": int(g.get("CurrentCount") or 0),
        }
        for g in desc.get("InstanceGroups") or []
    ]
    usages = [
        r.Usage("HyperPod", g["instance_type"], float(g["count"])) for g in groups if g["count"]
    ]
    types = sorted({g["instance_type"] for g in groups if g["count"]})
    count = sum(g["count"] for g in groups)
    return usages, ", ".join(types) or None, count, {"instance_groups": groups}


def _partner_app_usages(desc: dict[str, Any]) -> Usages:
    tier = desc.get("Tier")
    kind = desc.get("Type")
    usages = [r.Usage(f"PartnerApp-{kind}", str(tier))] if tier else []
    return usages, None, None, {"tier": tier, "app_type": kind}


@dataclass(frozen=True)
class HourlyService:
    kind: str
    source: str  # where the scan's lists keep the list answer
    list_operation: str
    summaries: str
    describe_operation: str
    describe_param: str  # the describe call's parameter ...
    describe_from: str  # ... and the summary field that gives it (pinned by ARN if it can)
    name_key: str
    arn_key: str
    status_key: str
    # The list fields whose change means the describe (and the tags) may have changed.
    version_keys: tuple[str, ...]
    billing_statuses: frozenset[str]
    usages: Callable[[dict[str, Any]], Usages]


HOURLY_SERVICES = (
    # A tracking server bills by the hour while it runs, used or not; StopMlflowTrackingServer
    # is what ends that (SageMaker API reference: StopMlflowTrackingServer, and the statuses of
    # botocore's TrackingServerStatus). Still Creating, failed to create, or being deleted:
    # not running, so not counted.
    HourlyService(
        kind=r.MLFLOW_TRACKING_SERVER,
        source="mlflow_tracking_servers",
        list_operation="ListMlflowTrackingServers",
        summaries="TrackingServerSummaries",
        describe_operation="DescribeMlflowTrackingServer",
        describe_param="TrackingServerName",
        describe_from="TrackingServerName",
        name_key="TrackingServerName",
        arn_key="TrackingServerArn",
        status_key="TrackingServerStatus",
        version_keys=("LastModifiedTime", "TrackingServerStatus"),
        billing_statuses=frozenset(
            {
                "Created",
                "Updating",
                "Updated",
                "UpdateFailed",
                "Starting",
                "Started",
                "StartFailed",
                "Stopping",
                "StopFailed",
                "MaintenanceInProgress",
                "MaintenanceComplete",
                "MaintenanceFailed",
            }
        ),
        usages=_tracking_server_usages,
    ),
    # Every instance of every group bills until the cluster is deleted.
    HourlyService(
        kind=r.HYPERPOD_CLUSTER,
        source="hyperpod_clusters",
        list_operation="ListClusters",
        summaries="ClusterSummaries",
        describe_operation="DescribeCluster",
        describe_param="ClusterName",
        describe_from="ClusterArn",
        name_key="ClusterName",
        arn_key="ClusterArn",
        status_key="ClusterStatus",
        # Scaling a cluster goes through Updating: a new status, a new describe.
        version_keys=("ClusterStatus",),
        billing_statuses=frozenset(
            {"InService", "Updating", "SystemUpdating", "RollingBack", "Deleting", "Creating"}
        ),
        usages=_cluster_usages,
    ),
    HourlyService(
        kind=r.PARTNER_APP,
        source="partner_apps",
        list_operation="ListPartnerApps",
        summaries="Summaries",
        describe_operation="DescribePartnerApp",
        describe_param="Arn",
        describe_from="Arn",
        name_key="Name",
        arn_key="Arn",
        status_key="Status",
        version_keys=("Status",),
        billing_statuses=frozenset({"Available", "Updating", "UpdateFailed", "Deleting"}),
        usages=_partner_app_usages,
    ),
)
BY_KIND = {service.kind: service for service in HOURLY_SERVICES}


def list_sources(calls: CountingCalls) -> dict[str, Callable[[], list[dict[str, Any]]]]:
    return {
        s.source: partial(calls.list_all, "sagemaker", s.list_operation, s.summaries)
        for s in HOURLY_SERVICES
    }


def _version(service: HourlyService, item: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(item.get(key) for key in service.version_keys)


class HourlyServices:
    """The describes and tags of the hourly services, cached while the list shows no change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._described: dict[tuple[str, str], tuple[Any, dict[str, Any]]] = {}
        self._tags: dict[str, tuple[Any, dict[str, str]]] = {}

    def tasks(
        self, calls: CountingCalls, lists: dict[str, list[dict[str, Any]]], errors: SourceErrors
    ) -> list[Callable[[], None]]:
        tasks: list[Callable[[], None]] = []
        for service in HOURLY_SERVICES:
            for item in lists.get(service.source, []):
                if item.get(service.status_key) not in service.billing_statuses:
                    continue
                version = _version(service, item)
                key = (service.kind, str(item.get(service.name_key)))
                cached = self._described.get(key)
                if cached is None or cached[0] != version:
                    tasks.append(partial(self._describe, calls, service, item, version, errors))
                arn = item.get(service.arn_key)
                if arn and self._tags.get(arn, (None,))[0] != version:
                    tasks.append(partial(self._list_tags, calls, str(arn), key[1], version, errors))
        return tasks

    def _describe(
        self,
        calls: CountingCalls,
        service: HourlyService,
        item: dict[str, Any],
        version: Any,
        errors: SourceErrors,
    ) -> None:
        name = str(item.get(service.name_key))
        try:
            desc = calls.call(
                "sagemaker",
                service.describe_operation,
                **{service.describe_param: item.get(service.describe_from)},
            )
        except AwsError as err:
            errors.add(err, name)
            return
        with self._lock:
            self._described[(service.kind, name)] = (version, desc)

    def _list_tags(
        self, calls: CountingCalls, arn: str, name: str, version: Any, errors: SourceErrors
    ) -> None:
        try:
            tags = calls.list_all("sagemaker", "ListTags", "Tags", ResourceArn=arn)
        except AwsError as err:
            errors.add(err, name)
            return
        with self._lock:
            self._tags[arn] = (version, {t["Key"]: t["Value"] for t in tags})

    def tags_of(self, arn: str | None) -> dict[str, str] | None:
        """The resource's tags; None when they could not be read."""
        if arn is None:
            return None
        cached = self._tags.get(arn)
        return dict(cached[1]) if cached else None

    def rows(
        self,
        lists: dict[str, list[dict[str, Any]]],
        stale: set[str],
        attribution: Callable[[str | None, dict[str, str]], dict[str, Any]],
    ) -> list[r.Resource]:
        """Resources of what bills now; `attribution` gives owner, space, domain and arn."""
        out = []
        for service in HOURLY_SERVICES:
            for item in lists.get(service.source, []):
                status = item.get(service.status_key)
                if status not in service.billing_statuses:
                    continue
                name = str(item.get(service.name_key))
                cached = self._described.get((service.kind, name))
                desc = cached[1] if cached else None
                usages, instance, count, facts = service.usages(desc or {})
                app_type = facts.pop("app_type", None)
                arn = item.get(service.arn_key)
                tags = self.tags_of(arn)
                found = attribution(arn, tags or {})
                notes = found.pop("notes")
                if desc is None:
                    notes.append(
                        f"Details unavailable ({service.describe_operation} failed); price unknown."
                    )
                resource = r.Resource(
                    id=f"{service.kind}:{name}",
                    kind=service.kind,
                    name=name,
                    status=str(status),
                    started_at=_utc(item.get("CreationTime")),
                    usages=usages,
                    instance_type=instance,
                    count=count,
                    app_type=app_type,
                    stale=service.source in stale or desc is None,
                    facts={**facts, "notes": notes, "tags": tags},
                    **found,
                )
                out.append(resource)
        return out


def _utc(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return None
