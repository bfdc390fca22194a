"""Billed spend of a reader of the shared collector: the collector's billing.json (the
billing cache's own file, Cost Explorer's figures and the day's request count) read from S3
with a conditional GET, so readers never ask Cost Explorer themselves."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from jupyter_costwidget.aws.clients import AwsClients, AwsError
from jupyter_costwidget.aws.context import Context
from jupyter_costwidget.billing.cache import BillingCache
from jupyter_costwidget.billing.rows import (
    NOT_IN_A_DOMAIN,
    mine_from_owner_groups,
    no_share,
    owner_arns_of,
)
from jupyter_costwidget.collector.location import (
    BILLING,
    NO_SUCH_OBJECT,
    NOT_MODIFIED,
    SnapshotLocation,
)
from jupyter_costwidget.spend.shared_reader import snapshot_error


class SharedBillingReader:
    def __init__(
        self, location: SnapshotLocation, aws: Callable[[], AwsClients], cache: BillingCache
    ) -> None:
        self.location = location
        self.aws = aws
        self.cache = cache
        self._etag: str | None = None

    def read(self, account: str | None) -> dict[str, str] | None:
        """Refresh the cache from S3 (blocking); the error to show, if any."""
        if not account:
            return snapshot_error("NoContext", "This server does not know its account yet.", "")
        key = self.location.key(account, None, BILLING)
        params: dict[str, Any] = {"Bucket": self.location.bucket, "Key": key}
        if self._etag and self.cache.loaded:
            params["IfNoneMatch"] = self._etag
        try:
            answer = self.aws().call("s3", "GetObject", **params)
            data = json.loads(answer["Body"].read())
        except AwsError as err:
            if err.code in NOT_MODIFIED:
                return None
            if not self.cache.loaded:
                self.cache.replace({})
            if err.code in NO_SUCH_OBJECT:
                return snapshot_error(
                    "SnapshotMissing",
                    f"The collector has written no billed spend at s3://{self.location.bucket}/"
                    f"{key} yet.",
                    "It asks Cost Explorer on its first run when c.CostWidget.billing_enabled "
                    "is on for it; check its log.",
                )
            return {**err.as_dict(), "source": "snapshot"}
        except ValueError:
            return snapshot_error(
                "SnapshotUnreadable", f"s3://{self.location.bucket}/{key} is not JSON.", ""
            )
        self.cache.replace(data if isinstance(data, dict) else {})
        self._etag = answer.get("ETag")
        return None


def reader_mine(
    by_owner: dict[str, Any] | None,
    context: Context | None,
    my_spaces: list[str],
) -> dict[str, Any]:
    """A reader's billed "mine" from the collector's split of the month by owner tags."""
    arns = owner_arns_of(context, my_spaces)
    if arns is None:
        return no_share(NOT_IN_A_DOMAIN)
    if by_owner is None:
        return no_share(
            "The collector has not split billed spend by owner: the SageMaker cost allocation "
            "tags (sagemaker:user-profile-arn, sagemaker:space-arn) are not active, or its "
            "request failed (see its log)."
        )
    return {
        "month_to_date": mine_from_owner_groups(by_owner["groups"], *arns),
        "filtered_by": list(by_owner["keys"]),
        "message": "Costs tagged with your user profile or spaces, from the shared collector's "
        "split of the month (tags apply from their activation on); updated once a day.",
    }
