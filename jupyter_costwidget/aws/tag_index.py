"""Tags of SageMaker endpoints and jobs, for ownership and tag hygiene.

One tag:GetResources pass (100 a page) covers every tagged endpoint and job; it is redone every
`refresh_seconds` and whenever a new ARN shows. Without the tagging API, ListTags is called
once per resource (again when an endpoint was modified).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from jupyter_costwidget.aws.calls import PAGE_SIZE, CountingCalls, SourceErrors
from jupyter_costwidget.aws.clients import AwsError

TAGGED_TYPES = [
    "sagemaker:endpoint",
    "sagemaker:training-job",
    "sagemaker:processing-job",
    "sagemaker:transform-job",
]


class TagIndex:
    def __init__(self, refresh_seconds: float, monotonic: Callable[[], float]) -> None:
        self.refresh_seconds = refresh_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._listed: dict[str, tuple[Any, dict[str, str]]] = {}  # ListTags, per ARN
        self._index: dict[str, dict[str, str]] = {}  # tag:GetResources
        self._index_covers: set[str] = set()
        self._index_at = 0.0

    def index_due(self, arns: set[str]) -> bool:
        return bool(arns) and (
            not arns <= self._index_covers
            or self._monotonic() - self._index_at >= self.refresh_seconds
        )

    def fetch_index(self, calls: CountingCalls, arns: set[str]) -> bool:
        """Tags of every SageMaker endpoint and job in ⌈n/100⌉ calls (untagged ones are not
        listed). False when the tagging API failed."""
        params: dict[str, Any] = {
            "ResourceTypeFilters": TAGGED_TYPES,
            "ResourcesPerPage": PAGE_SIZE,
        }
        index: dict[str, dict[str, str]] = {}
        try:
            while True:
                page = calls.call("resourcegroupstaggingapi", "GetResources", **params)
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
            self._index = index
            self._index_covers = set(arns)
            self._index_at = self._monotonic()
        return True

    def uncovered(self, arns: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
        return [(arn, version) for arn, version in arns if arn not in self._index_covers]

    def ensure_listed(
        self, calls: CountingCalls, arn: str, version: Any, errors: SourceErrors
    ) -> None:
        """ListTags of one endpoint or job, once (again when `version` changed)."""
        cached = self._listed.get(arn)
        if cached is not None and cached[0] == version:
            return
        try:
            tags = calls.list_all("sagemaker", "ListTags", "Tags", ResourceArn=arn)
            with self._lock:
                self._listed[arn] = (version, {t["Key"]: t["Value"] for t in tags})
        except AwsError as err:
            errors.add(err, arn.rsplit("/", 1)[-1])

    def tags_of(self, arn: str | None) -> dict[str, str]:
        if not arn:
            return {}
        if arn in self._index_covers:
            return self._index.get(arn, {})
        return self._listed.get(arn, (None, {}))[1]

    def known_tags(self, arn: str | None) -> dict[str, str] | None:
        """Tags for tag hygiene: None when they could not be read (no warning then)."""
        if not arn or (arn not in self._index_covers and arn not in self._listed):
            return None
        return dict(self.tags_of(arn))
