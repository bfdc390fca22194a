"""Wiring of the server extension: config, shared state, feature services, routes."""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

from .config import CostWidget
from .routes import setup_route_handlers
from .state import CostWidgetState

# Modules with a `setup(state)` that registers their services on the shared state, in
# start order. Each feature adds its module name here.
FEATURE_SETUP_MODULES: tuple[str, ...] = ("engine", "idle", "billing")


def load(server_app: Any) -> CostWidgetState:
    config = CostWidget(parent=server_app)
    state = CostWidgetState(config=config, log=server_app.log, server_app=server_app)
    web_app = server_app.web_app
    web_app.settings["costwidget"] = state
    for name in FEATURE_SETUP_MODULES:
        importlib.import_module(f"{__package__}.{name}").setup(state)
    setup_route_handlers(web_app)
    _start_when_loop_runs(state, server_app)
    server_app.log.info("jupyter_costwidget %s loaded", _version())
    return state


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
