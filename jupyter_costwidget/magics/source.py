"""Where `%costs` gets its numbers: the Jupyter server running this kernel, or the kernel itself.

The server already scans AWS in the background for the status bar; asking it keeps the
numbers identical and AWS is not called twice. Kernels that cannot reach such a server
(Studio Classic KernelGateway apps, a kernel started outside Jupyter) run the same spend
engine in-process with the kernel's credentials and a short cache.

Expected failures raise `SourceError` (a message and what to do), which the magics print.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from jupyter_costwidget.i18n import normalize, translate, translations

SERVER = "server"
KERNEL = "kernel"
API = "costwidget/api"
# A warm /spend answers in milliseconds; a forced scan of a big account takes seconds.
PROBE_TIMEOUT = 2.0
READ_TIMEOUT = 10.0
SCAN_TIMEOUT = 120.0


class SourceError(Exception):
    """An expected failure, told to the user: what went wrong and what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


# --- the server source ------------------------------------------------------------------


@dataclass
class ServerInfo:
    """One running Jupyter server (from its jpserver-*.json). The token never leaves here."""

    url: str  # with base_url, ending in "/"
    token: str = ""
    root_dir: str = ""
    pid: int | None = None

    @classmethod
    def from_info(cls, info: dict[str, Any]) -> ServerInfo:
        url = str(info.get("url") or "")
        base = str(info.get("base_url") or "/")
        if url and not url.rstrip("/").endswith(base.rstrip("/")):
            url = url.rstrip("/") + base
        return cls(
            url=url if url.endswith("/") else url + "/",
            token=str(info.get("token") or ""),
            root_dir=str(info.get("root_dir") or info.get("notebook_dir") or ""),
            pid=info.get("pid"),
        )

    @property
    def public_url(self) -> str:
        """The URL without any credentials (for --json and messages)."""
        parts = urllib.parse.urlsplit(self.url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))

    def get(self, path: str, timeout: float) -> tuple[int, bytes]:
        """GET url+path with the token; (status, body). Raises OSError if unreachable."""
        return self.request(urllib.request.Request(self.url + path), timeout)

    def post(self, path: str, body: dict[str, Any], timeout: float) -> tuple[int, bytes]:
        """POST JSON to url+path with the token (token-authenticated requests need no XSRF
        cookie in jupyter_server)."""
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        return self.request(request, timeout)

    def request(self, request: urllib.request.Request, timeout: float) -> tuple[int, bytes]:
        if self.token:
            request.add_header("Authorization", f"token {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read() or b""


class ServerSource:
    """GET {server}costwidget/api/spend: the snapshot the status bar shows."""

    kind = SERVER

    def __init__(self, server: ServerInfo) -> None:
        self.server = server

    @property
    def label(self) -> str:
        return f"Jupyter server {self.server.public_url}"

    def fetch(self, refresh: bool = False, language: str | None = None) -> dict[str, Any]:
        # A scan from now on: what the cell just did must show, whatever the server's
        # min_refresh_seconds floor for clicks in the UI.
        query = {"refresh": "1", "after": f"{time.time():.3f}"} if refresh else {}
        if normalize(language):
            query["lang"] = normalize(language) or ""
        path = f"{API}/spend" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        try:
            status, body = self.server.get(path, SCAN_TIMEOUT if refresh else READ_TIMEOUT)
        except OSError as exc:
            raise ServerUnreachable(
                f"The Jupyter server at {self.server.public_url} did not answer ({_reason(exc)}).",
                "Check that it is still running, or use the kernel's own engine: "
                "%config CostsMagics.source = 'kernel'.",
            ) from None
        if status != 200:
            raise _http_error(self.server.public_url, status, body)
        try:
            snapshot = json.loads(body)
        except ValueError:
            raise ServerUnreachable(
                f"The Jupyter server at {self.server.public_url} sent a /spend answer that is "
                "not JSON.",
                "Upgrade jupyter-costwidget on the server.",
            ) from None
        snapshot["source"] = SERVER
        snapshot["source_url"] = self.server.public_url
        return snapshot

    def stop_when_done(self, armed: bool) -> dict[str, Any]:
        """POST idle/stop-when-done on the server; its IdleStatus."""
        try:
            status, body = self.server.post(
                f"{API}/idle/stop-when-done", {"armed": armed}, READ_TIMEOUT
            )
        except OSError as exc:
            raise ServerUnreachable(
                f"The Jupyter server at {self.server.public_url} did not answer ({_reason(exc)}).",
                "Check that it is still running.",
            ) from None
        if status != 200:
            raise _http_error(self.server.public_url, status, body)
        return dict(json.loads(body))


class ServerUnreachable(SourceError):
    """The server source failed; `auto` mode falls back to the kernel's engine."""


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or type(exc).__name__)


