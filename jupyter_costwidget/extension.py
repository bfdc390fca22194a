"""Wiring of the server extension: config, shared state, feature services, routes."""

from __future__ import annotations

import asyncio
from typing import Any

import tornado.web
from jupyter_server.utils import url_path_join

from jupyter_costwidget import __version__
from jupyter_costwidget.api import billing_routes, handlers, idle_routes, spend_routes, stop_routes
from jupyter_costwidget.billing import service as billing_service
from jupyter_costwidget.config import CostWidget
from jupyter_costwidget.idle import monitor as idle_monitor
from jupyter_costwidget.spend import engine as spend_engine
from jupyter_costwidget.state import CostWidgetState

# The routes under {base_url}costwidget/api/, feature by feature.
ROUTES = [
    *handlers.ROUTES,
    *spend_routes.ROUTES,
    *stop_routes.ROUTES,
    *idle_routes.ROUTES,
    *billing_routes.ROUTES,
]


def load(server_app: Any) -> CostWidgetState:
    config = CostWidget(parent=server_app)
    state = CostWidgetState(config=config, log=server_app.log, server_app=server_app)
    web_app = server_app.web_app
    web_app.settings["costwidget"] = state
    # The services, in start order.
    spend_engine.setup(state)
    idle_monitor.setup(state)
    billing_service.setup(state)
    setup_route_handlers(web_app)
    _start_when_loop_runs(state, server_app)
    server_app.log.info("jupyter_costwidget %s loaded", __version__)
    return state


def setup_route_handlers(web_app: tornado.web.Application) -> None:
    base_url = web_app.settings["base_url"]
    rules = [(url_path_join(base_url, handlers.API_PREFIX, path), cls) for path, cls in ROUTES]
    web_app.add_handlers(".*$", rules)


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
