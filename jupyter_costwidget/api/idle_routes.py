"""REST API of the idle auto-stop under {base_url}costwidget/api/idle.

- GET  idle[?client=<id>[&unsaved=<path>...]]  the monitor's state; a `client` id registers a
                           connected front-end that will be asked to save (`save_request`)
                           before a stop; `unsaved` (repeated; one empty value for none) names
                           its documents with unsaved changes.
- DELETE idle?client=<id>  a closing tab unregisters.
- PUT  idle                {"enabled": bool, "timeout_minutes": number} (the user's choice)
- POST idle/keepalive      {"minutes": number} keep-alive (capped by idle_max_minutes), or {}
                           for "Keep running" (restarts the idle clock)
- POST idle/stop-when-done {"armed": bool}: arm (or cancel) a one-shot stop for when the work
                           running now (busy kernels, terminal programs, CPU/GPU) is finished
- POST idle/activity       real user input in a tab (front-ends send it at most once a minute)
- POST idle/saved          {"id", "client", "ok", "error"}: a front-end's answer to save_request

None of these requests counts as server activity (`_track_activity = False`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized

from jupyter_costwidget.api import models
from jupyter_costwidget.api.handlers import BadRequest, CostWidgetHandler, running
from jupyter_costwidget.idle.monitor import IdleMonitor
from jupyter_costwidget.idle.tabs import IdleInputError

_CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
MAX_UNSAVED_DOCUMENTS = 50
MAX_PATH_LENGTH = 1024


class _IdleHandler(CostWidgetHandler):
    _track_activity = False

    @property
    def monitor(self) -> IdleMonitor:
        return running(self.costwidget.idle, "idle monitor")

    def body_with(self, allowed: set[str]) -> dict[str, Any]:
        """The JSON body, with no field outside `allowed` (400 otherwise)."""
        body = self.json_body()
        unknown = sorted(set(body) - allowed)
        if unknown:
            raise BadRequest(
                f"Unknown field(s): {', '.join(unknown)}. Allowed: {', '.join(sorted(allowed))}."
            )
        return body

    async def change(self, apply: Callable[[], Any]) -> None:
        """Apply a user's change (400 with the monitor's reason if it refuses), then answer
        with the state it gives."""
        try:
            apply()
        except IdleInputError as exc:
            raise BadRequest(str(exc)) from None
        await self.monitor.check()
        self.write_model(models.IdleStatus.model_validate(self.monitor.snapshot()))

    def _client_id(self, value: Any) -> str:
        if not isinstance(value, str) or not _CLIENT_ID.match(value):
            raise BadRequest("'client' must be 1-64 letters, digits, '_', '.', ':' or '-'.")
        return value


class IdleHandler(_IdleHandler):
    @tornado.web.authenticated
    @authorized
    def get(self) -> None:
        client = self.get_query_argument("client", None)
        if client is not None:
            self.monitor.register_client(self._client_id(client), self._unsaved())
        self.write_model(models.IdleStatus.model_validate(self.monitor.snapshot()))

    def _unsaved(self) -> list[str] | None:
        values = self.get_query_arguments("unsaved")
        if not values:
            return None  # an older front-end: it says nothing about unsaved documents
        paths = [v for v in values if v]
        if len(paths) > MAX_UNSAVED_DOCUMENTS or any(len(p) > MAX_PATH_LENGTH for p in paths):
            raise BadRequest(
                f"'unsaved' takes at most {MAX_UNSAVED_DOCUMENTS} paths of at most "
                f"{MAX_PATH_LENGTH} characters."
            )
        return sorted(set(paths))

    @tornado.web.authenticated
    @authorized
    def delete(self) -> None:
        """A closing tab unregisters (it will not answer save requests any more)."""
        self.monitor.unregister_client(self._client_id(self.get_query_argument("client", None)))
        self.set_status(204)
        self.finish()

    @tornado.web.authenticated
    @authorized
    async def put(self) -> None:
        body = self.body_with({"enabled", "timeout_minutes"})
        if not body:
            raise BadRequest("Send 'enabled' and/or 'timeout_minutes'.")
        await self.change(
            lambda: self.monitor.update_settings(body.get("enabled"), body.get("timeout_minutes"))
        )


class KeepaliveHandler(_IdleHandler):
    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.body_with({"minutes"})
        self.log.info(
            "costwidget idle: keep running requested (%s)", body.get("minutes") or "reset"
        )
        await self.change(lambda: self.monitor.keep_running(body.get("minutes")))


class StopWhenDoneHandler(_IdleHandler):
    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.body_with({"armed"})
        self.log.info(
            "costwidget idle: stop when done %s asked by %s",
            "armed" if body.get("armed") is True else "cancel",
            self.current_user.username if self.current_user else "?",
        )
        await self.change(lambda: self.monitor.stop_when_done(body.get("armed")))


class ActivityHandler(_IdleHandler):
    @tornado.web.authenticated
    @authorized
    def post(self) -> None:
        body = self.body_with({"client"})
        if "client" in body:
            self.monitor.register_client(self._client_id(body["client"]))
        accepted = self.monitor.report_activity()
        self.write_model(models.ActivityResult(accepted=accepted))


class SavedHandler(_IdleHandler):
    @tornado.web.authenticated
    @authorized
    def post(self) -> None:
        body = self.body_with({"id", "client", "ok", "error"})
        request_id = body.get("id")
        if not isinstance(request_id, str) or not request_id:
            raise BadRequest("'id' must be the save_request id.")
        client = self._client_id(body.get("client"))
        ok = body.get("ok")
        if not isinstance(ok, bool):
            raise BadRequest("'ok' must be true or false.")
        error = body.get("error")
        if error is not None and not isinstance(error, str):
            raise BadRequest("'error' must be a string.")
        try:
            self.monitor.saved(request_id, client, ok, (error or "")[:500] or None)
        except IdleInputError as exc:
            raise tornado.web.HTTPError(409, reason=str(exc)) from None
        self.write_model(models.SavedResult(received=True))


ROUTES: list[tuple[str, type[CostWidgetHandler]]] = [
    ("idle", IdleHandler),
    ("idle/keepalive", KeepaliveHandler),
    ("idle/stop-when-done", StopWhenDoneHandler),
    ("idle/activity", ActivityHandler),
    ("idle/saved", SavedHandler),
]