def _http_error(url: str, status: int, body: bytes) -> ServerUnreachable:
    try:
        detail = str(json.loads(body).get("message") or "")
    except (ValueError, AttributeError):
        detail = ""
    if status == 403:
        return ServerUnreachable(
            f"The Jupyter server at {url} refused the request (403 Forbidden).",
            "Its token did not work or your user may not read costs; set "
            "%config CostsMagics.server_token, or ask your admin.",
        )
    if status == 404:
        return ServerUnreachable(
            f"The Jupyter server at {url} has no costwidget spend API (404).",
            "Enable the extension there (jupyter server extension enable jupyter_costwidget) "
            "or upgrade it to the version installed in this kernel.",
        )
    extra = f": {detail}" if detail else ""
    return ServerUnreachable(
        f"The Jupyter server at {url} answered {status}{extra}.", "See the server log."
    )


# --- finding the server ---------------------------------------------------------------


def kernel_id_of(connection_file: str | None) -> str | None:
    """'.../kernel-<id>.json' -> '<id>' (how jupyter_server names its kernels' files)."""
    if not connection_file:
        return None
    match = re.match(r"kernel-(.+)\.json$", os.path.basename(connection_file))
    return match.group(1) if match else None


def this_kernel_id() -> str | None:
    """The id of the kernel this code runs in, or None outside an ipykernel."""
    try:
        from ipykernel.kernelapp import IPKernelApp

        if not IPKernelApp.initialized():
            return None
        return kernel_id_of(IPKernelApp.instance().connection_file)
    except Exception:  # noqa: BLE001 - no ipykernel means no kernel id
        return None


def running_servers(runtime_dir: str | None = None) -> list[ServerInfo]:
    try:
        from jupyter_server.serverapp import list_running_servers

        return [ServerInfo.from_info(info) for info in list_running_servers(runtime_dir)]
    except Exception:  # noqa: BLE001 - unreadable runtime dir: no servers
        return []


def _inside(path: str, root: str) -> bool:
    if not root:
        return False
    path, root = os.path.realpath(path), os.path.realpath(os.path.expanduser(root))
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def find_server(
    servers: Iterable[ServerInfo],
    kernel_id: str | None,
    cwd: str,
    timeout: float = PROBE_TIMEOUT,
) -> ServerInfo | None:
    """The server with this extension that runs this kernel, else one serving `cwd`.

    A server counts only if its `costwidget/api/version` answers with its token. The one
    that lists `kernel_id` is certain; a server whose root contains the working directory
    is the likely one on the same machine (terminal IPython, kernels it did not start).
    """
    by_root: ServerInfo | None = None
    for server in servers:
        try:
            status, _ = server.get(f"{API}/version", timeout)
        except OSError:
            continue
        if status != 200:
            continue
        if kernel_id:
            try:
                if server.get(f"api/kernels/{kernel_id}", timeout)[0] == 200:
                    return server
            except OSError:
                continue
        if by_root is None and _inside(cwd, server.root_dir):
            by_root = server
    return by_root


# --- the kernel source ----------------------------------------------------------------


class KernelSource:
    """The spend engine run inside the kernel, with the kernel's credentials.

    The engine is asynchronous; it gets its own event loop on a daemon thread so the
    magics work whether or not the kernel's loop is running (it is, in ipykernel).
    A snapshot younger than `cache_seconds` is reused unless a refresh is asked for.
    """

    kind = KERNEL
    label = "this kernel (its own spend engine and AWS credentials)"

    def __init__(
        self, cache_seconds: float = 60.0, engine_factory: Callable[[], Any] | None = None
    ):
        self.cache_seconds = cache_seconds
        self._engine_factory = engine_factory or _default_engine
        self._engine: Any = None
        self._loop: Any = None
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def fetch(self, refresh: bool = False, language: str | None = None) -> dict[str, Any]:
        with self._lock:
            engine = self._ensure_engine()
            fresh = time.monotonic() - self._fetched_at < self.cache_seconds
            if refresh or not fresh or not self._fetched_at:
                self._run(engine.refresh(force=True))
                self._fetched_at = time.monotonic()
            snapshot = dict(engine.snapshot())
        said = translations(language)
        snapshot["warnings"] = [
            {**w, "message": translate(w["message"], said)} for w in snapshot.get("warnings", [])
        ]
        snapshot["source"] = KERNEL
        return snapshot

    def _ensure_engine(self) -> Any:
        if self._engine is None:
            import asyncio

            self._loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=self._loop.run_forever, name="costwidget-kernel-engine", daemon=True
            )
            thread.start()
            try:
                self._engine = self._engine_factory()
            except SourceError:
                raise
            except ImportError as exc:
                raise SourceError(
                    f"The spend engine cannot run in this kernel ({exc}).",
                    "Install jupyter-costwidget with its dependencies in the kernel's environment.",
                ) from None
        return self._engine

    def _run(self, coro: Any) -> Any:
        import asyncio

        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(SCAN_TIMEOUT)

    def close(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._loop = None
        self._engine = None


def _default_engine() -> Any:
    """The server's spend engine, set up on a kernel-local state (no background refresher)."""
    import logging

    from jupyter_costwidget.config import CostWidget
    from jupyter_costwidget.spend import engine as engine_module
    from jupyter_costwidget.state import CostWidgetState

    state = CostWidgetState(CostWidget(), logging.getLogger("jupyter_costwidget.magics.command"))
    engine_module.setup(state)
    return state.spend
