"""Wiring of the server extension: config, shared state, feature services, routes."""

from __future__ import annotations

import asyncio
from typing import Any

import tornado.web
from jupyter_server.utils import url_path_join

from . import billing, engine, idle, routes, routes_billing, routes_idle, routes_spend, routes_stop
from .config import CostWidget
from .state import CostWidgetState

# The routes under {base_url}costwidget/api/, feature by feature.
ROUTES = [
    *routes.ROUTES,
    *routes_spend.ROUTES,
    *routes_stop.ROUTES,
    *routes_idle.ROUTES,
    *routes_billing.ROUTES,
]


def load(server_app: Any) -> CostWidgetState:
    config = CostWidget(parent=server_app)
    state = CostWidgetState(config=config, log=server_app.log, server_app=server_app)
    web_app = server_app.web_app
    web_app.settings["costwidget"] = state
    # The services, in start order.
    engine.setup(state)
    idle.setup(state)
    billing.setup(state)
    setup_route_handlers(web_app)
    _start_when_loop_runs(state, server_app)
    server_app.log.info("jupyter_costwidget %s loaded", _version())
    return state


def setup_route_handlers(web_app: tornado.web.Application) -> None:
    base_url = web_app.settings["base_url"]
    handlers = [(url_path_join(base_url, routes.API_PREFIX, path), cls) for path, cls in ROUTES]
    web_app.add_handlers(".*$", handlers)


def unload(server_app: Any) -> Any:
    state: CostWidgetState | None = server_app.web_app.settings.get("costwidget")
    if state is not None:
        return state.stop()
    return None


def _start_when_loop_runs(state: CostWidgetState, server_app: Any) -> None:
    # Extensions load before the IOLoop starts (ServerApp) or inside a running loop (tests);
    # services start in whichever loop serves the app.
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is not None:
        state._start_task = loop.create_task(state.start())  # type: ignore[attr-defined]
    else:
        from tornado.ioloop import IOLoop

        IOLoop.current().add_callback(state.start)


def _version() -> str:
    from . import __version__

    return __version__
