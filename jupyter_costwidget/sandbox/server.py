"""Running the sandbox: a threaded werkzeug server on 127.0.0.1 around `SandboxApp`."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

from .app import SandboxApp
from .client import SandboxClient


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # one line per AWS call is noise
        pass


class SandboxServer(SandboxClient):
    """A sandbox running in this process (a background thread). `.stop()` ends it."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = SandboxApp()
        self._server = make_server(
            host, port, self.app, threaded=True, request_handler=_QuietHandler
        )
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="costwidget-sandbox", daemon=True
        )
        self._thread.start()
        super().__init__(f"http://{host}:{self.port}")

    def serve_forever(self) -> None:
        """Block until interrupted (the CLI's foreground mode)."""
        self._thread.join()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def start_sandbox(
    port: int = 0, scenario: dict[str, Any] | str | Path | None = None, host: str = "127.0.0.1"
) -> SandboxServer:
    """Start a sandbox on `port` (0: a free one), optionally loading a scenario."""
    server = SandboxServer(host=host, port=port)
    if scenario is not None:
        try:
            server.load(scenario)
        except BaseException:
            server.stop()
            raise
    return server
