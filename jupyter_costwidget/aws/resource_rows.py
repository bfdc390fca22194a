"""How a scan's list and describe answers become resources (kind, owner, usages, facts).

No AWS calls here: it reads the lists of one scan and the caches the scan filled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from typing import Any

from jupyter_costwidget.aws.context import parse_arn
from jupyter_costwidget.aws.descriptions import (
    BILLING_ENDPOINT_STATUSES,
    Descriptions,
    Lists,
)
from jupyter_costwidget.aws.endpoint_metrics import EndpointMetrics
from jupyter_costwidget.aws.hourly_services import HourlyServices
from jupyter_costwidget.aws.job_kinds import RUNNING_JOBS, JobKind
from jupyter_costwidget.aws.ownership import Home, Names, attribute
from jupyter_costwidget.aws.tag_index import TagIndex
from jupyter_costwidget.aws.usages import app_usage, billed_instances, endpoint_usages, job_usages
from jupyter_costwidget.spend import resources as r

LIVE_APP_STATUSES = {"InService", "Pending"}
GONE_SPACE_STATUSES = {"Deleting", "Deleted"}
# Notebook instance states whose instance bills (botocore's NotebookInstanceStatus values).
RUNNING_NOTEBOOK_STATUSES = {"Pending", "InService", "Updating", "Stopping"}
SAGEMAKER_EFS_TAG = "ManagedByAmazonSageMakerResource"
GIB = 1024**3


@dataclass
class ResourceRows:
    """Builds one scan's resources. Owner tags count only when their ARNs are of `home`."""

    descriptions: Descriptions
    tags: TagIndex
    metrics: EndpointMetrics
    names: Names
    home: Home | None
    hourly: HourlyServices

    def build(self, lists: Lists, stale: list[str]) -> list[r.Resource]:
        was_stale = set(stale).__contains__
        domains = {d["DomainId"]: d for d in lists["domains"]}
        owners: dict[tuple[Any, Any], str | None] = {}
        for space in lists["spaces"]:
            key = (space.get("DomainId"), space.get("SpaceName"))
            owners[key] = _space_owner(space, self.descriptions.spaces.get(key))
        home_efs = {
            desc.get("HomeEfsFileSystemId"): domain_id
            for domain_id, desc in self.descriptions.domains.items()
            if domain_id in domains and desc.get("HomeEfsFileSystemId")
        }
        stale_efs = was_stale("efs") or was_stale("domains")
        rows: list[tuple[str, Callable[[dict[str, Any]], r.Resource | None]]] = [
            ("apps", lambda item: self._apps_row(item, owners, was_stale("apps"))),
            ("spaces", lambda item: self._spaces_row(item, owners, was_stale("spaces"))),
            ("efs", lambda item: self._efs_row(item, domains, home_efs, stale_efs)),
            ("endpoints", lambda item: self._endpoints_row(item, owners, was_stale("endpoints"))),
            *[
                (jobs.source, partial(self._jobs_row, jobs, owners, was_stale(jobs.source)))
                for jobs in RUNNING_JOBS
            ],
            (
                "warm_pools",
                lambda item: self._warm_pools_row(item, owners, was_stale("warm_pools")),
            ),
            ("notebooks", lambda item: self._notebooks_row(item, was_stale("notebooks"))),
        ]
        out: list[r.Resource] = []
        for source, row in rows:
            out += [found for found in map(row, lists[source]) if found is not None]
        out += self.hourly.rows(
            lists, set(stale), lambda arn, tags: self._attribution(arn, owners, tags)
        )
        return out

    def _apps_row(self, app: dict[str, Any], space_owner: dict, stale: bool) -> r.Resource | None:
        status = app.get("Status", "")
        if status not in LIVE_APP_STATUSES:
            return None
        domain, app_type, name = (
            app.get("DomainId"),
            app.get("AppType", ""),
            app.get("AppName", ""),
        )
        space, user = app.get("SpaceName"), app.get("UserProfileName")
        instance = (app.get("ResourceSpec") or {}).get("InstanceType") or ""
        owner = space_owner.get((domain, space)) if space else user
        return r.Resource(
            id=f"app:{domain}/{space or user}/{app_type}/{name}",
            kind=r.APP,
            name=name,
            status=status,
            started_at=_utc(app.get("CreationTime")),
            usages=[app_usage(app_type, instance)],
            domain_id=domain,
            owner=owner,
            space=space,
            user_profile=user,
            app_type=app_type,
            instance_type=instance or None,
            count=1,
            stale=stale,
        )

    def _spaces_row(
        self, space: dict[str, Any], space_owner: dict, stale: bool
    ) -> r.Resource | None:
        if space.get("Status") in GONE_SPACE_STATUSES:
            return None
        domain, name = space.get("DomainId"), space.get("SpaceName")
        size = _space_ebs_gb(space, self.descriptions.spaces.get((domain, name)))
        if size is None:  # no EBS: a Classic shared space on the domain's EFS
            return None
        return r.Resource(
            id=f"space-storage:{domain}/{name}",
            kind=r.SPACE_STORAGE,
            name=str(name),
            status=space.get("Status", ""),
            started_at=_utc(space.get("CreationTime")),
            usages=[r.Usage("Studio-Storage", "", float(size), r.STORAGE)],
            domain_id=domain,
            owner=space_owner.get((domain, name)),
            space=name,
            count=int(size),
            stale=stale,
            facts={"size_gb": size},
        )

    def _efs_row(
        self, fs: dict[str, Any], domains: dict, home_efs: dict, stale: bool
    ) -> r.Resource | None:
        fs_id = str(fs.get("FileSystemId"))
        tags = {t.get("Key"): t.get("Value") for t in fs.get("Tags") or []}
        domain_id = home_efs.get(fs_id)
        orphaned = False
        if domain_id is None and SAGEMAKER_EFS_TAG in tags:
            domain_arn = tags[SAGEMAKER_EFS_TAG]
            domain_id = parse_arn(domain_arn).get("resource", "").split("/")[-1] or None
            orphaned = domain_id not in domains and not stale
        if domain_id is None:
            return None  # not SageMaker's
        size = fs.get("SizeInBytes") or {}
        gb = float(size.get("Value", 0)) / GIB
        notes = []
        if size.get("ValueInIA") or size.get("ValueInArchive"):
            notes.append("Priced at the EFS Standard rate; some data is in a cheaper class.")
        return r.Resource(
            id=f"efs:{fs_id}",
            kind=r.EFS,
            name=fs_id,
            status=fs.get("LifeCycleState", ""),
            started_at=_utc(fs.get("CreationTime")),
            usages=[r.Usage("EFS-Standard", "", gb, r.STORAGE)],
            domain_id=domain_id,
            stale=stale,
            facts={"orphaned": orphaned, "size_gb": round(gb, 3), "notes": notes},
        )

    def _endpoints_row(
        self, endpoint: dict[str, Any], space_owner: dict, stale: bool
    ) -> r.Resource | None:
        status = endpoint.get("EndpointStatus")
        if status not in BILLING_ENDPOINT_STATUSES:
            return None
        name = endpoint["EndpointName"]
        described = self.descriptions.endpoint(name)
        desc = described if described is not None else {}
        config = self.descriptions.endpoint_config(desc.get("EndpointConfigName", ""))
        usages, variants = endpoint_usages(desc, config)
        attribution = self._attribution(endpoint.get("EndpointArn"), space_owner)
        types = sorted({v["instance_type"] for v in variants if v.get("instance_type")})
        notes = (
            []
            if described is not None
            else ["Details unavailable (DescribeEndpoint failed); price unknown."]
        ) + attribution.pop("notes")
        resource = r.Resource(
            id=f"endpoint:{name}",
            kind=r.ENDPOINT,
            name=name,
            status=status or "",
            started_at=_utc(endpoint.get("CreationTime")),
            usages=usages,
            instance_type=", ".join(types) or None,
            count=sum(v.get("count") or 0 for v in variants) or None,
            stale=stale or described is None,
            facts={
                "invocations": self.metrics.invocations(name),
                "variants": variants,
                "serverless_only": bool(variants) and all(v.get("serverless") for v in variants),
                "notes": notes,
            },
            **attribution,
        )
        resource.facts["tags"] = self.tags.known_tags(endpoint.get("EndpointArn"))
        return resource

    def _attribution(
        self, arn: str | None, space_owner: dict, tags: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """owner, space, domain_id and arn of a tagged resource, and notes. `tags`: its tags
        when known otherwise than from the tag index."""
        found = attribute(
            self.tags.tags_of(arn) if tags is None else tags,
            self.names,
            self.home,
            lambda domain, space: space_owner.get((domain, space)),
        )
        note = found.pop("ownership_note", None)
        return {**found, "arn": arn, "notes": [f"Owner: {note}."] if note else []}

    def _jobs_row(
        self, kinds: JobKind, space_owner: dict, stale: bool, job: dict[str, Any]
    ) -> r.Resource | None:
        kind, prefix, resource_kind = kinds.source, kinds.prefix, kinds.kind
        name = job.get(f"{prefix}Name")
        desc = self.descriptions.job(kind, name)
        usages, instance, count, spot = job_usages(kind, desc)
        started = (
            (desc or {}).get(kinds.start_key)
            or job.get("CreationTime")
            or (desc or {}).get("CreationTime")
        )
        notes = []
        if spot:
            notes.append("Managed spot training: the on-demand list price shown is an upper bound.")
        if desc is None:
            notes.append(f"Details unavailable (Describe{prefix} failed); price unknown.")
        attribution = self._attribution(job.get(f"{prefix}Arn"), space_owner)
        notes += attribution.pop("notes")
        resource = r.Resource(
            id=f"{resource_kind}:{name}",
            kind=resource_kind,
            name=str(name),
            status=job.get(f"{prefix}Status", ""),
            started_at=_utc(started),
            usages=usages,
            instance_type=instance,
            count=count,
            stale=stale or desc is None,
            facts={"spot": spot, "notes": notes} if kind == "training" else {"notes": notes},
            **attribution,
        )
        resource.facts["tags"] = self.tags.known_tags(job.get(f"{prefix}Arn"))
        return resource

    def _warm_pools_row(
        self, job: dict[str, Any], space_owner: dict, stale: bool
    ) -> r.Resource | None:
        name = str(job.get("TrainingJobName"))
        desc = self.descriptions.job("warm", name)
        conf = (desc or {}).get("ResourceConfig") or {}
        instance, count = billed_instances(conf)
        usages = [r.Usage("TrainingWarmPool", instance, float(count), r.COMPUTE)]
        volume = conf.get("VolumeSizeInGB")
        if volume and count:
            usages.append(r.Usage("TrainingWarmPool-Storage", "", float(volume) * count, r.STORAGE))
        warm = job.get("WarmPoolStatus") or (desc or {}).get("WarmPoolStatus") or {}
        attribution = self._attribution(job.get("TrainingJobArn"), space_owner)
        notes = attribution.pop("notes")
        if desc is None:
            notes.append("Details unavailable (DescribeTrainingJob failed); price unknown.")
        return r.Resource(
            id=f"{r.TRAINING_WARM_POOL}:{name}",
            kind=r.TRAINING_WARM_POOL,
            name=name,
            status=str(warm.get("Status") or "Available"),
            # The pool has held its instances since the job ended.
            started_at=_utc(job.get("TrainingEndTime") or job.get("LastModifiedTime")),
            usages=usages if desc else [],
            instance_type=instance or None,
            count=count or None,
            stale=stale or desc is None,
            facts={
                "notes": notes,
                "keep_alive_seconds": conf.get("KeepAlivePeriodInSeconds"),
                "retained_seconds": warm.get("ResourceRetainedBillableTimeInSeconds"),
            },
            **attribution,
        )

    def _notebooks_row(self, nb: dict[str, Any], stale: bool) -> r.Resource | None:
        name = nb["NotebookInstanceName"]
        status = nb.get("NotebookInstanceStatus", "")
        if status == "Deleting":
            return None
        desc = self.descriptions.notebook(name) or {}
        instance = nb.get("InstanceType") or desc.get("InstanceType") or ""
        running = status in RUNNING_NOTEBOOK_STATUSES
        # A stopped instance keeps its ML storage volume, which bills until deleted.
        usages = [r.Usage("Notebook", instance, 1.0, r.COMPUTE)] if running else []
        volume = desc.get("VolumeSizeInGB")
        if volume:
            usages.append(r.Usage("Notebook-Storage", "", float(volume), r.STORAGE))
        return r.Resource(
            id=f"notebook-instance:{name}",
            kind=r.NOTEBOOK_INSTANCE,
            name=name,
            arn=nb.get("NotebookInstanceArn"),
            status=status,
            # A running instance was last modified when it started; the volume of a
            # stopped one has billed since the instance was created.
            started_at=_utc(nb.get("LastModifiedTime") if running else nb.get("CreationTime"))
            or _utc(nb.get("CreationTime")),
            usages=usages,
            instance_type=instance or None,
            count=1 if running else 0,
            stale=stale,
            facts={"volume_gb": volume},
        )


def _space_owner(space: dict[str, Any], desc: dict[str, Any] | None) -> str | None:
    owner = (space.get("OwnershipSettingsSummary") or {}).get("OwnerUserProfileName")
    if not owner and desc:
        owner = (desc.get("OwnershipSettings") or {}).get("OwnerUserProfileName")
    return owner or None


def _space_ebs_gb(space: dict[str, Any], desc: dict[str, Any] | None) -> float | None:
    storage = ((space.get("SpaceSettingsSummary") or {}).get("SpaceStorageSettings") or {}).get(
        "EbsStorageSettings"
    )
    if not storage and desc:
        storage = ((desc.get("SpaceSettings") or {}).get("SpaceStorageSettings") or {}).get(
            "EbsStorageSettings"
        )
    size = (storage or {}).get("EbsVolumeSizeInGb")
    return float(size) if size else None


def _utc(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return None


def names_in(lists: dict[str, list[dict[str, Any]]]) -> Names:
    """The real names of this region's domains, profiles and spaces, from the lists."""
    profiles = {(p.get("DomainId"), p.get("UserProfileName")) for p in lists.get("profiles", [])}
    profiles |= {(a.get("DomainId"), a.get("UserProfileName")) for a in lists.get("apps", [])}
    spaces = {(s.get("DomainId"), s.get("SpaceName")) for s in lists.get("spaces", [])}
    spaces |= {(a.get("DomainId"), a.get("SpaceName")) for a in lists.get("apps", [])}
    owners = {
        (s.get("DomainId"), (s.get("OwnershipSettingsSummary") or {}).get("OwnerUserProfileName"))
        for s in lists.get("spaces", [])
    }
    return Names(
        domains=[d.get("DomainId") for d in lists.get("domains", [])],
        profiles=[(d, n) for d, n in profiles | owners if d and n],
        spaces=[(d, n) for d, n in spaces if d and n],
    )
