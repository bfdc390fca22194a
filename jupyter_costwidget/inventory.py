"""Find everything that bills in one region, with as few AWS calls as the APIs allow.

A scan lists each source once (botocore paginators, 100 items a page) and describes only
what the lists do not say and no cache knows: endpoint configs and job resource configs are
immutable, a DescribeEndpoint / DescribeNotebookInstance is reused while `LastModifiedTime`
is unchanged, tags are kept per resource, CloudWatch is asked at most every
`metrics_interval` seconds.
A failed source keeps its last good answer, marked stale; the other sources carry on.
All of it is blocking boto3: run `scan()` in a worker thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import Any

from . import resources as r
from .aws import ACCESS_DENIED_CODES, AwsClients, AwsError
from .context import parse_arn
from .ownership import Home, Names, attribute
from .pricing import SYSTEM_KERNELGATEWAY_INSTANCE, component_for_app

LIVE_APP_STATUSES = {"InService", "Pending"}
BILLING_ENDPOINT_STATUSES = {
    "InService",
    "Updating",
    "SystemUpdating",
    "RollingBack",
    "UpdateRollbackFailed",
}
GONE_SPACE_STATUSES = {"Deleting", "Deleted"}
# Notebook instance states whose instance bills (botocore's NotebookInstanceStatus values).
RUNNING_NOTEBOOK_STATUSES = {"Pending", "InService", "Updating", "Stopping"}
SAGEMAKER_EFS_TAG = "ManagedByAmazonSageMakerResource"
GIB = 1024**3
METRIC_QUERIES_PER_CALL = 500
TAGGED_TYPES = [
    "sagemaker:endpoint",
    "sagemaker:training-job",
    "sagemaker:processing-job",
    "sagemaker:transform-job",
]


@dataclass
class ScanResult:
    resources: list[r.Resource]
    errors: list[dict[str, Any]]
    stale_sources: list[str]
    calls: int
    seconds: float
    domains: list[str] = field(default_factory=list)


class _Errors:
    """Collects AwsErrors from many threads, one entry per (source, code)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[tuple[str, str], dict[str, Any]] = {}

    def add(self, err: AwsError, subject: str | None = None) -> None:
        with self._lock:
            entry = self._by_key.setdefault((err.source, err.code), {**err.as_dict(), "count": 0})
            entry["count"] += 1
            if subject and "subjects" not in entry:
                entry["subjects"] = []
            if subject and len(entry["subjects"]) < 5:
                entry["subjects"].append(subject)

    def list(self) -> list[dict[str, Any]]:
        return list(self._by_key.values())


class _CountingAws:
    """Counts calls (for the scan's `calls`); the sandbox counts too, independently.

    An operation that was denied (AccessDenied) is not called again for `deny_ttl` seconds:
    the stored error is raised instead, so a role without e.g. sagemaker:ListTags costs one
    call per interval, not one per endpoint per scan, and the error stays visible.
    """

    def __init__(
        self,
        aws: AwsClients,
        denied: dict[str, tuple[float, AwsError]],
        deny_ttl: float,
        monotonic: Callable[[], float],
    ) -> None:
        self._aws = aws
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._denied = denied
        self._deny_ttl = deny_ttl
        self.calls = 0

    def _check_denied(self, service: str, operation: str) -> None:
        source = f"{'elasticfilesystem' if service == 'efs' else service}.{operation}"
        known = self._denied.get(source)
        if known is not None and known[0] > self._monotonic():
            raise known[1]

    def _count(self) -> None:
        with self._lock:
            self.calls += 1

    def _remember_denial(self, err: AwsError) -> None:
        if err.code in ACCESS_DENIED_CODES:
            with self._lock:
                self._denied[err.source] = (self._monotonic() + self._deny_ttl, err)

    def _call(self, service: str, operation: str, **kwargs: Any) -> dict[str, Any]:
        self._check_denied(service, operation)
        self._count()
        try:
            return self._aws.call(service, operation, **kwargs)
        except AwsError as err:
            self._remember_denial(err)
            raise

    def call(self, service: str, operation: str, **kwargs: Any) -> dict[str, Any]:
        return self._call(service, operation, **kwargs)

    def list_all(
        self, service: str, operation: str, key: str, **kwargs: Any
    ) -> list[dict[str, Any]]:
        """All items of a list call, 100 a page through botocore's paginator, counting each
        page (a failed request counts too)."""
        self._check_denied(service, operation)
        items: list[dict[str, Any]] = []
        try:
            for page in self._aws.pages(service, operation, 100, **kwargs):
                self._count()
                items += page.get(key, [])
        except AwsError as err:
            self._count()
            self._remember_denial(err)
            raise
        return items


