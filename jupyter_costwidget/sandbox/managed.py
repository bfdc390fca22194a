"""SageMaker services that bill by the hour and moto 5.2 lacks: managed MLflow tracking
servers, HyperPod clusters and partner AI apps, in every region of the sandbox account.

Request and response shapes follow botocore's SageMaker service model (JSON protocol); the
conformance test checks them. ARN formats: `mlflow-tracking-server/<name>`,
`cluster/<12-character id>` and `partner-app/app-<id>` (the formats of the SageMaker API
reference's ARN patterns for TrackingServerArn, ClusterArn and PartnerAppArn).
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime, timezone
from typing import Any

from . import arns
from .studio import StudioError, _listing


def _short_id(*parts: str) -> str:
    """A stable lower-case id of 12 characters, like HyperPod's cluster ids."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:12]


def _now() -> datetime:
    return datetime.now(timezone.utc)


class ManagedServices:
    """Tracking servers, clusters and partner apps, keyed by (region, name)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.servers: dict[tuple[str, str], dict[str, Any]] = {}
            self.clusters: dict[tuple[str, str], dict[str, Any]] = {}
            self.partner_apps: dict[tuple[str, str], dict[str, Any]] = {}

    # -- building (the scenario loader) ---------------------------------------------------

    def add_tracking_server(
        self, region: str, account: str, spec: dict[str, Any], created: datetime
    ) -> None:
        name = spec["name"]
        self.servers[(region, name)] = {
            "TrackingServerArn": arns.sagemaker_arn(
                region, account, f"mlflow-tracking-server/{name}"
            ),
            "TrackingServerName": name,
            "ArtifactStoreUri": f"s3://sagemaker-{region}-{account}/mlflow/{name}",
            "TrackingServerSize": spec["size"],
            "MlflowVersion": "2.16",
            "RoleArn": f"arn:aws:iam::{account}:role/SageMakerMlflow",
            "TrackingServerStatus": spec["status"],
            "IsActive": "Inactive" if spec["status"] == "Stopped" else "Active",
            "TrackingServerUrl": (
                f"https://t-{_short_id(region, name)}.{region}.experiments.sagemaker.aws"
            ),
            "CreationTime": created,
            "LastModifiedTime": created,
            "_tags": [{"Key": k, "Value": v} for k, v in spec["tags"].items()],
        }

    def add_cluster(
        self, region: str, account: str, spec: dict[str, Any], created: datetime
    ) -> None:
        name = spec["name"]
        self.clusters[(region, name)] = {
            "ClusterArn": arns.sagemaker_arn(
                region, account, f"cluster/{_short_id(region, account, name)}"
            ),
            "ClusterName": name,
            "ClusterStatus": spec["status"],
            "CreationTime": created,
            "InstanceGroups": [
                {
                    "CurrentCount": group["count"],
                    "TargetCount": group["count"],
                    "InstanceGroupName": group["name"],
                    "InstanceType": group["instance"],
                    "ExecutionRole": f"arn:aws:iam::{account}:role/SageMakerHyperPod",
                    "ThreadsPerCore": 1,
                    "Status": "InService",
                }
                for group in spec["groups"]
            ],
            "Orchestrator": {
                "Eks": {"ClusterArn": f"arn:aws:eks:{region}:{account}:cluster/{name}"}
            },
            "_tags": [{"Key": k, "Value": v} for k, v in spec["tags"].items()],
        }

    def add_partner_app(
        self, region: str, account: str, spec: dict[str, Any], created: datetime
    ) -> None:
        name = spec["name"]
        self.partner_apps[(region, name)] = {
            "Arn": arns.sagemaker_arn(
                region, account, f"partner-app/app-{_short_id(region, name).upper()}"
            ),
            "Name": name,
            "Type": spec["type"],
            "Status": spec["status"],
            "CreationTime": created,
            "LastModifiedTime": created,
            "ExecutionRoleArn": f"arn:aws:iam::{account}:role/SageMakerPartnerApp",
            "Tier": spec["tier"],
            "Version": "1.0",
            "AuthType": "IAM",
            "_tags": [{"Key": k, "Value": v} for k, v in spec.get("tags", {}).items()],
        }

    # -- operations ---------------------------------------------------------------------

    def handle(self, operation: str, body: dict[str, Any], region: str) -> dict[str, Any]:
        method = getattr(self, f"op_{operation}")
        with self.lock:
            return method(body, region)

    def list_tags(self, arn: str) -> dict[str, Any] | None:
        """ListTags for one of these ARNs; None if it is not one."""
        with self.lock:
            for item in [
                *self.servers.values(),
                *self.clusters.values(),
                *self.partner_apps.values(),
            ]:
                own = item.get("TrackingServerArn") or item.get("ClusterArn") or item.get("Arn")
                if arn == own:
                    return {"Tags": list(item["_tags"])}
        return None

    @staticmethod
    def _public(item: dict[str, Any], keys: tuple[str, ...] | None = None) -> dict[str, Any]:
        out = {k: v for k, v in item.items() if not k.startswith("_")}
        return out if keys is None else {k: v for k, v in out.items() if k in keys}

    @staticmethod
    def _in_region(items: dict[tuple[str, str], dict[str, Any]], region: str) -> list:
        return [item for (where, _name), item in items.items() if where == region]

    def _server(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        server = self.servers.get((region, str(body.get("TrackingServerName"))))
        if server is None:
            raise StudioError(
                "ResourceNotFound",
                f"Tracking server {body.get('TrackingServerName')!r} does not exist.",
            )
        return server

    def op_ListMlflowTrackingServers(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        items = self._in_region(self.servers, region)
        status = body.get("TrackingServerStatus")
        if status:
            items = [s for s in items if s["TrackingServerStatus"] == status]
        keys = (
            "TrackingServerArn",
            "TrackingServerName",
            "CreationTime",
            "LastModifiedTime",
            "TrackingServerStatus",
            "IsActive",
            "MlflowVersion",
        )
        return _listing(
            items,
            {**body, "SortBy": "CreationTime"},
            ("CreationTime",),
            "TrackingServerSummaries",
            lambda s: self._public(s, keys),
        )

    def op_DescribeMlflowTrackingServer(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        return self._public(self._server(body, region))

    def op_StopMlflowTrackingServer(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        server = self._server(body, region)
        if server["TrackingServerStatus"] in ("Stopping", "Stopped"):
            raise StudioError(
                "ConflictException", f"Tracking server {server['TrackingServerName']} is stopped."
            )
        # A tracking server stops within minutes; the sandbox says Stopped at once.
        server.update(TrackingServerStatus="Stopped", IsActive="Inactive", LastModifiedTime=_now())
        return {"TrackingServerArn": server["TrackingServerArn"]}

    def _cluster(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        wanted = str(body.get("ClusterName"))
        for (where, name), cluster in self.clusters.items():
            if where == region and wanted in (name, cluster["ClusterArn"]):
                return cluster
        raise StudioError("ResourceNotFound", f"Cluster {wanted!r} does not exist.")

    def op_ListClusters(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        items = self._in_region(self.clusters, region)
        contains = body.get("NameContains")
        if contains:
            items = [c for c in items if contains in c["ClusterName"]]
        keys = ("ClusterArn", "ClusterName", "CreationTime", "ClusterStatus")
        return _listing(
            items,
            {**body, "SortBy": "CreationTime"},
            ("CreationTime",),
            "ClusterSummaries",
            lambda c: self._public(c, keys),
        )

    def op_DescribeCluster(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        return self._public(self._cluster(body, region))

    def op_DeleteCluster(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        cluster = self._cluster(body, region)
        # Deleting terminates every instance of every group; the cluster then goes away.
        cluster["ClusterStatus"] = "Deleting"
        for group in cluster["InstanceGroups"]:
            group["CurrentCount"] = 0
        return {"ClusterArn": cluster["ClusterArn"]}

    def _partner_app(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        wanted = str(body.get("Arn"))
        for (where, _name), app in self.partner_apps.items():
            if where == region and app["Arn"] == wanted:
                return app
        raise StudioError("ResourceNotFound", f"Partner app {wanted!r} does not exist.")

    def op_ListPartnerApps(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        items = [a for a in self._in_region(self.partner_apps, region) if a["Status"] != "Deleted"]
        keys = ("Arn", "Name", "Type", "Status", "CreationTime")
        return _listing(
            items,
            {"MaxResults": body.get("MaxResults", 10), "NextToken": body.get("NextToken")},
            ("CreationTime",),
            "Summaries",
            lambda a: self._public(a, keys),
        )

    def op_DescribePartnerApp(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        return self._public(self._partner_app(body, region))

    def op_DeletePartnerApp(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        app = self._partner_app(body, region)
        app.update(Status="Deleting", LastModifiedTime=_now())
        return {"Arn": app["Arn"]}


OPERATIONS = frozenset(name[3:] for name in dir(ManagedServices) if name.startswith("op_"))
