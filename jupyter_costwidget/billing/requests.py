"""The daily Cost Explorer request budget.

Every Cost Explorer API request costs $0.01 (https://aws.amazon.com/aws-cost-management/pricing/),
so a server sends at most `limit` of them per UTC day. The counter is a plain dict
(`{"day": "YYYY-MM-DD", "count": n}`) so it persists in billing.json as it is.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any


def utc_day(ts: float) -> str:
    """The UTC calendar day of `ts` (seconds since the epoch), as YYYY-MM-DD."""
    return datetime.fromtimestamp(ts, timezone.utc).date().isoformat()


class DailyRequestBudget:
    """At most `limit` requests per UTC day, counted in a persisted counter dict."""

    def __init__(self, limit: int) -> None:
        self.limit = int(limit)

    @staticmethod
    def used(counter: dict[str, Any] | None, now: float) -> int:
        """Requests sent on the UTC day of `now` (a counter from another day counts none)."""
        counter = counter or {}
        return int(counter.get("count", 0)) if counter.get("day") == utc_day(now) else 0

    def exhausted(self, counter: dict[str, Any] | None, now: float) -> bool:
        return self.used(counter, now) >= self.limit

    def take(self, counter: dict[str, Any], now: float) -> bool:
        """Count one request in `counter` if today's budget allows it; False when used up."""
        today = utc_day(now)
        if counter.get("day") != today:
            counter.clear()
            counter.update({"day": today, "count": 0})
        if counter["count"] >= self.limit:
            return False
        counter["count"] += 1
        return True
