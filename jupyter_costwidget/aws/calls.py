"""One scan's AWS calls: counted, denied operations remembered, failures gathered per source."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from jupyter_costwidget.aws.clients import ACCESS_DENIED_CODES, AwsClients, AwsError

PAGE_SIZE = 100


class SourceErrors:
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


class CountingCalls:
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

    def call(self, service: str, operation: str, **kwargs: Any) -> dict[str, Any]:
        self._check_denied(service, operation)
        self._count()
        try:
            return self._aws.call(service, operation, **kwargs)
        except AwsError as err:
            self._remember_denial(err)
            raise

    def list_all(
        self, service: str, operation: str, key: str, **kwargs: Any
    ) -> list[dict[str, Any]]:
        """All items of a list call, 100 a page through botocore's paginator, counting each
        page (a failed request counts too)."""
        self._check_denied(service, operation)
        items: list[dict[str, Any]] = []
        try:
            for page in self._aws.pages(service, operation, PAGE_SIZE, **kwargs):
                self._count()
                items += page.get(key, [])
        except AwsError as err:
            self._count()
            self._remember_denial(err)
            raise
        return items
