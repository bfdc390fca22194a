"""A reader of the shared collector's snapshot (c.CostWidget.snapshot_url): one conditional
GetObject a refresh, so a server that has the file already gets a 304 and no body.

Blocking (boto3): runs in the spend engine's worker thread.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from jupyter_costwidget.api.models import SharedSnapshot
from jupyter_costwidget.aws.clients import AwsClients, AwsError
from jupyter_costwidget.collector.location import (
    HISTORY,
    NO_SUCH_OBJECT,
    NOT_MODIFIED,
    SPEND,
    SnapshotLocation,
)

SOURCE = "snapshot"


@dataclass
class SharedRead:
    """The last good file (None if none yet) and what went wrong with this read, if
    anything."""

    document: dict[str, Any] | None
    error: dict[str, str] | None
    calls: int
    seconds: float = 0.0


def generated_ts(document: dict[str, Any]) -> float:
    generated = document["snapshot"]["generated_at"]
    return datetime.fromisoformat(str(generated).replace("Z", "+00:00")).timestamp()


class SharedSnapshotReader:
    def __init__(self, location: SnapshotLocation, aws: Callable[[], AwsClients]) -> None:
        self.location = location
        self.aws = aws
        self._key: str | None = None
        self._etag: str | None = None
        self._document: dict[str, Any] | None = None
        self.gets = 0  # GetObject calls so far (tests and the bench read it)

    def url(self, account: str | None, region: str | None) -> str:
        return f"s3://{self.location.bucket}/{self.location.key(account or '?', region, SPEND)}"

    def read(self, account: str | None, region: str | None) -> SharedRead:
        """The snapshot of `account` and `region`, fetched only when it changed."""
        began = time.perf_counter()
        read = self._read(account, region)
        read.seconds = round(time.perf_counter() - began, 3)
        return read

    def _read(self, account: str | None, region: str | None) -> SharedRead:
        if not account or not region:
            return SharedRead(
                self._document,
                snapshot_error(
                    "NoContext",
                    "This server does not know its account and region, so it cannot tell "
                    "which shared snapshot is its own.",
                    "Run inside SageMaker, or set c.CostWidget.region and AWS credentials.",
                ),
                0,
            )
        key = self.location.key(account, region, SPEND)
        if key != self._key:
            self._key, self._etag, self._document = key, None, None
        params: dict[str, Any] = {"Bucket": self.location.bucket, "Key": key}
        if self._etag and self._document is not None:
            params["IfNoneMatch"] = self._etag
        self.gets += 1
        try:
            answer = self.aws().call("s3", "GetObject", **params)
            body = answer["Body"].read()
        except AwsError as err:
            if err.code in NOT_MODIFIED:
                return SharedRead(self._document, None, 1)
            return SharedRead(self._document, self._failed(err, key), 1)
        try:
            document = json.loads(body)
            SharedSnapshot.model_validate(document)
            if document["account"] != account or document["region"] != region:
                raise ValueError("the file is another account's or region's")
        except (ValueError, ValidationError) as exc:
            return SharedRead(
                self._document,
                snapshot_error(
                    "SnapshotUnreadable",
                    f"s3://{self.location.bucket}/{key} is not a snapshot this version can "
                    f"read ({_first_line(exc)}).",
                    "Update the collector and this extension to the same version.",
                ),
                1,
            )
        self._etag, self._document = answer.get("ETag"), document
        return SharedRead(document, None, 1)

    def read_history(self, account: str, region: str) -> list[dict[str, Any]]:
        """The collector's rolling history (its points, oldest first); [] when missing."""
        key = self.location.key(account, region, HISTORY)
        try:
            answer = self.aws().call("s3", "GetObject", Bucket=self.location.bucket, Key=key)
            data = json.loads(answer["Body"].read())
        except (AwsError, ValueError):
            return []
        points = data.get("points") if isinstance(data, dict) else None
        return [p for p in points or [] if isinstance(p, dict) and isinstance(p.get("t"), str)]

    def _failed(self, err: AwsError, key: str) -> dict[str, str]:
        where = f"s3://{self.location.bucket}/{key}"
        if err.code in NO_SUCH_OBJECT or err.code == "NoSuchBucket":
            return snapshot_error(
                "SnapshotMissing",
                f"There is no shared snapshot at {where}.",
                "Deploy the collector (examples/collector/template.yaml) for this account and "
                "region, or check c.CostWidget.snapshot_url.",
            )
        described = err.as_dict()
        if err.code in ("AccessDenied", "403"):
            # Without s3:ListBucket S3 answers AccessDenied for an object that does not exist
            # (Amazon S3 API Reference, GetObject, "Permissions").
            described["hint"] += (
                " If the role has it, the collector may not have written this file yet."
            )
        return {**described, "source": SOURCE, "message": f"{where}: {described['message']}"}


def snapshot_error(code: str, message: str, hint: str) -> dict[str, str]:
    """A problem with the shared snapshot, as /spend and /billing list it."""
    return {"source": SOURCE, "code": code, "message": message, "hint": hint}


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:160]
