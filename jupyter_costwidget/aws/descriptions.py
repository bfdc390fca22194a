"""Describe calls the list calls cannot replace, cached as long as the answer holds.

Domains and spaces are described once; endpoint configs and job resource configs are
immutable; a DescribeEndpoint / DescribeNotebookInstance is reused while the list's
`LastModifiedTime` is unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

from jupyter_costwidget.aws.calls import CountingCalls, SourceErrors
from jupyter_costwidget.aws.clients import AwsError
from jupyter_costwidget.aws.job_kinds import RUNNING_JOBS

Lists = dict[str, list[dict[str, Any]]]

BILLING_ENDPOINT_STATUSES = {
    "InService",
    "Updating",
    "SystemUpdating",
    "RollingBack",
    "UpdateRollbackFailed",
}


class Descriptions:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.domains: dict[str, dict[str, Any]] = {}
        self.spaces: dict[tuple[Any, Any], dict[str, Any]] = {}
        self._endpoints: dict[str, tuple[Any, dict[str, Any]]] = {}
        self._endpoint_configs: dict[str, dict[str, Any]] = {}
        self._jobs: dict[tuple[Any, Any], dict[str, Any]] = {}
        self._notebooks: dict[str, tuple[Any, dict[str, Any]]] = {}

    # ------------------------------------------------------------- answers
    def endpoint(self, name: str) -> dict[str, Any] | None:
        cached = self._endpoints.get(name)
        return cached[1] if cached else None

    def endpoint_config(self, name: str) -> dict[str, Any]:
        return self._endpoint_configs.get(name, {})

    def job(self, kind: str, name: Any) -> dict[str, Any] | None:
        return self._jobs.get((kind, name))

    def notebook(self, name: str) -> dict[str, Any] | None:
        cached = self._notebooks.get(name)
        return cached[1] if cached else None

    # ---------------------------------------------------------------- calls
    def tasks(self, calls: CountingCalls, lists: Lists, errors: SourceErrors) -> list[Callable]:
        """What to describe now, skipping everything cached."""
        tasks: list[Callable[[], None]] = []
        for domain in lists["domains"]:
            if domain["DomainId"] not in self.domains:
                tasks.append(partial(self._describe_domain, calls, domain, errors))
        for space in lists["spaces"]:
            key = (space.get("DomainId"), space.get("SpaceName"))
            if key not in self.spaces and _space_needs_describe(space):
                tasks.append(partial(self._describe_space, calls, space, errors))
        for endpoint in lists["endpoints"]:
            if endpoint.get("EndpointStatus") in BILLING_ENDPOINT_STATUSES:
                tasks.append(partial(self._describe_endpoint, calls, endpoint, errors))
        for jobs in RUNNING_JOBS:
            for job in lists[jobs.source]:
                tasks.append(
                    partial(self._describe_job, calls, jobs.source, jobs.prefix, job, errors)
                )
        for job in lists["warm_pools"]:
            tasks.append(partial(self._describe_job, calls, "warm", "TrainingJob", job, errors))
        for nb in lists["notebooks"]:
            tasks.append(partial(self._describe_notebook, calls, nb, errors))
        return tasks

    def _describe_domain(
        self, calls: CountingCalls, domain: dict[str, Any], errors: SourceErrors
    ) -> None:
        try:
            desc = calls.call("sagemaker", "DescribeDomain", DomainId=domain["DomainId"])
            with self._lock:
                self.domains[domain["DomainId"]] = desc
        except AwsError as err:
            errors.add(err, domain["DomainId"])

    def _describe_space(
        self, calls: CountingCalls, space: dict[str, Any], errors: SourceErrors
    ) -> None:
        try:
            desc = calls.call(
                "sagemaker",
                "DescribeSpace",
                DomainId=space["DomainId"],
                SpaceName=space["SpaceName"],
            )
            with self._lock:
                self.spaces[(space["DomainId"], space["SpaceName"])] = desc
        except AwsError as err:
            errors.add(err, space.get("SpaceName"))

    def _versioned(
        self,
        cache: dict[str, tuple[Any, dict[str, Any]]],
        name: str,
        modified: Any,
        describe: Callable[[], dict[str, Any]],
    ) -> dict[str, Any]:
        """The cached answer while `modified` (the list's LastModifiedTime) is unchanged."""
        cached = cache.get(name)
        if cached is None or cached[0] != modified:
            desc = describe()
            with self._lock:
                cache[name] = (modified, desc)
            return desc
        return cached[1]

    def _describe_endpoint(
        self, calls: CountingCalls, endpoint: dict[str, Any], errors: SourceErrors
    ) -> None:
        name = endpoint["EndpointName"]
        try:
            desc = self._versioned(
                self._endpoints,
                name,
                endpoint.get("LastModifiedTime"),
                partial(calls.call, "sagemaker", "DescribeEndpoint", EndpointName=name),
            )
            config_name = desc.get("EndpointConfigName")
            if config_name and config_name not in self._endpoint_configs:
                config = calls.call(
                    "sagemaker", "DescribeEndpointConfig", EndpointConfigName=config_name
                )
                with self._lock:
                    self._endpoint_configs[config_name] = config
        except AwsError as err:
            errors.add(err, name)

    def _describe_job(
        self,
        calls: CountingCalls,
        kind: str,
        prefix: str,
        job: dict[str, Any],
        errors: SourceErrors,
    ) -> None:
        name = job.get(f"{prefix}Name")
        if (kind, name) not in self._jobs:
            try:
                desc = calls.call("sagemaker", f"Describe{prefix}", **{f"{prefix}Name": name})
                with self._lock:
                    self._jobs[(kind, name)] = desc
            except AwsError as err:
                errors.add(err, name)

    def _describe_notebook(
        self, calls: CountingCalls, nb: dict[str, Any], errors: SourceErrors
    ) -> None:
        name = nb["NotebookInstanceName"]
        try:
            self._versioned(
                self._notebooks,
                name,
                nb.get("LastModifiedTime"),
                partial(
                    calls.call, "sagemaker", "DescribeNotebookInstance", NotebookInstanceName=name
                ),
            )
        except AwsError as err:
            errors.add(err, name)


def _space_needs_describe(space: dict[str, Any]) -> bool:
    summary = space.get("SpaceSettingsSummary") or {}
    has_size = "EbsStorageSettings" in (summary.get("SpaceStorageSettings") or {})
    has_owner = "OwnerUserProfileName" in (space.get("OwnershipSettingsSummary") or {})
    # Only JupyterLab / CodeEditor spaces have EBS; Classic spaces (no AppType) live on EFS.
    return (bool(summary.get("AppType")) and not has_size) or not has_owner