class Inventory:
    """Scans one region; keeps the caches and last good answers between scans."""

    def __init__(
        self,
        aws: Callable[[], AwsClients],
        max_workers: int = 8,
        idle_endpoint_hours: float = 24.0,
        metrics_interval: float = 600.0,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._aws_factory = aws
        self.clock = clock
        self.monotonic = monotonic
        self.max_workers = max(1, max_workers)
        self.idle_endpoint_hours = idle_endpoint_hours
        self.metrics_interval = metrics_interval
        self._last_good: dict[str, Any] = {}
        self._home: Home | None = None
        self.names = Names()  # the last scan's, for the stop route's fresh check
        self._domain_desc: dict[str, dict[str, Any]] = {}
        self._space_desc: dict[tuple[Any, Any], dict[str, Any]] = {}
        self._endpoint_desc: dict[str, tuple[Any, dict[str, Any]]] = {}
        self._endpoint_config: dict[str, dict[str, Any]] = {}
        self._job_desc: dict[tuple[Any, Any], dict[str, Any]] = {}
        self._notebook_desc: dict[str, tuple[Any, dict[str, Any]]] = {}
        self._tags: dict[str, tuple[Any, dict[str, str]]] = {}  # ListTags fallback
        self._tag_index: dict[str, dict[str, str]] = {}  # from tag:GetResources
        self._tag_index_covers: set[str] = set()
        self._tag_index_at = 0.0
        self._invocations: dict[str, float] = {}
        self._metrics_at = 0.0
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        # Operations answered AccessDenied: not retried before the time stored with them.
        self._denied: dict[str, tuple[float, AwsError]] = {}

    def _executor(self) -> ThreadPoolExecutor:
        # Kept between scans: boto3 clients are cached per thread, and making one is slow.
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.max_workers, thread_name_prefix="costwidget-scan")
        return self._pool

    def forget_denials(self) -> None:
        """Call denied operations again on the next scan."""
        self._denied.clear()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    # ------------------------------------------------------------------ the scan
    def scan(self, home: Home | None = None) -> ScanResult:
        """One scan. Owner tags count only when their ARNs are of `home` (None: any)."""
        self._home = home
        started = time.perf_counter()  # a measurement for the bench, not a decision
        aws = _CountingAws(self._aws_factory(), self._denied, self.metrics_interval, self.monotonic)
        errors = _Errors()
        stale: list[str] = []
        pool = self._executor()
        lists = self._list_sources(aws, pool, errors, stale)
        details = self._describe(aws, pool, lists, errors)
        self._fetch_metrics(aws, pool, lists["endpoints"], errors)
        resources = self._build(lists, details, stale)
        return ScanResult(
            resources=resources,
            errors=errors.list(),
            stale_sources=stale,
            calls=aws.calls,
            seconds=time.perf_counter() - started,
            domains=[d["DomainId"] for d in lists["domains"]],
        )

    def _list_sources(
        self, aws: _CountingAws, pool: ThreadPoolExecutor, errors: _Errors, stale: list[str]
    ) -> dict[str, list[dict[str, Any]]]:
        sources: dict[str, Callable[[], list[dict[str, Any]]]] = {
            "domains": lambda: aws.list_all("sagemaker", "ListDomains", "Domains"),
            "apps": lambda: aws.list_all("sagemaker", "ListApps", "Apps"),
            "spaces": lambda: aws.list_all("sagemaker", "ListSpaces", "Spaces"),
            "profiles": lambda: aws.list_all("sagemaker", "ListUserProfiles", "UserProfiles"),
            "efs": lambda: aws.list_all("efs", "DescribeFileSystems", "FileSystems"),
            "endpoints": lambda: aws.list_all("sagemaker", "ListEndpoints", "Endpoints"),
            "training": lambda: aws.list_all(
                "sagemaker", "ListTrainingJobs", "TrainingJobSummaries", StatusEquals="InProgress"
            ),
            "processing": lambda: aws.list_all(
                "sagemaker",
                "ListProcessingJobs",
                "ProcessingJobSummaries",
                StatusEquals="InProgress",
            ),
            # A completed job's warm pool keeps its instances, billing, until KeepAlive ends.
            "warm_pools": lambda: aws.list_all(
                "sagemaker",
                "ListTrainingJobs",
                "TrainingJobSummaries",
                WarmPoolStatusEquals="Available",
            ),
            "transform": lambda: aws.list_all(
                "sagemaker", "ListTransformJobs", "TransformJobSummaries", StatusEquals="InProgress"
            ),
            "notebooks": lambda: aws.list_all(
                "sagemaker", "ListNotebookInstances", "NotebookInstances"
            ),
        }
        futures = {name: pool.submit(fn) for name, fn in sources.items()}
        out: dict[str, list[dict[str, Any]]] = {}
        for name, future in futures.items():
            try:
                out[name] = future.result()
                self._last_good[name] = out[name]
            except AwsError as err:
                errors.add(err)
                out[name] = self._last_good.get(name, [])
                stale.append(name)
        return out

    def _describe(
        self,
        aws: _CountingAws,
        pool: ThreadPoolExecutor,
        lists: dict[str, list[dict[str, Any]]],
        errors: _Errors,
    ) -> dict[str, Any]:
        """Describe calls the lists cannot replace, skipping everything cached."""
        tasks: list[Callable[[], None]] = []
        for domain in lists["domains"]:
            if domain["DomainId"] not in self._domain_desc:
                tasks.append(partial(self._describe_domain, aws, domain, errors))
        for space in lists["spaces"]:
            key = (space.get("DomainId"), space.get("SpaceName"))
            if key not in self._space_desc and _space_needs_describe(space):
                tasks.append(partial(self._describe_space, aws, space, errors))
        for endpoint in lists["endpoints"]:
            if endpoint.get("EndpointStatus") in BILLING_ENDPOINT_STATUSES:
                tasks.append(partial(self._describe_endpoint, aws, endpoint, errors))
        for kind, summaries in (
            ("training", "TrainingJob"),
            ("processing", "ProcessingJob"),
            ("transform", "TransformJob"),
        ):
            for job in lists[kind]:
                tasks.append(partial(self._describe_job, aws, kind, summaries, job, errors))
        for job in lists["warm_pools"]:
            tasks.append(partial(self._describe_job, aws, "warm", "TrainingJob", job, errors))
        for nb in lists["notebooks"]:
            tasks.append(partial(self._describe_notebook, aws, nb, errors))
        tagged = [
            (e.get("EndpointArn"), e.get("LastModifiedTime"))
            for e in lists["endpoints"]
            if e.get("EndpointStatus") in BILLING_ENDPOINT_STATUSES
        ]
        for kind, prefix in (
            ("training", "TrainingJob"),
            ("processing", "ProcessingJob"),
            ("transform", "TransformJob"),
        ):
            tagged += [(job.get(f"{prefix}Arn"), None) for job in lists[kind]]
        tagged += [(job.get("TrainingJobArn"), None) for job in lists["warm_pools"]]
        tagged = [(arn, version) for arn, version in tagged if arn]
        arns: set[str] = {str(arn) for arn, _ in tagged}
        index_due = not arns <= self._tag_index_covers or (
            self.monotonic() - self._tag_index_at >= self.metrics_interval
        )
        index_task = pool.submit(self._fetch_tag_index, aws, arns) if index_due and arns else None
        for future in [pool.submit(task) for task in tasks]:
            future.result()
        if index_task is not None and not index_task.result():
            # No tagging API (e.g. tag:GetResources not granted): ListTags per resource, once.
            fallback = [
                pool.submit(self._ensure_tags, aws, arn, version, errors)
                for arn, version in tagged
                if arn not in self._tag_index_covers
            ]
            for future in fallback:
                future.result()
        return {}

    def _fetch_tag_index(self, aws: _CountingAws, arns: set[str]) -> bool:
        """Tags of every SageMaker endpoint and job in ⌈n/100⌉ calls (untagged ones are not
        listed). Refreshed every `metrics_interval` and whenever a new endpoint or job shows."""
        params: dict[str, Any] = {"ResourceTypeFilters": TAGGED_TYPES, "ResourcesPerPage": 100}
        index: dict[str, dict[str, str]] = {}
        try:
            while True:
                page = aws.call("resourcegroupstaggingapi", "GetResources", **params)
                for item in page.get("ResourceTagMappingList", []):
                    tags = {t["Key"]: t["Value"] for t in item.get("Tags", [])}
                    index[item.get("ResourceARN", "")] = tags
                token = page.get("PaginationToken")
                if not token:
                    break
                params["PaginationToken"] = token
        except AwsError:
            return False
        with self._lock:
            self._tag_index = index
            self._tag_index_covers = set(arns)
            self._tag_index_at = self.monotonic()
        return True

    def _tags_of(self, arn: str | None) -> dict[str, str]:
        if not arn:
            return {}
        if arn in self._tag_index_covers:
            return self._tag_index.get(arn, {})
        return self._tags.get(arn, (None, {}))[1]

    def _known_tags(self, arn: str | None) -> dict[str, str] | None:
        """Tags for tag hygiene: None when they could not be read (no warning then)."""
        if not arn or (arn not in self._tag_index_covers and arn not in self._tags):
            return None
        return dict(self._tags_of(arn))

    # --------------------------------------------------------------- describes
    def _describe_domain(self, aws: _CountingAws, domain: dict[str, Any], errors: _Errors) -> None:
        try:
            desc = aws.call("sagemaker", "DescribeDomain", DomainId=domain["DomainId"])
            with self._lock:
                self._domain_desc[domain["DomainId"]] = desc
        except AwsError as err:
            errors.add(err, domain["DomainId"])

    def _describe_space(self, aws: _CountingAws, space: dict[str, Any], errors: _Errors) -> None:
        try:
            desc = aws.call(
                "sagemaker",
                "DescribeSpace",
                DomainId=space["DomainId"],
                SpaceName=space["SpaceName"],
            )
            with self._lock:
                self._space_desc[(space["DomainId"], space["SpaceName"])] = desc
        except AwsError as err:
            errors.add(err, space.get("SpaceName"))

    def _describe_endpoint(
        self, aws: _CountingAws, endpoint: dict[str, Any], errors: _Errors
    ) -> None:
        name = endpoint["EndpointName"]
        modified = endpoint.get("LastModifiedTime")
        cached = self._endpoint_desc.get(name)
        try:
            if cached is None or cached[0] != modified:
                desc = aws.call("sagemaker", "DescribeEndpoint", EndpointName=name)
                with self._lock:
                    self._endpoint_desc[name] = (modified, desc)
            desc = self._endpoint_desc[name][1]
            config_name = desc.get("EndpointConfigName")
            if config_name and config_name not in self._endpoint_config:
                config = aws.call(
                    "sagemaker", "DescribeEndpointConfig", EndpointConfigName=config_name
                )
                with self._lock:
                    self._endpoint_config[config_name] = config
        except AwsError as err:
            errors.add(err, name)

    def _describe_job(
        self, aws: _CountingAws, kind: str, prefix: str, job: dict[str, Any], errors: _Errors
    ) -> None:
        name = job.get(f"{prefix}Name")
        if (kind, name) not in self._job_desc:
            try:
                desc = aws.call("sagemaker", f"Describe{prefix}", **{f"{prefix}Name": name})
                with self._lock:
                    self._job_desc[(kind, name)] = desc
            except AwsError as err:
                errors.add(err, name)

    def _describe_notebook(self, aws: _CountingAws, nb: dict[str, Any], errors: _Errors) -> None:
        name = nb["NotebookInstanceName"]
        modified = nb.get("LastModifiedTime")
        cached = self._notebook_desc.get(name)
        if cached is not None and cached[0] == modified:
            return
        try:
            desc = aws.call("sagemaker", "DescribeNotebookInstance", NotebookInstanceName=name)
            with self._lock:
                self._notebook_desc[name] = (modified, desc)
        except AwsError as err:
            errors.add(err, name)

    def _ensure_tags(
        self, aws: _CountingAws, arn: str | None, version: Any, errors: _Errors
    ) -> None:
        """Tags of an endpoint or job, fetched once (again when the endpoint was modified)."""
        if not arn:
            return
        cached = self._tags.get(arn)
        if cached is not None and cached[0] == version:
            return
        try:
            tags = aws.list_all("sagemaker", "ListTags", "Tags", ResourceArn=arn)
            with self._lock:
                self._tags[arn] = (version, {t["Key"]: t["Value"] for t in tags})
        except AwsError as err:
            errors.add(err, arn.rsplit("/", 1)[-1])

    # ----------------------------------------------------------------- metrics
    def _fetch_metrics(
        self,
        aws: _CountingAws,
        pool: ThreadPoolExecutor,
        endpoints: list[dict[str, Any]],
        errors: _Errors,
    ) -> None:
        """Invocations over the idle window per endpoint (all variants), 500 queries a call."""
        due = self.monotonic() - self._metrics_at >= self.metrics_interval
        wanted: list[tuple[str, str]] = []
        for endpoint in endpoints:
            name = endpoint["EndpointName"]
            if (
                endpoint.get("EndpointStatus") not in BILLING_ENDPOINT_STATUSES
                or name not in self._endpoint_desc
            ):
                continue
            if not due and name in self._invocations:
                continue
            desc = self._endpoint_desc[name][1]
            for variant in desc.get("ProductionVariants") or []:
                if not variant.get("CurrentServerlessConfig"):
                    wanted.append((name, variant.get("VariantName", "AllTraffic")))
        if not wanted:
            return
        window = max(60, int(self.idle_endpoint_hours * 3600) // 60 * 60)
        end = datetime.fromtimestamp(self.clock(), timezone.utc).replace(second=0, microsecond=0)
        start = end - timedelta(seconds=window)
        batches = [
            wanted[i : i + METRIC_QUERIES_PER_CALL]
            for i in range(0, len(wanted), METRIC_QUERIES_PER_CALL)
        ]
        results = [pool.submit(_metric_batch, aws, batch, start, end, window) for batch in batches]
        sums: dict[str, float] = {}
        ok = True
        for future in results:
            try:
                for name, value in future.result().items():
                    sums[name] = sums.get(name, 0.0) + value
            except AwsError as err:
                errors.add(err)
                ok = False
        with self._lock:
            self._invocations.update(sums)
        if ok and due:
            self._metrics_at = self.monotonic()

    # ------------------------------------------------------------------- build
    def _build(
        self, lists: dict[str, list[dict[str, Any]]], _details: dict[str, Any], stale: list[str]
    ) -> list[r.Resource]:
        stale_set = set(stale)
        domains = {d["DomainId"]: d for d in lists["domains"]}
        self.names = _names(lists)
        space_owner: dict[tuple[Any, Any], str | None] = {}
        for space in lists["spaces"]:
            key = (space.get("DomainId"), space.get("SpaceName"))
            space_owner[key] = _space_owner(space, self._space_desc.get(key))
        out: list[r.Resource] = []
        out += self._build_apps(lists["apps"], space_owner, "apps" in stale_set)
        out += self._build_spaces(lists["spaces"], space_owner, "spaces" in stale_set)
        out += self._build_efs(lists["efs"], domains, {"efs", "domains"} & stale_set != set())
        out += self._build_endpoints(lists["endpoints"], space_owner, "endpoints" in stale_set)
        for kind, prefix in (
            ("training", "TrainingJob"),
            ("processing", "ProcessingJob"),
            ("transform", "TransformJob"),
        ):
            out += self._build_jobs(kind, prefix, lists[kind], space_owner, kind in stale_set)
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
                    usages=[_app_usage(app_type, instance)],
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
            size = _space_ebs_gb(space, self._space_desc.get((domain, name)))
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
            for domain_id, desc in self._domain_desc.items()
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
            cached = self._endpoint_desc.get(name)
            desc = cached[1] if cached else {}
            config = self._endpoint_config.get(desc.get("EndpointConfigName", ""), {})
            usages, variants = _endpoint_usages(desc, config)
            attribution = self._attribution(endpoint.get("EndpointArn"), space_owner)
            types = sorted({v["instance_type"] for v in variants if v.get("instance_type")})
            notes = (
                [] if cached else ["Details unavailable (DescribeEndpoint failed); price unknown."]
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
                    stale=stale or not cached,
                    facts={
                        "invocations": self._invocations.get(name),
                        "variants": variants,
                        "serverless_only": bool(variants)
                        and all(v.get("serverless") for v in variants),
                        "notes": notes,
                    },
                    **attribution,
                )
            )
            out[-1].facts["tags"] = self._known_tags(endpoint.get("EndpointArn"))
        return out

    def _attribution(self, arn: str | None, space_owner: dict) -> dict[str, Any]:
        """owner, space, domain_id and arn of a tagged endpoint or job, and notes."""
        found = attribute(
            self._tags_of(arn),
            self.names,
            self._home,
            lambda domain, space: space_owner.get((domain, space)),
        )
        note = found.pop("ownership_note", None)
        return {**found, "arn": arn, "notes": [f"Owner: {note}."] if note else []}

    def _build_jobs(
        self, kind: str, prefix: str, jobs: list[dict[str, Any]], space_owner: dict, stale: bool
    ) -> list[r.Resource]:
        resource_kind = {
            "training": r.TRAINING_JOB,
            "processing": r.PROCESSING_JOB,
            "transform": r.TRANSFORM_JOB,
        }[kind]
        out = []
        for job in jobs:
            name = job.get(f"{prefix}Name")
            desc = self._job_desc.get((kind, name))
            usages, instance, count, spot = _job_usages(kind, desc)
            start_key = {
                "training": "TrainingStartTime",
                "processing": "ProcessingStartTime",
                "transform": "TransformStartTime",
            }[kind]
            started = (
                (desc or {}).get(start_key)
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
            out[-1].facts["tags"] = self._known_tags(job.get(f"{prefix}Arn"))
        return out

    def _build_warm_pools(
        self, jobs: list[dict[str, Any]], space_owner: dict, stale: bool
    ) -> list[r.Resource]:
        out = []
        for job in jobs:
            name = str(job.get("TrainingJobName"))
            desc = self._job_desc.get(("warm", name))
            conf = (desc or {}).get("ResourceConfig") or {}
            instance, count = _billed_instances(conf)
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
            cached = self._notebook_desc.get(name)
            desc = cached[1] if cached else {}
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


# ---------------------------------------------------------------------- helpers
def _metric_batch(
    aws: _CountingAws, batch: list[tuple[str, str]], start: datetime, end: datetime, period: int
) -> dict[str, float]:
    queries = [
        {
            "Id": f"m{i}",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/SageMaker",
                    "MetricName": "Invocations",
                    "Dimensions": [
                        {"Name": "EndpointName", "Value": name},
                        {"Name": "VariantName", "Value": variant},
                    ],
                },
                "Period": period,
                "Stat": "Sum",
            },
            "ReturnData": True,
        }
        for i, (name, variant) in enumerate(batch)
    ]
    sums = {name: 0.0 for name, _ in batch}
    params: dict[str, Any] = {"MetricDataQueries": queries, "StartTime": start, "EndTime": end}
    while True:
        page = aws.call("cloudwatch", "GetMetricData", **params)
        for result in page.get("MetricDataResults", []):
            index = int(str(result.get("Id", "m-1"))[1:])
            if 0 <= index < len(batch):
                sums[batch[index][0]] += float(sum(result.get("Values") or []))
        token = page.get("NextToken")
        if not token:
            return sums
        params["NextToken"] = token


