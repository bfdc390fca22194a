"""What billed spend keeps on disk (`billing.json` under the state dir): the last fetch's
result, what is asked once a day, and the day's Cost Explorer request count. A restarted
server starts from it; writes are atomic (a temporary file, then a rename)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jupyter_costwidget.billing.requests import DailyRequestBudget

FORMAT = 1


@dataclass
class BillingCache:
    path: str
    budget: DailyRequestBudget
    clock: Callable[[], float]
    log: Any
    # The fetch thread writes, the event loop reads.
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _disk: dict[str, Any] | None = None  # None until loaded

    @property
    def loaded(self) -> bool:
        return self._disk is not None

    def forget(self) -> None:
        """Drop everything (the bench's full fetch each time)."""
        with self._lock:
            self._disk = {}

    def copy(self) -> dict[str, Any]:
        with self._lock:
            return json.loads(json.dumps(self._disk or {}))

    def result(self) -> dict[str, Any]:
        with self._lock:
            return dict((self._disk or {}).get("result") or {})

    def daily(self) -> dict[str, Any]:
        with self._lock:
            return dict((self._disk or {}).get("daily") or {})

    # ------------------------------------------------------------- the request count
    def take_request(self) -> bool:
        """Count one Cost Explorer request; False when today's limit is used up."""
        with self._lock:
            assert self._disk is not None
            counter = self._disk.setdefault("requests", {})
            return self.budget.take(counter, self.clock())

    def limit_reached(self) -> bool:
        with self._lock:
            counter = dict((self._disk or {}).get("requests") or {})
        return self.budget.exhausted(counter, self.clock())

    def requests_today(self, disk: dict[str, Any]) -> int:
        return self.budget.used(disk.get("requests"), self.clock())

    # ------------------------------------------------------------------ the file
    def load(self) -> None:
        data: dict[str, Any] = {}
        try:
            with open(self.path, encoding="utf-8") as fh:
                loaded = json.load(fh)
            if isinstance(loaded, dict) and loaded.get("format") == FORMAT:
                data = loaded
        except FileNotFoundError:
            pass
        except (OSError, ValueError):
            self.log.warning("costwidget: ignoring unreadable %s", self.path)
        with self._lock:
            if self._disk is None:
                self._disk = data

    def replace(self, data: dict[str, Any]) -> None:
        """Take the whole file's content as read elsewhere (a reader of the collector's
        billing.json in S3)."""
        with self._lock:
            self._disk = data if data.get("format") == FORMAT else {}

    def text(self) -> str:
        """The file's content as `store` writes it."""
        with self._lock:
            return json.dumps(self._disk or {}, indent=1, sort_keys=True)

    def store(self, result: dict[str, Any], daily: dict[str, Any]) -> None:
        with self._lock:
            assert self._disk is not None
            self._disk["format"] = FORMAT
            self._disk["result"] = result
            self._disk["daily"] = daily
            text = json.dumps(self._disk, indent=1, sort_keys=True)
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            tmp = f"{self.path}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, self.path)
        except OSError as exc:  # a read-only home still serves from memory
            self.log.warning("costwidget: could not save %s: %s", self.path, exc)
