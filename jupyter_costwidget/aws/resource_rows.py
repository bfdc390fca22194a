"""How a scan's list and describe answers become resources (kind, owner, usages, facts).

No AWS calls here: it reads the lists of one scan and the caches the scan filled.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from jupyter_costwidget.aws.context import parse_arn
from jupyter_costwidget.aws.descriptions import (
    BILLING_ENDPOINT_STATUSES,
    Descriptions,
    Lists,
)
from jupyter_costwidget.aws.endpoint_metrics import EndpointMetrics
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


class ResourceRows:
    """Builds one scan's resources. Owner tags count only when their ARNs are of `home`."""

    def __init__(
        self,
        descriptions: Descriptions,
        tags: TagIndex,
        metrics: EndpointMetrics,
        names: Names,
        home: Home | None,
    ) -> None:
        self.descriptions = descriptions
        self.tags = tags
        self.metrics = metrics
        self.names = names
        self.home = home

    def build(self, lists: Lists, stale: list[str]) -> list[r.Resource]:
        stale_set = set(stale)
        domains = {d["DomainId"]: d for d in lists["domains"]}
        space_owner: dict[tuple[Any, Any], str | None] = {}
        for space in lists["spaces"]:
            key = (space.get("DomainId"), space.get("SpaceName"))
            space_owner[key] = _space_owner(space, self.descriptions.spaces.get(key))
        out: list[r.Resource] = []
        out += self._build_apps(lists["apps"], space_owner, "apps" in stale_set)
        out += self._build_spaces(lists["spaces"], space_owner, "spaces" in stale_set)
        out += self._build_efs(lists["efs"], domains, {"efs", "domains"} & stale_set != set())
        out += self._build_endpoints(lists["endpoints"], space_owner, "endpoints" in stale_set)
        for jobs in RUNNING_JOBS:
            out += self._build_jobs(jobs, lists[jobs.source], space_owner, jobs.source in stale_set)
        out += self._build_warm_pools(lists["warm_pools"], space_owner, "warm_pools" in stale_set)
        out += self._build_notebooks(lists["notebooks"], "notebooks" in stale_set)
        return out

    def _build_apps(
        self, apps: list[dict[str, Any]], space_owner: dict, stale: bool
    ) -> list[r.Resource]:
        out = []
        for app in apps:
            if app.get("Status") not in LIVE_APP_STATUSES:
                continue
            domain, app_type, name = (
                app.get("DomainId"),
                app.get("AppType", ""),
                app.get("AppName", ""),
            )
            space, user = app.get("SpaceName"), app.get("UserProfileName")
            instance = (app.get("ResourceSpec") or {}).get("InstanceType") or ""
            owner = space_owner.get((domain, space)) if space else user
            out.append(
                r.Resource(
                    id=f"app:{domain}/{space or user}/{app_type}/{name}",
                    kind=r.APP,
                    name=name,
                    status=app.get("Status", ""),
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
            )
        return out

    def _build_spaces(
        self, spaces: list[dict[str, Any]], space_owner: dict, stale: bool
    ) -> list[r.Resource]:
        out = []
        for space in spaces:
            if space.get("Status") in GONE_SPACE_STATUSES:
                continue
            domain, name = space.get("DomainId"), space.get("SpaceName")
            size = _space_ebs_gb(space, self.descriptions.spaces.get((domain, name)))
            if size is None:  # no EBS: a Classic shared space on the domain's EFS
                continue
            out.append(
                r.Resource(
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
            )
        return out

    def _build_efs(
        self, file_systems: list[dict[str, Any]], domains: dict, stale: bool
    ) -> list[r.Resource]:
        home_efs = {
            desc.get("HomeEfsFileSystemId"): domain_id
            for domain_id, desc in self.descriptions.domains.items()
            if domain_id in domains and desc.get("HomeEfsFileSystemId")
        }
        out = []
        for fs in file_systems:
            fs_id = fs.get("FileSystemId")
            tags = {t.get("Key"): t.get("Value") for t in fs.get("Tags") or []}
            domain_id = home_efs.get(fs_id)
            orphaned = False
            if domain_id is None and SAGEMAKER_EFS_TAG in tags:
                domain_arn = tags[SAGEMAKER_EFS_TAG]
                domain_id = parse_arn(domain_arn).get("resource", "").split("/")[-1] or None
                orphaned = domain_id not in domains and not stale
            if domain_id is None:
                continue  # not SageMaker's
            size = fs.get("SizeInBytes") or {}
            gb = float(size.get("Value", 0)) / GIB
            notes = []
            if size.get("ValueInIA") or size.get("ValueInArchive"):
                notes.append("Priced at the EFS Standard rate; some data is in a cheaper class.")
            out.append(
                r.Resource(
                    id=f"efs:{fs_id}",
                    kind=r.EFS,
                    name=str(fs_id),
                    status=fs.get("LifeCycleState", ""),
                    started_at=_utc(fs.get("CreationTime")),
                    usages=[r.Usage("EFS-Standard", "", gb, r.STORAGE)],
                    domain_id=domain_id,
                    stale=stale,
                    facts={"orphaned": orphaned, "size_gb": round(gb, 3), "notes": notes},
                )
            )
        return out

    def _build_endpoints(
        self, endpoints: list[dict[str, Any]], space_owner: dict, stale: bool
    ) -> list[r.Resource]:
        out = []
        for endpoint in endpoints:
            status = endpoint.get("EndpointStatus")
            if status not in BILLING_ENDPOINT_STATUSES:
                continue
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
            out.append(
                r.Resource(
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
                        "serverless_only": bool(variants)
                        and all(v.get("serverless") for v in variants),
                        "notes": notes,
                    },
                    **attribution,
                )
            )
            out[-1].facts["tags"] = self.tags.known_tags(endpoint.get("EndpointArn"))
        return out

    def _attribution(self, arn: str | None, space_owner: dict) -> dict[str, Any]:
        """owner, space, domain_id and arn of a tagged endpoint or job, and notes."""
        found = attribute(
            self.tags.tags_of(arn),
            self.names,
            self.home,
            lambda domain, space: space_owner.get((domain, space)),
        )
        note = found.pop("ownership_note", None)
        return {**found, "arn": arn, "notes": [f"Owner: {note}."] if note else []}

    def _build_jobs(
        self, kinds: JobKind, jobs: list[dict[str, Any]], space_owner: dict, stale: bool
    ) -> list[r.Resource]:
        kind, prefix, resource_kind = kinds.source, kinds.prefix, kinds.kind
        out = []
        for job in jobs:
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
                notes.append(
                    "Managed spot training: the on-demand list price shown is an upper bound."
                )
            if desc is None:
                notes.append(f"Details unavailable (Describe{prefix} failed); price unknown.")
            attribution = self._attribution(job.get(f"{prefix}Arn"), space_owner)
            notes += attribution.pop("notes")
            out.append(
                r.Resource(
                    id=f"{resource_kind}:{name}",
                    kind=resource_kind,
                    name=str(name),
                    status=job.get(f"{prefix}Status", ""),
                    started_at=_utc(started),
                    usages=usages,
                    instance_type=instance,
                    count=count,
                    stale=stale or desc is None,
                    facts={"spot": spot, "notes": notes}
                    if kind == "training"
                    else {"notes": notes},
                    **attribution,
                )
            )
            out[-1].facts["tags"] = self.tags.known_tags(job.get(f"{prefix}Arn"))
        return out

    def _build_warm_pools(
        self, jobs: list[dict[str, Any]], space_owner: dict, stale: bool
    ) -> list[r.Resource]:
        out = []
        for job in jobs:
            name = str(job.get("TrainingJobName"))
            desc = self.descriptions.job("warm", name)
            conf = (desc or {}).get("ResourceConfig") or {}
            instance, count = billed_instances(conf)
            usages = [r.Usage("TrainingWarmPool", instance, float(count), r.COMPUTE)]
            volume = conf.get("VolumeSizeInGB")
            if volume and count:
                usages.append(
                    r.Usage("TrainingWarmPool-Storage", "", float(volume) * count, r.STORAGE)
                )
            warm = job.get("WarmPoolStatus") or (desc or {}).get("WarmPoolStatus") or {}
            attribution = self._attribution(job.get("TrainingJobArn"), space_owner)
            notes = attribution.pop("notes")
            if desc is None:
                notes.append("Details unavailable (DescribeTrainingJob failed); price unknown.")
            out.append(
                r.Resource(
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
            )
        return out

    def _build_notebooks(self, notebooks: list[dict[str, Any]], stale: bool) -> list[r.Resource]:
        out = []
        for nb in notebooks:
            name = nb["NotebookInstanceName"]
            status = nb.get("NotebookInstanceStatus", "")
            if status == "Deleting":
                continue
            desc = self.descriptions.notebook(name) or {}
            instance = nb.get("InstanceType") or desc.get("InstanceType") or ""
            running = status in RUNNING_NOTEBOOK_STATUSES
            # A stopped instance keeps its ML storage volume, which bills until deleted.
            usages = [r.Usage("Notebook", instance, 1.0, r.COMPUTE)] if running else []
            volume = desc.get("VolumeSizeInGB")
            if volume:
                usages.append(r.Usage("Notebook-Storage", "", float(volume), r.STORAGE))
            out.append(
                r.Resource(
                    id=f"notebook-instance:{name}",
                    kind=r.NOTEBOOK_INSTANCE,
                    name=name,
                    arn=nb.get("NotebookInstanceArn"),
                    status=status,
                    # A running instance was last modified when it started; the volume of a
                    # stopped one has billed since the instance was created.
                    started_at=_utc(
                        nb.get("LastModifiedTime") if running else nb.get("CreationTime")
                    )
                    or _utc(nb.get("CreationTime")),
                    usages=usages,
                    instance_type=instance or None,
                    count=1 if running else 0,
                    stale=stale,
                    facts={"volume_gb": volume},
                )
            )
        return out


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