def _app_usage(app_type: str, instance: str) -> r.Usage:
    if app_type == "JupyterServer":
        return r.Usage(
            None, instance, 1.0, r.COMPUTE, "The Studio Classic JupyterServer app is free."
        )
    component = component_for_app(app_type)
    if component is None:
        return r.Usage(f"App-{app_type}", instance, 1.0, r.COMPUTE)
    if app_type == "Canvas":
        return r.Usage(component, "", 1.0, r.COMPUTE)
    if app_type == "KernelGateway" and instance in ("", "system"):
        return r.Usage(component, SYSTEM_KERNELGATEWAY_INSTANCE, 1.0, r.COMPUTE)
    return r.Usage(component, instance, 1.0, r.COMPUTE)


def _space_needs_describe(space: dict[str, Any]) -> bool:
    summary = space.get("SpaceSettingsSummary") or {}
    has_size = "EbsStorageSettings" in (summary.get("SpaceStorageSettings") or {})
    has_owner = "OwnerUserProfileName" in (space.get("OwnershipSettingsSummary") or {})
    # Only JupyterLab / CodeEditor spaces have EBS; Classic spaces (no AppType) live on EFS.
    return (bool(summary.get("AppType")) and not has_size) or not has_owner


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


def _endpoint_usages(
    desc: dict[str, Any], config: dict[str, Any]
) -> tuple[list[r.Usage], list[dict[str, Any]]]:
    if not desc:
        return [], []
    configured = {v.get("VariantName"): v for v in config.get("ProductionVariants") or []}
    asynchronous = bool(config.get("AsyncInferenceConfig"))
    usages: list[r.Usage] = []
    variants: list[dict[str, Any]] = []
    for variant in desc.get("ProductionVariants") or []:
        vname = variant.get("VariantName")
        conf = configured.get(vname, {})
        serverless = variant.get("CurrentServerlessConfig") or conf.get("ServerlessConfig")
        if serverless:
            memory_gb = int(serverless.get("MemorySizeInMB", 0)) // 1024
            usages.append(r.Usage("ServerlessInf", f"Mem-{memory_gb}GB", 1.0, r.SERVERLESS))
            variants.append(
                {
                    "name": vname,
                    "serverless": {
                        "memory_mb": serverless.get("MemorySizeInMB"),
                        "max_concurrency": serverless.get("MaxConcurrency"),
                    },
                }
            )
            continue
        # Asynchronous inference bills its own component (botocore:
        # DescribeEndpointConfigOutput.AsyncInferenceConfig); Hosting where that is unpriced.
        component, fallback = ("AsyncInf", "Hosting") if asynchronous else ("Hosting", None)
        pools = variant.get("InstancePools") or []
        if pools:
            # Instance pools (botocore: ProductionVariantSummary.InstancePools, each an
            # InstancePoolSummary of InstanceType and CurrentInstanceCount): what runs.
            running = [
                (str(p.get("InstanceType") or ""), int(p.get("CurrentInstanceCount") or 0))
                for p in pools
            ]
        else:
            count = variant.get("CurrentInstanceCount")
            if count is None:
                count = variant.get("DesiredInstanceCount", conf.get("InitialInstanceCount", 0))
            running = [(conf.get("InstanceType") or "", int(count or 0))]
        for instance, count in running:
            usages.append(r.Usage(component, instance, float(count), r.COMPUTE, fallback=fallback))
        total = sum(count for _, count in running)
        volume = conf.get("VolumeSizeInGB")
        if volume and total:
            usages.append(r.Usage("Hosting-Storage", "", float(volume) * total, r.STORAGE))
        row: dict[str, Any] = {
            "name": vname,
            "instance_type": ", ".join(sorted({i for i, _ in running if i})) or None,
            "count": total,
            "volume_gb": volume,
        }
        if pools:
            row["pools"] = [{"instance_type": i, "count": c} for i, c in running]
        if asynchronous:
            row["async"] = True
        variants.append(row)
    return usages, variants


