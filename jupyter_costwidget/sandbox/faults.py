"""Injected faults: latency, throttling, errors and denials, keyed "<service>.<Operation>".

`rate_limit` is AWS's account-level API rate limit: a token bucket per operation (and
account), refilled at `per_second` with a burst of `burst`, beyond which calls answer
ThrottlingException ("Rate exceeded") until tokens come back. AWS describes its API limits
as token buckets in the EC2 API reference ("Request throttling",
https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html); SageMaker's own
per-operation figures are not published, so tests and the bench choose theirs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ALL = "*"


class FaultError(ValueError):
    """A bad POST /_sandbox/faults body."""


@dataclass
class Decision:
    latency_ms: float = 0.0
    error: tuple[int, str, str] | None = None  # (status, code kind, message)


@dataclass
class RateLimit:
    """One token bucket per operation it covers."""

    per_second: float
    burst: float
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # op -> (tokens, t)

    def take(self, key: str, now: float) -> bool:
        tokens, then = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + max(0.0, now - then) * self.per_second)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1.0, now)
        return True


class Faults:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self.clock = clock  # the rate limits' time (the team bench simulates it)
        self.throttled = 0  # calls answered ThrottlingException by a rate limit
        self.clear()

    def clear(self) -> None:
        with getattr(self, "_lock", threading.Lock()):
            self.latency: dict[str, float] = {}
            self.throttle: dict[str, int] = {}
            self.errors: dict[str, list[int]] = {}  # op -> [status, remaining]
            self.deny: set[str] = set()
            self.rate_limits: dict[str, RateLimit] = {}  # op (or "*": each op) -> its limit

    def add(self, body: Any) -> None:
        """Validate a whole body first, then apply it (a bad body changes nothing)."""
        if not isinstance(body, dict) or not body:
            raise FaultError(
                "body must be a JSON object with latency_ms, throttle, error, deny or rate_limit"
            )
        unknown = set(body) - {
            "latency_ms",
            "operations",
            "throttle",
            "error",
            "deny",
            "rate_limit",
        }
        if unknown:
            raise FaultError(f"unknown key(s): {', '.join(sorted(unknown))}")
        updates: list[tuple[str, Any]] = []
        if "latency_ms" in body:
            ms = body["latency_ms"]
            if isinstance(ms, bool) or not isinstance(ms, int | float) or ms < 0:
                raise FaultError("latency_ms must be a number >= 0")
            ops = body.get("operations") or [ALL]
            _check_ops(ops, "operations")
            updates += [("latency", (op, float(ms))) for op in ops]
        elif "operations" in body:
            raise FaultError("operations goes with latency_ms")
        if "throttle" in body:
            t = body["throttle"]
            if not isinstance(t, dict):
                raise FaultError("throttle must be an object {operation, count}")
            op, count = t.get("operation", ALL), t.get("count", 1)
            _check_ops([op], "throttle.operation")
            _check_count(count, "throttle.count")
            updates.append(("throttle", (op, count)))
        if "error" in body:
            e = body["error"]
            if not isinstance(e, dict):
                raise FaultError("error must be an object {operation, status, count}")
            op, status, count = e.get("operation", ALL), e.get("status", 500), e.get("count", 1)
            _check_ops([op], "error.operation")
            if not isinstance(status, int) or not 400 <= status <= 599:
                raise FaultError("error.status must be an HTTP error status (400-599)")
            _check_count(count, "error.count")
            updates.append(("error", (op, status, count)))
        if "rate_limit" in body:
            limit = body["rate_limit"]
            if not isinstance(limit, dict):
                raise FaultError("rate_limit must be an object {operation, per_second, burst}")
            op, per_second = limit.get("operation", ALL), limit.get("per_second")
            burst = limit.get("burst", per_second)
            _check_ops([op], "rate_limit.operation")
            for name, value in (("per_second", per_second), ("burst", burst)):
                if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                    raise FaultError(f"rate_limit.{name} must be a number > 0")
            if burst < 1:
                raise FaultError("rate_limit.burst must be at least 1")
            updates.append(("rate_limit", (op, RateLimit(float(per_second), float(burst)))))
        if "deny" in body:
            _check_ops(body["deny"], "deny")
            updates += [("deny", op) for op in body["deny"]]
        with self._lock:
            for kind, value in updates:
                if kind == "latency":
                    self.latency[value[0]] = value[1]
                elif kind == "throttle":
                    self.throttle[value[0]] = self.throttle.get(value[0], 0) + value[1]
                elif kind == "error":
                    self.errors[value[0]] = [value[1], value[2]]
                elif kind == "rate_limit":
                    self.rate_limits[value[0]] = value[1]
                else:
                    self.deny.add(value)

    def decide(self, key: str) -> Decision:
        """What happens to one call; consumes one count of a throttle or error fault."""
        with self._lock:
            decision = Decision(self.latency.get(key, self.latency.get(ALL, 0.0)))
            if key in self.deny or ALL in self.deny:
                decision.error = (400, "deny", f"User is not authorized to perform: {_iam(key)}")
                return decision
            limit = self.rate_limits.get(key) or self.rate_limits.get(ALL)
            if limit is not None and not limit.take(key, self.clock()):
                self.throttled += 1
                decision.error = (400, "throttle", "Rate exceeded")
                return decision
            for op in (key, ALL):
                if self.throttle.get(op, 0) > 0:
                    self.throttle[op] -= 1
                    decision.error = (400, "throttle", "Rate exceeded")
                    return decision
            for op in (key, ALL):
                err = self.errors.get(op)
                if err and err[1] > 0:
                    err[1] -= 1
                    decision.error = (
                        err[0],
                        "error",
                        "We encountered an internal error. Please try again.",
                    )
                    return decision
            return decision

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "latency_ms": dict(self.latency),
                "throttle": {k: v for k, v in self.throttle.items() if v > 0},
                "error": {
                    k: {"status": v[0], "count": v[1]} for k, v in self.errors.items() if v[1] > 0
                },
                "deny": sorted(self.deny),
                "rate_limit": {
                    op: {"per_second": limit.per_second, "burst": limit.burst}
                    for op, limit in self.rate_limits.items()
                },
            }


def _iam(key: str) -> str:
    service, _, op = key.partition(".")
    return f"{service}:{op}"


def _check_ops(ops: Any, field: str) -> None:
    if not isinstance(ops, list) or not all(
        isinstance(o, str) and (o == ALL or ("." in o and all(o.split(".", 1)))) for o in ops
    ):
        raise FaultError(f"{field} must be a list of '<service>.<Operation>' names")


def _check_count(count: Any, field: str) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise FaultError(f"{field} must be an integer >= 1")
