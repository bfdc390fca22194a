"""The one place that talks to AWS: boto3 clients, retries, pagination and error hints.

Everything else asks this module for clients and turns its `AwsError`s into user-facing
`errors` entries. boto3 is synchronous; callers run it in a thread pool, never on the
tornado event loop.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.exceptions
from botocore.config import Config

# The IAM action each operation needs, by "<service>.<Operation>". Used in error hints.
_IAM_PREFIX = {
    "sagemaker": "sagemaker",
    "elasticfilesystem": "elasticfilesystem",
    "efs": "elasticfilesystem",
    "cloudwatch": "cloudwatch",
    "monitoring": "cloudwatch",
    "pricing": "pricing",
    "ce": "ce",
    "budgets": "budgets",
    "sts": "sts",
    "resourcegroupstaggingapi": "tag",
    "tagging": "tag",
}

ACCESS_DENIED_CODES = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
}
THROTTLE_CODES = {
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
}


# Operations whose IAM action is not named after them.
_IAM_ACTIONS = {
    "budgets.DescribeBudgets": "budgets:ViewBudget",
    "budgets.DescribeBudget": "budgets:ViewBudget",
}


def iam_action(source: str) -> str:
    """'sagemaker.ListApps' -> 'sagemaker:ListApps' (the IAM action to grant)."""
    if source in _IAM_ACTIONS:
        return _IAM_ACTIONS[source]
    service, _, operation = source.partition(".")
    return f"{_IAM_PREFIX.get(service, service)}:{operation}"


@dataclass
class AwsError(Exception):
    """A failed AWS call, described for users: what failed, why, and how to fix it."""

    source: str  # "<service>.<Operation>"
    code: str
    message: str
    hint: str

    def __str__(self) -> str:
        return f"{self.source}: {self.code}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return {
            "source": self.source,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
        }


def describe_error(source: str, exc: BaseException) -> AwsError:
    """Turn any exception raised by a boto3 call into an `AwsError` with a fix-it hint."""
    if isinstance(exc, AwsError):
        return exc
    if isinstance(exc, botocore.exceptions.ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code") or "ClientError")
        message = str(err.get("Message") or exc)
        if code in ACCESS_DENIED_CODES:
            hint = f"Grant the IAM action {iam_action(source)} to this app's execution role."
        elif code in THROTTLE_CODES:
            hint = "AWS throttled the request after retries; it is retried on the next refresh."
        else:
            hint = "AWS rejected the request; see the message."
        return AwsError(source, code, message, hint)
    if isinstance(
        exc, botocore.exceptions.NoCredentialsError | botocore.exceptions.PartialCredentialsError
    ):
        return AwsError(
            source,
            "NoCredentials",
            "No AWS credentials were found.",
            "Run inside SageMaker with an execution role, or configure credentials "
            "(AWS_PROFILE, ~/.aws/credentials or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).",
        )
    if isinstance(exc, botocore.exceptions.NoRegionError):
        return AwsError(
            source,
            "NoRegion",
            "No AWS region is configured.",
            "Set c.CostWidget.region or AWS_DEFAULT_REGION.",
        )
    if isinstance(
        exc,
        botocore.exceptions.EndpointConnectionError
        | botocore.exceptions.ConnectionClosedError
        | botocore.exceptions.ReadTimeoutError
        | botocore.exceptions.ConnectTimeoutError,
    ):
        return AwsError(
            source,
            "Unreachable",
            "The AWS endpoint could not be reached.",
            "Check the network or c.CostWidget.endpoint_url.",
        )
    # Never echo arbitrary exception text that could contain secrets: type name only.
    return AwsError(
        source, type(exc).__name__, "The call failed unexpectedly.", "See the server log."
    )


class AwsClients:
    """Thread-safe factory of boto3 clients for one region, with adaptive retries.

    boto3 clients are thread-safe (Sessions are not): one client per service, made once
    under a lock from its own Session and shared by all worker threads. Making a client costs
    ~0.1 s, so per-thread clients made a scan's first calls slow.
    """

    def __init__(
        self,
        region: str | None,
        endpoint_url: str | None = None,
        max_attempts: int = 5,
        max_pool_connections: int = 16,
        retry_mode: str = "adaptive",
    ) -> None:
        self.region = region or None
        self.endpoint_url = endpoint_url or None
        # "adaptive" slows the client down in real time after throttling; a benchmark on a
        # simulated clock uses "standard".
        self._config = Config(
            retries={"mode": retry_mode, "max_attempts": max_attempts},
            max_pool_connections=max_pool_connections,
            connect_timeout=5,
            read_timeout=30,
        )
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()

    def client(self, service: str) -> Any:
        client = self._clients.get(service)
        if client is not None:
            return client
        with self._clients_lock:
            if service not in self._clients:
                session = boto3.session.Session()
                # The Pricing API lives only in a few regions; us-east-1 serves every region.
                region = "us-east-1" if service == "pricing" else self.region
                config = self._config
                if service == "s3" and self.endpoint_url:
                    # A local endpoint (the sandbox) has no per-bucket host names.
                    config = config.merge(Config(s3={"addressing_style": "path"}))
                self._clients[service] = session.client(
                    service, region_name=region, endpoint_url=self.endpoint_url, config=config
                )
            return self._clients[service]

    def call(self, service: str, operation: str, **kwargs: Any) -> dict[str, Any]:
        """Call one operation ("ListApps"), raising `AwsError` on failure."""
        source = f"{_display_service(service)}.{operation}"
        client = self.client(service)
        try:
            return getattr(client, _snake(operation))(**kwargs)
        except Exception as exc:
            raise describe_error(source, exc) from exc

    def pages(
        self, service: str, operation: str, page_size: int = 100, **kwargs: Any
    ) -> Iterator[dict[str, Any]]:
        """Every page of a list call, through botocore's paginator for it (which knows the
        operation's token and page-size names), `page_size` items a page."""
        source = f"{_display_service(service)}.{operation}"
        client = self.client(service)
        try:
            paginator = client.get_paginator(_snake(operation))
            yield from paginator.paginate(**kwargs, PaginationConfig={"PageSize": page_size})
        except Exception as exc:
            raise describe_error(source, exc) from exc

    def paginate(
        self, service: str, operation: str, result_key: str, page_size: int = 100, **kwargs: Any
    ) -> Iterator[dict[str, Any]]:
        """The items under `result_key` of every page of a list call."""
        for page in self.pages(service, operation, page_size, **kwargs):
            yield from page.get(result_key, [])


def _display_service(service: str) -> str:
    # boto3 names EFS "efs"; call counts and hints use the wire/IAM names.
    return {"efs": "elasticfilesystem"}.get(service, service)


def _snake(operation: str) -> str:
    out = []
    for i, ch in enumerate(operation):
        if (
            ch.isupper()
            and i
            and (
                not operation[i - 1].isupper()
                or (i + 1 < len(operation) and operation[i + 1].islower())
            )
        ):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)
