"""HTTP routes under {base_url}costwidget/api/. Every handler is authenticated and authorized.

Feature modules define their handlers with `CostWidgetHandler` and list them in a
module-level `ROUTES` (pairs of path-below-api and handler class); `extension.py` mounts
them all.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypeVar

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler

from jupyter_costwidget import __version__
from jupyter_costwidget.api import models

if TYPE_CHECKING:
    from jupyter_costwidget.spend.engine import SpendEngine
    from jupyter_costwidget.state import CostWidgetState

AUTH_RESOURCE = "costwidget"
API_PREFIX = "costwidget/api"


class BadRequest(tornado.web.HTTPError):
    """A 400 with a clear JSON message."""

    def __init__(self, message: str) -> None:
        super().__init__(400, reason="Bad Request", log_message=message)
        self.message = message


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity; JSON does not, and no field here wants them.
    raise ValueError(f"{name} is not a JSON number")


class CostWidgetHandler(APIHandler):
    """Base of every costwidget handler: auth resource, JSON helpers, shared state."""

    auth_resource = AUTH_RESOURCE

    @property
    def costwidget(self) -> CostWidgetState:
        return self.settings["costwidget"]

    @property
    def spend(self) -> SpendEngine:
        return running(self.costwidget.spend, "spend engine")

    def json_body(self) -> dict[str, Any]:
        """The request body as a JSON object, or a 400 saying what is wrong with it."""
        if not self.request.body:
            return {}
        try:
            body = json.loads(self.request.body, parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest(f"Request body is not valid JSON: {str(exc)[:200]}") from None
        except RecursionError:
            raise BadRequest("Request body is nested too deeply.") from None
        if not isinstance(body, dict):
            raise BadRequest("Request body must be a JSON object.")
        return body

    def write_model(self, payload: models.Model, status: int = 200) -> None:
        """Answer with one of the contract's models (api/models.py)."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(payload.model_dump_json(by_alias=True))

    def write_api_error(self, status: int, message: str, **detail: Any) -> None:
        self.write_model(models.ApiError(message=message, status=status, **detail), status)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        # JSON errors with a plain message, never a traceback.
        exc = kwargs.get("exc_info", (None, None, None))[1]
        message = getattr(exc, "message", None) or getattr(exc, "log_message", None) or self._reason
        self.set_status(status_code)
        self.set_header("Content-Type", "application/json")
        self.finish(models.ApiError(message=str(message), status=status_code).model_dump_json())


class PolledHandler(CostWidgetHandler):
    """A GET the front-end polls: it must not keep an idle server "active"."""

    _track_activity = False

    def refresh_requested(self) -> bool:
        """`?refresh=1`: the caller asks for fresh data (400 for anything but 0/1)."""
        refresh = self.get_query_argument("refresh", "0")
        if refresh not in ("0", "1", "true", "false", ""):
            raise BadRequest("refresh must be 0 or 1.")
        return refresh in ("1", "true")


T = TypeVar("T")


def running(service: T | None, name: str) -> T:
    """`service`, or a 503 saying it is not running."""
    if service is None:
        raise tornado.web.HTTPError(503, reason=f"The {name} is not running.")
    return service


class VersionHandler(PolledHandler):
    @tornado.web.authenticated
    @authorized
    def get(self) -> None:
        self.write_model(models.Version(version=__version__))


ROUTES: list[tuple[str, type[CostWidgetHandler]]] = [("version", VersionHandler)]
