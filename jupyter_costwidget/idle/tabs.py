"""The JupyterLab tabs connected to this server: what each said last (its unsaved documents),
and the "save your documents" round before a stop."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from jupyter_costwidget.config import CostWidget
from jupyter_costwidget.idle.times import ago, iso
from jupyter_costwidget.idle.work import Blocker

WaitEvent = Callable[[asyncio.Event, float], Awaitable[None]]


class StopCancelled(Exception):
    """The stop was called off (failed save, no acknowledgement, new activity)."""


class IdleInputError(ValueError):
    """A user's request the monitor refuses (the route answers 400 with this message)."""


@dataclass
class SaveRequest:
    """One round of "save your documents" sent to every connected front-end."""

    id: str
    deadline: float
    reason: str
    pending: set[str]
    failures: list[str] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "deadline": iso(self.deadline), "reason": self.reason}


@dataclass(frozen=True)
class ClientReport:
    """What a tab said when it last polled: when, and its documents with unsaved changes."""

    seen: float = 0.0
    unsaved: tuple[str, ...] = ()


class Tabs:
    def __init__(
        self, config: CostWidget, clock: Callable[[], float], log: Any, wait_event: WaitEvent
    ) -> None:
        self.config = config
        self.clock = clock
        self.log = log
        self.wait_event = wait_event
        self.clients: dict[str, ClientReport] = {}
        self.released: set[str] = set()  # silent tabs past idle_unsaved_max_hours
        self.save_request: SaveRequest | None = None

    def register(self, client_id: str, unsaved: list[str] | None = None) -> None:
        """A tab polled; `unsaved` names its documents with unsaved changes (None: unknown,
        keep what it said last)."""
        previous = self.clients.get(client_id)
        documents = tuple(unsaved) if unsaved is not None else (previous or ClientReport()).unsaved
        self.clients[client_id] = ClientReport(self.clock(), documents)
        self.released.discard(client_id)

    def unregister(self, client_id: str) -> None:
        """A tab closed: it will not answer save requests any more."""
        self.clients.pop(client_id, None)
        self.released.discard(client_id)
        req = self.save_request
        if req is not None and client_id in req.pending:
            req.pending.discard(client_id)
            if not req.pending:
                req.done.set()

    def connected(self) -> set[str]:
        """Tabs that polled recently. A silent tab is forgotten unless its last report said
        it had unsaved documents: that is kept for the unsaved-work rule."""
        now = self.clock()
        for cid, report in list(self.clients.items()):
            if now - report.seen > self.config.idle_client_ttl_seconds and not report.unsaved:
                del self.clients[cid]
        return {
            cid
            for cid, r in self.clients.items()
            if now - r.seen <= self.config.idle_client_ttl_seconds
        }

    def silent_unsaved(self) -> dict[str, ClientReport]:
        """Tabs that went silent while holding unsaved documents, by client id."""
        now = self.clock()
        return {
            cid: report
            for cid, report in self.clients.items()
            if report.unsaved and now - report.seen > self.config.idle_client_ttl_seconds
        }

    def unsaved_blockers(self, now: float) -> list[Blocker]:
        limit = self.config.idle_unsaved_max_hours * 3600.0
        blockers = []
        for cid, report in self.silent_unsaved().items():
            silent_for = now - report.seen
            if limit and silent_for > limit:
                if cid not in self.released:
                    self.released.add(cid)
                    self.log.warning(
                        "costwidget idle: tab %s has been silent for %s with unsaved %s; "
                        "no longer holding the stop (c.CostWidget.idle_unsaved_max_hours)",
                        cid[:8],
                        ago(silent_for),
                        ", ".join(report.unsaved),
                    )
                continue
            blockers.append(
                Blocker(
                    "unsaved",
                    f"tab {cid[:8]}",
                    f"unsaved {', '.join(report.unsaved)}; the tab has been silent for "
                    f"{ago(silent_for)}",
                    holds_schedule=True,
                    hold=True,
                )
            )
        return blockers

    def saved(self, request_id: str, client_id: str, ok: bool, error: str | None) -> None:
        req = self.save_request
        if req is None or req.id != request_id:
            raise IdleInputError("No such save request (it finished or was cancelled).")
        req.pending.discard(client_id)
        if not ok:
            req.failures.append(error or "a front-end could not save its documents")
        if req.failures or not req.pending:
            req.done.set()

    def cancel_save(self, why: str) -> None:
        req = self.save_request
        if req is not None:
            req.failures.append(why)
            req.done.set()

    async def ask_to_save(self, reason: str) -> None:
        """Every connected tab saves, or StopCancelled says why not."""
        clients = self.connected()
        if not clients:
            return
        timeout = float(self.config.idle_save_timeout_seconds)
        req = SaveRequest(
            id=uuid.uuid4().hex,
            deadline=self.clock() + timeout,
            reason=reason,
            pending=set(clients),
        )
        self.save_request = req
        self.log.info("costwidget idle: asking %d front-end(s) to save", len(clients))
        await self.wait_event(req.done, timeout)
        if req.failures:
            raise StopCancelled("Stop cancelled: " + "; ".join(req.failures))
        if req.pending:
            raise StopCancelled(
                f"Stop cancelled: {len(req.pending)} open JupyterLab tab(s) did not confirm "
                f"saving within {timeout:g} s (c.CostWidget.idle_save_timeout_seconds)."
            )
