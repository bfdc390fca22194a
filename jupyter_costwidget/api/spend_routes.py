"""GET costwidget/api/spend (the latest snapshot) and GET costwidget/api/status (cheap, no AWS)."""

from __future__ import annotations

import math
import re

import tornado.web
from jupyter_server.auth.decorator import authorized

from jupyter_costwidget.api import models
from jupyter_costwidget.api.handlers import BadRequest, PolledHandler

# BCP 47 as JupyterLab writes it (ja-JP, en, zh-Hans-CN), or a POSIX locale name (ja_JP).
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8}){0,3}")


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
        self.finish(engine.snapshot_json(self._language()))

    def _language(self) -> str | None:
        """`lang=ja-JP`: the warnings in that language (English when it has no catalogue)."""
        value = self.get_query_argument("lang", None)
        if value is not None and not LANGUAGE_TAG.fullmatch(value):
            raise BadRequest("lang must be a language tag such as ja-JP or en.")
        return value

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
