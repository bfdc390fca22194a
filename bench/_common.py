"""What the benchmarks share: a free port, and a real `jupyter server` in its own process."""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
DUMMY_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_json(url: str, token: str, body: dict[str, Any] | None = None, timeout: float = 60) -> Any:
    """GET (or POST `body` to) `url` with the server's token; the JSON answer."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode() if body is not None else None,
        method="POST" if body is not None else "GET",
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


class JupyterServer:
    """`jupyter server` with this extension enabled and `config` (a jupyter config dict) in a
    config dir of its own under `root`, on a free port of 127.0.0.1, with a random token."""

    def __init__(self, root: Path, config: dict[str, Any], env: dict[str, str]) -> None:
        self.token = secrets.token_hex(16)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/"
        config_dir = root / "config"
        config_dir.mkdir(parents=True, exist_ok=True)
        full = {"ServerApp": {"jpserver_extensions": {"jupyter_costwidget": True}}, **config}
        (config_dir / "jupyter_server_config.json").write_text(json.dumps(full))
        env = env | {
            "JUPYTER_CONFIG_DIR": str(config_dir),
            "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
        }
        self.proc = subprocess.Popen(
            [
                str(BIN / "jupyter"),
                "server",
                f"--port={port}",
                "--ServerApp.port_retries=0",
                "--ServerApp.ip=127.0.0.1",
                f"--IdentityProvider.token={self.token}",
                "--ServerApp.allow_root=True",
                "--ServerApp.open_browser=False",
                f"--ServerApp.root_dir={root}",
            ],
            env=env,
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def get(self, path: str, timeout: float = 60) -> Any:
        return http_json(self.url + path, self.token, timeout=timeout)

    def post(self, path: str, body: dict[str, Any], timeout: float = 60) -> Any:
        return http_json(self.url + path, self.token, body, timeout=timeout)

    def wait_until_up(self, path: str = "costwidget/api/version", timeout: float = 90) -> Any:
        """The first answer of `path` once the server listens (raises after `timeout`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                return self.get(path)
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("jupyter server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
