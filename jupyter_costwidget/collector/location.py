"""Where the shared collector keeps its files in S3: one folder per account and region.

s3://<bucket>/<prefix>/<account>/<region>/spend.json    the snapshot (one PutObject)
s3://<bucket>/<prefix>/<account>/<region>/history.json  the rolling $/h history
s3://<bucket>/<prefix>/<account>/billing.json           Cost Explorer's figures
s3://<bucket>/<prefix>/<account>/notices.json           what was announced on SNS
"""

from __future__ import annotations

from dataclasses import dataclass

SPEND = "spend.json"
HISTORY = "history.json"
BILLING = "billing.json"
NOTICES = "notices.json"
# S3's answers to GetObject (Amazon S3 API Reference, GetObject): 304 Not Modified to an
# If-None-Match whose ETag still matches; NoSuchKey (404) for an object not written yet.
NOT_MODIFIED = ("304", "NotModified")
NO_SUCH_OBJECT = ("NoSuchKey", "404")


class BadSnapshotUrl(ValueError):
    """c.CostWidget.snapshot_url or --bucket/--prefix do not name an S3 folder."""


@dataclass(frozen=True)
class SnapshotLocation:
    bucket: str
    prefix: str = ""

    @classmethod
    def parse(cls, url: str) -> SnapshotLocation:
        """'s3://bucket/some/prefix' (a trailing slash is fine)."""
        if not url.startswith("s3://"):
            raise BadSnapshotUrl(f"{url!r} is not an s3:// URL (s3://<bucket>/<prefix>).")
        bucket, _, prefix = url[len("s3://") :].partition("/")
        if not bucket:
            raise BadSnapshotUrl(f"{url!r} names no bucket (s3://<bucket>/<prefix>).")
        return cls(bucket, prefix.strip("/"))

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def key(self, account: str, region: str | None, name: str) -> str:
        """The object key of `name` for an account (and region, for per-region files)."""
        parts = [self.prefix, account, region, name]
        return "/".join(part for part in parts if part)
