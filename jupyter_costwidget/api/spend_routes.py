"""GET costwidget/api/spend (the latest snapshot) and GET costwidget/api/status (cheap, no AWS)."""

from __future__ import annotations

import math

import tornado.web
from jupyter_server.auth.decorator import authorized

from jupyter_costwidget.api import models
from jupyter_costwidget.api.handlers import BadRequest, PolledHandler


class SpendHandler(PolledHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        refresh = self.refresh_requested()
        engine = self.spend
        after = self._after()
        if refresh:
            floor = self.costwidget.config.min_refresh_seconds
            await engine.refresh(force=True, retry_denied=True, floor=floor, not_before=after)
        else:
            await engine.latest()
        self.set_header("Content-Type", "application/json")
        self.finish(engine.snapshot_json())

    def _after(self) -> float | None:
        """`after=<seconds since the epoch>`: with refresh=1, only a scan that began then or
        later will do (what a notebook cell changed must show)."""
        value = self.get_query_argument("after", None)
        if value is None:
            return None
        try:
            after = float(value)
        except ValueError:
            raise BadRequest("after must be a time in seconds since the epoch.") from None
        if not math.isfinite(after) or after < 0:
            raise BadRequest("after must be a time in seconds since the epoch.")
        return after


class StatusHandler(PolledHandler):
    @tornado.web.authenticated
    @authorized
    def get(self) -> None:
        self.write_model(models.Status.model_validate(self.spend.status()))


ROUTES = [("spend", SpendHandler), ("status", StatusHandler)]