def _job_usages(
    kind: str, desc: dict[str, Any] | None
) -> tuple[list[r.Usage], str | None, int | None, bool]:
    if not desc:
        return [], None, None, False
    if kind == "training":
        conf = desc.get("ResourceConfig") or {}
        component, storage = "Training", "Training-Storage"
        spot = bool(desc.get("EnableManagedSpotTraining"))
    elif kind == "processing":
        conf = (desc.get("ProcessingResources") or {}).get("ClusterConfig") or {}
        component, storage, spot = "Processing", "Processing-Storage", False
    else:
        conf = desc.get("TransformResources") or {}
        component, storage, spot = "BatchTransform", None, False
    groups = conf.get("InstanceGroups") or [conf]
    usages: list[r.Usage] = []
    total = 0
    types = []
    for group in groups:
        instance, count = _billed_instances(group)
        total += count
        types.append(instance)
        note = "" if instance else "Instance type not selected yet: price unknown."
        usages.append(r.Usage(component, instance, float(count), r.COMPUTE, note=note))
    volume = conf.get("VolumeSizeInGB")
    if storage and volume and total:
        usages.append(r.Usage(storage, "", float(volume) * total, r.STORAGE))
    return usages, ", ".join(sorted(set(filter(None, types)))) or None, total, spot


def _billed_instances(conf: dict[str, Any]) -> tuple[str, int]:
    """(instance type, count) a job's cluster bills. With flexible instance types
    (InstancePreferences) it is what SageMaker selected: botocore's ResourceConfig and
    ProcessingClusterConfig carry SelectedInstanceType and SelectedInstanceCount."""
    selected = conf.get("SelectedInstanceType")
    if selected:
        return str(selected), int(
            conf.get("SelectedInstanceCount") or conf.get("InstanceCount") or 0
        )
    return str(conf.get("InstanceType") or ""), int(conf.get("InstanceCount") or 0)


def _utc(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return None


def _names(lists: dict[str, list[dict[str, Any]]]) -> Names:
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
