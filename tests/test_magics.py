"""`%costs` / `%%costs` in a real IPython shell and in real kernels, against the sandbox.

Three ways in:
- an in-process `InteractiveShell` (the kernel-engine source, explicit server URLs, failures);
- a kernel started by a real `jupyter server` subprocess with the extension (the magic finds
  that server by its kernel id: the server source, the widget over real comms);
- a kernel started by jupyter_client's KernelManager with no server around (kernel source).
"""

from __future__ import annotations

import http.server
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from jupyter_costwidget.magics.command import load_ipython_extension, unload_ipython_extension
from jupyter_costwidget.magics.source import (
    ServerInfo,
    find_server,
    kernel_id_of,
    running_servers,
)
from jupyter_costwidget.magics.view import (
    CostsReport,
    CostsView,
    display_width,
    render_text,
    resource_label,
    usd,
)
from jupyter_costwidget.sandbox import DEMO_SCENARIO
from jupyter_costwidget.sandbox.metadata import resource_metadata, write_metadata

BIN = Path(sys.executable).parent
DEMO = json.loads(DEMO_SCENARIO.read_text())
ME_INSTANCE = "ml.g5.xlarge"  # the demo's `me`: JupyterLab in alice-space
CELL_LINE = re.compile(
    r"(?P<seconds>[\d.]+) s on (?P<instance>\S+) ≈ \$(?P<cost>[\d.]+) "
    r"\(at \$(?P<rate>[\d.]+)/hour\)"
)
VOLATILE = ("age_seconds", "stale", "source", "source_url", "history")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# data/pricing/sagemaker_prices.csv:
#   ap-northeast-1,Studio-JupyterLab,ml.g5.xlarge,2.04,Hrs,APN1-Studio:JupyterLab-ml.g5.xlarge,S1
ME_RATE = 2.04
#   ap-northeast-1,Hosting,ml.m5.xlarge,0.298,Hrs,APN1-Host:ml.m5.xlarge,S2
HOSTING_M5_XLARGE = 0.298


def _expected_rate() -> float:
    assert DEMO["region"] == "ap-northeast-1"  # the rows above are Tokyo's
    return ME_RATE


def _same_document(a: dict[str, Any], b: dict[str, Any]) -> None:
    strip = lambda d: {k: v for k, v in d.items() if k not in VOLATILE}  # noqa: E731
    assert strip(a) == strip(b)


# --- a real jupyter server with the extension, in a subprocess ------------------------


class JupyterServer:
    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.runtime = root / "runtime"
        self.token = secrets.token_hex(16)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.env = env | {"JUPYTER_RUNTIME_DIR": str(self.runtime)}
        config_dir = Path(self.env["JUPYTER_CONFIG_DIR"])
        config_dir.mkdir(parents=True, exist_ok=True)
        (config_dir / "jupyter_server_config.json").write_text(
            json.dumps({"ServerApp": {"jpserver_extensions": {"jupyter_costwidget": True}}})
        )
        self.log = open(root / "server.log", "wb")
        self.proc = subprocess.Popen(
            [
                str(BIN / "jupyter"),
                "server",
                f"--port={self.port}",
                "--ServerApp.port_retries=0",
                "--ServerApp.ip=127.0.0.1",
                f"--IdentityProvider.token={self.token}",
                "--ServerApp.allow_root=True",
                "--ServerApp.open_browser=False",
                f"--ServerApp.root_dir={root}",
                # Only the tests' ?refresh=1 scans: a background scan must not race a load.
                "--CostWidget.refresh_seconds=3600",
                "--CostWidget.min_refresh_seconds=0",  # every ?refresh=1 here scans
            ],
            env=self.env,
            cwd=str(root),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def get(self, path: str, timeout: float = 60) -> Any:
        request = urllib.request.Request(
            self.url + path, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())

    def post(self, path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def wait_ready(self, timeout: float = 90) -> None:
        # The server says it is ready by writing its info file; then its API must answer.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"jupyter server exited: {(self.root / 'server.log').read_text()}"
                )
            if list(self.runtime.glob("jpserver-*.json")):
                try:
                    self.get("costwidget/api/version", timeout=5)
                    return
                except OSError:
                    pass
            time.sleep(0.2)
        raise TimeoutError((self.root / "server.log").read_text())

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


@pytest.fixture(scope="module")
def costs_server(_sandbox_server, tmp_path_factory):
    root = tmp_path_factory.mktemp("costs-server")
    metadata = write_metadata(resource_metadata(DEMO), root / "resource-metadata.json")
    env = dict(os.environ) | _sandbox_server.env(metadata)
    env |= {"JUPYTER_DATA_DIR": str(root / "data"), "JUPYTER_CONFIG_DIR": str(root / "config")}
    for key in ("COSTWIDGET_MAGICS_SOURCE", "COSTWIDGET_SERVER_URL", "COSTWIDGET_SERVER_TOKEN"):
        env.pop(key, None)
    server = JupyterServer(root, env)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


# --- real kernels ----------------------------------------------------------------------


def execute(client: Any, code: str, timeout: float = 120) -> dict[str, Any]:
    """Run `code`; collect its streams, displays, comm opens and reply status."""
    msg_id = client.execute(code)
    out: dict[str, Any] = {"stdout": "", "stderr": "", "displays": [], "comms": [], "error": None}
    while True:
        msg = client.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out[content["name"]] += content["text"]
        elif kind in ("display_data", "execute_result"):
            out["displays"].append(content["data"])
        elif kind == "comm_open":
            out["comms"].append(content)
        elif kind == "error":
            out["error"] = content
        elif kind == "status" and content["execution_state"] == "idle":
            break
    while True:
        reply = client.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            out["status"] = reply["content"]["status"]
            return out


@pytest.fixture
def server_kernel(costs_server):
    """A kernel started by the jupyter server (as JupyterLab does), with a blocking client."""
    from jupyter_client import BlockingKernelClient

    kernel = costs_server.post("api/kernels", {"name": "python3"})
    client = BlockingKernelClient(
        connection_file=str(costs_server.runtime / f"kernel-{kernel['id']}.json")
    )
    client.load_connection_file()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=90)
        loaded = execute(client, "%load_ext jupyter_costwidget")
        assert loaded["status"] == "ok", loaded
        yield client, kernel["id"]
    finally:
        client.stop_channels()
        request = urllib.request.Request(
            costs_server.url + f"api/kernels/{kernel['id']}",
            method="DELETE",
            headers={"Authorization": f"token {costs_server.token}"},
        )
        urllib.request.urlopen(request, timeout=30).close()


def _load_demo(sandbox: Any, server: JupyterServer | None = None) -> dict[str, Any] | None:
    sandbox.load(DEMO_SCENARIO)
    if server is not None:
        return server.get("costwidget/api/spend?refresh=1")
    return None


# --- the in-process shell ----------------------------------------------------------------


class Shell:
    def __init__(self, shell: InteractiveShell) -> None:
        self.shell = shell

    @property
    def magics(self) -> Any:
        return self.shell.magics_manager.registry["CostsMagics"]

    def run(self, code: str) -> Any:
        with capture_output() as captured:
            result = self.shell.run_cell(code)
        captured.result = result
        captured.text = captured.stdout + captured.stderr
        return captured


@pytest.fixture
def ishell(monkeypatch, tmp_path):
    # No jupyter server is visible (an empty runtime dir), no user price cache.
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    for key in ("COSTWIDGET_MAGICS_SOURCE", "COSTWIDGET_SERVER_URL", "COSTWIDGET_SERVER_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    # English unless a test sets the kernel's locale.
    for key in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    shell = InteractiveShell.instance()
    load_ipython_extension(shell)
    yield Shell(shell)
    unload_ipython_extension(shell)


@pytest.fixture
def demo(sandbox, tmp_path, monkeypatch):
    """The demo scenario loaded, and this process pointed at the sandbox (kernel engine)."""
    sandbox.load(DEMO_SCENARIO)
    metadata = sandbox.write_metadata(tmp_path / "resource-metadata.json")
    for key, value in sandbox.env(metadata).items():
        monkeypatch.setenv(key, value)
    return sandbox


def _use_server(ishell: Shell, server: Any) -> None:
    """Point the magic at `server` explicitly (no discovery by kernel id)."""
    ishell.magics.server_url = server.url
    ishell.magics.server_token = server.token


def _no_traceback(captured: Any) -> None:
    assert captured.result.error_in_exec is None
    assert captured.result.error_before_exec is None
    assert "Traceback" not in captured.text


# =========================================================================================
# registration


def test_load_ext_registers_and_unloads_the_magics():
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "jupyter_costwidget")
    try:
        assert "costs" in shell.magics_manager.magics["line"]
        assert "costs" in shell.magics_manager.magics["cell"]
    finally:
        shell.run_line_magic("unload_ext", "jupyter_costwidget")
    assert "costs" not in shell.magics_manager.magics["line"]
    assert "costs" not in shell.magics_manager.magics["cell"]


def test_interactive_shell_app_extensions_config_loads_and_prints_the_text_table(demo, tmp_path):
    """`c.InteractiveShellApp.extensions` in a profile: terminal IPython gets the text table."""
    profile = tmp_path / "ipython" / "profile_default"
    profile.mkdir(parents=True)
    (profile / "ipython_config.py").write_text(
        'c.InteractiveShellApp.extensions = ["jupyter_costwidget"]\n'
    )
    env = dict(os.environ) | {"JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    done = subprocess.run(
        [
            str(BIN / "ipython"),
            f"--ipython-dir={tmp_path / 'ipython'}",
            "-c",
            "%costs --scope mine",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stdout.splitlines()
    header = next(line for line in lines if line.startswith("Resource"))
    assert "$/hour" in header and "So far" in header
    assert any(
        line.startswith("default (JupyterLab, alice-space)") and ME_INSTANCE in line
        for line in lines
    )
    assert any(line.startswith("churn-xgb") and "2 x ml.m5.xlarge" in line for line in lines)
    assert not any(line.startswith("legacy-nb") for line in lines)  # not mine
    assert "computed in this kernel" in done.stdout


# =========================================================================================
# the kernel-engine source, in-process


def test_costs_json_from_kernel_engine_matches_the_server(ishell, demo, costs_server):
    served = costs_server.get("costwidget/api/spend?refresh=1")
    captured = ishell.run("%costs --json")
    _no_traceback(captured)
    ours = json.loads(captured.stdout)
    assert ours["source"] == "kernel"
    assert ours["context"] == served["context"]
    assert [r["id"] for r in ours["resources"]] == [r["id"] for r in served["resources"]]
    # Same prices and counts; accrued grows by per_hour x the time between the two scans.
    elapsed_h = (_parse_iso(ours["generated_at"]) - _parse_iso(served["generated_at"])) / 3600
    for scope, total in served["totals"].items():
        mine = ours["totals"][scope]
        assert mine["per_hour"] == total["per_hour"]
        assert mine["unpriced"] == total["unpriced"]
        assert mine["accrued"] == pytest.approx(
            total["accrued"] + total["per_hour"] * elapsed_h, abs=1e-5
        )
    assert served["totals"]["mine"]["per_hour"] > 0


def _parse_iso(value: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def test_scope_selects_rows_and_totals(ishell, demo):
    snapshot = json.loads(ishell.run("%costs --json").stdout)
    for scope in ("self", "mine", "domain", "region"):
        captured = ishell.run(f"%costs --scope {scope}")
        _no_traceback(captured)
        text = captured.outputs[0].data["text/plain"]
        expected_ids = [r for r in snapshot["resources"] if scope in r["scopes"]]
        total = snapshot["totals"][scope]
        assert f"{usd(total['per_hour'])}/hour" in text.splitlines()[0]
        rows = _table_rows(text)
        assert len(rows) == len(expected_ids), text
        names = {r["name"] for r in expected_ids}
        assert {row.split("  ")[0].split(" (")[0] for row in rows} == names
    self_rows = _table_rows(ishell.run("%costs --scope self").outputs[0].data["text/plain"])
    assert len(self_rows) == 1 and ME_INSTANCE in self_rows[0]
    region_text = ishell.run("%costs --scope region").outputs[0].data["text/plain"]
    assert "legacy-nb" in region_text and "bert-ft" in region_text


def _table_rows(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Resource")) + 2
    rows = []
    for line in lines[start:]:
        if not line.strip():
            break
        rows.append(line)
    return rows


def test_warnings_only(ishell, demo):
    text = ishell.run("%costs --warnings").outputs[0].data["text/plain"]
    assert "Resource" not in text  # no table
    assert "[endpoint-idle] Endpoint churn-xgb" in text
    assert "canvas-running" not in text  # bob's Canvas is not mine...
    assert "more outside this scope" in text
    region = ishell.run("%costs --warnings --scope region").outputs[0].data["text/plain"]
    assert "[canvas-running]" in region and "[storage-orphaned]" in region


def test_terminal_shell_displays_text_and_html_but_no_widget(ishell, demo):
    captured = ishell.run("%costs")
    _no_traceback(captured)
    assert len(captured.outputs) == 1
    data = captured.outputs[0].data
    assert "application/vnd.jupyter.widget-view+json" not in data
    assert "<table class='costwidget-table'>" in data["text/html"]
    assert "churn-xgb" in data["text/html"]
    assert "Resource" in data["text/plain"] and "churn-xgb" in data["text/plain"]


def test_widget_sorts_by_header_buttons_and_refresh_rescans(ishell, demo):
    ishell.magics.widgets = "on"
    captured = ishell.run("%costs --scope region")
    _no_traceback(captured)
    data = captured.outputs[0].data
    model_id = data["application/vnd.jupyter.widget-view+json"]["model_id"]
    from ipywidgets import Widget

    widget = Widget.widgets[model_id]
    names = lambda: [c.value for c in widget.grid.children[8::8]]  # noqa: E731 - first column
    snapshot = widget.view.report.snapshot
    priciest = max(snapshot["resources"], key=lambda r: r["per_hour"] or 0)
    assert f">{resource_label(priciest)}<" in names()[0]  # the most expensive first
    widget.header_buttons["name"].click()
    assert names() == sorted(names(), key=lambda v: re.sub("<[^>]+>", "", v).lower())
    assert widget.header_buttons["name"].description.endswith("▲")
    widget.header_buttons["name"].click()
    assert widget.header_buttons["name"].description.endswith("▼")
    assert names()[0] > names()[-1]
    # Refresh scans again (the kernel source's cache is bypassed): the sandbox sees calls.
    demo.reset_calls()
    widget.refresh_button.click()
    assert demo.calls().get("sagemaker.ListApps", 0) >= 1
    assert not widget.refresh_button.disabled


def test_html_fallback_escapes(ishell, demo):
    snapshot = json.loads(ishell.run("%costs --json").stdout)
    snapshot["resources"][0]["name"] = "<script>x</script>"
    html = CostsView(snapshot, scope="region")._repr_html_()
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html


def test_cell_magic_reports_wall_time_and_its_cost(ishell, demo):
    captured = ishell.run("%%costs\nimport time\ntime.sleep(2)\nprint('cell ran')")
    _no_traceback(captured)
    assert "cell ran" in captured.stdout
    report = ishell.magics.last_cell_report
    assert 2.0 <= report["seconds"] < 3.5
    assert report["instance_type"] == ME_INSTANCE
    rate = _expected_rate()
    assert report["usd_per_hour"] == pytest.approx(rate)
    assert report["cost"] == pytest.approx(rate * report["seconds"] / 3600)
    _check_cell_line(captured.stdout, rate)
    assert report["started"] == [] and report["stopped"] == []


def _check_cell_line(stdout: str, rate: float) -> None:
    match = CELL_LINE.search(stdout)
    assert match, stdout
    seconds = float(match["seconds"])
    assert 2.0 <= seconds < 3.5
    assert match["instance"] == ME_INSTANCE
    assert float(match["rate"]) == pytest.approx(rate, abs=0.005)
    # The printed cost is the rate x the printed seconds, to its printed precision.
    printed = match["cost"]
    last_digit = 10 ** -len(printed.split(".")[1])
    expected = rate * seconds / 3600
    assert abs(float(printed) - expected) <= last_digit / 2 + rate * 0.005 / 3600


def test_cell_magic_reports_resources_started_and_stopped(ishell, demo):
    cell = f"""%%costs
import boto3
sm = boto3.client("sagemaker", endpoint_url="{demo.url}", region_name="{demo.region}")
sm.create_model(ModelName="m1", ExecutionRoleArn="arn:aws:iam::{demo.account}:role/r",
                PrimaryContainer={{"Image": "1.dkr.ecr.{demo.region}.amazonaws.com/x:1"}})
sm.create_endpoint_config(EndpointConfigName="c1", ProductionVariants=[{{"VariantName": "v",
    "ModelName": "m1", "InitialInstanceCount": 1, "InstanceType": "ml.m5.xlarge"}}])
sm.create_endpoint(EndpointName="cell-endpoint", EndpointConfigName="c1")
sm.delete_endpoint(EndpointName="churn-xgb")
"""
    captured = ishell.run(cell)
    _no_traceback(captured)
    report = ishell.magics.last_cell_report
    started = {e["id"]: e for e in report["started"]}
    stopped = {e["id"]: e for e in report["stopped"]}
    assert set(started) == {"endpoint:cell-endpoint"}
    assert set(stopped) == {"endpoint:churn-xgb"}
    # Created without a volume: the instance's hosting price (HOSTING_M5_XLARGE) is all it costs.
    assert started["endpoint:cell-endpoint"]["per_hour"] == pytest.approx(HOSTING_M5_XLARGE)
    assert (
        "Started during this cell: endpoint cell-endpoint (ml.m5.xlarge): $0.30/hour"
        in captured.stdout  # 0.298 $/h, shown to the cent
    )
    assert "Stopped during this cell: endpoint churn-xgb (2 x ml.m5.xlarge): was $" in (
        captured.stdout
    )


# =========================================================================================
# failures: a short explanation, never a traceback


def test_access_denied_names_the_iam_action(ishell, demo):
    demo.fault({"deny": ["sagemaker.ListApps"]})
    captured = ishell.run("%costs")
    _no_traceback(captured)
    text = captured.outputs[0].data["text/plain"]
    assert "Could not read everything" in text
    assert "sagemaker.ListApps: AccessDenied" in text
    assert "Grant the IAM action sagemaker:ListApps" in text
    assert "incomplete: 1 source failed" in text.splitlines()[0]


def test_unreachable_aws_endpoint_is_explained(ishell, demo, monkeypatch):
    monkeypatch.setenv("COSTWIDGET_ENDPOINT_URL", f"http://127.0.0.1:{_free_port()}")
    captured = ishell.run("%costs")
    _no_traceback(captured)
    text = captured.outputs[0].data["text/plain"]
    assert "Unreachable: The AWS endpoint could not be reached." in text
    assert "→ Check the network or c.CostWidget.endpoint_url." in text
    # One line for every call that failed the same way, not one per call.
    assert text.count("Check the network") == 1
    cell = ishell.run("%%costs\nx = 1 + 1")
    _no_traceback(cell)
    assert ishell.shell.user_ns["x"] == 2  # the cell ran anyway


def test_no_credentials_is_explained(ishell, demo, monkeypatch, tmp_path):
    for key in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    captured = ishell.run("%costs")
    _no_traceback(captured)
    text = captured.outputs[0].data["text/plain"]
    assert "NoCredentials: No AWS credentials were found." in text
    assert "configure credentials" in text


def test_server_403_and_unreachable_are_explained(ishell, demo, costs_server):
    ishell.magics.source = "server"
    ishell.magics.server_url = costs_server.url
    ishell.magics.server_token = "wrong-token"
    captured = ishell.run("%costs")
    _no_traceback(captured)
    assert captured.outputs == []
    assert "refused the request (403 Forbidden)" in captured.stderr
    assert "server_token" in captured.stderr
    assert costs_server.token not in captured.text
    ishell.magics.server_url = f"http://127.0.0.1:{_free_port()}/"
    captured = ishell.run("%costs")
    _no_traceback(captured)
    assert "did not answer" in captured.stderr
    # In auto mode the kernel's engine takes over, and says so.
    ishell.magics.source = "auto"
    captured = ishell.run("%costs --json")
    _no_traceback(captured)
    assert "Computing in this kernel instead" in captured.stderr
    assert json.loads(captured.stdout)["source"] == "kernel"


def test_server_without_the_spend_api_404_is_explained(ishell, demo):
    class NotFound(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        ishell.magics.source = "server"
        ishell.magics.server_url = f"http://127.0.0.1:{httpd.server_port}/"
        captured = ishell.run("%costs")
    finally:
        httpd.shutdown()
        httpd.server_close()
    _no_traceback(captured)
    assert "has no costwidget spend API (404)" in captured.stderr
    assert "jupyter server extension enable jupyter_costwidget" in captured.stderr


def test_bad_option_is_a_usage_error_not_a_traceback(ishell):
    captured = ishell.run("%costs --scope galaxy")
    assert "Traceback" not in captured.text
    assert "invalid choice: 'galaxy'" in captured.text


# =========================================================================================
# the server source: a kernel started by a real jupyter server


def test_kernel_of_the_server_uses_the_server_and_matches_spend(
    costs_server, server_kernel, sandbox
):
    client, _kernel_id = server_kernel
    served = _load_demo(sandbox, costs_server)
    result = execute(client, "%costs --json")
    assert result["status"] == "ok" and result["error"] is None, result
    ours = json.loads(result["stdout"])
    assert ours["source"] == "server"
    assert ours["source_url"] == costs_server.url
    assert costs_server.token not in result["stdout"]
    assert ours["totals"] == served["totals"]
    _same_document(ours, served)


def test_widget_renders_in_the_server_kernel(costs_server, server_kernel, sandbox):
    client, _ = server_kernel
    _load_demo(sandbox, costs_server)
    result = execute(client, "%costs")
    assert result["status"] == "ok" and result["error"] is None, result
    assert "Traceback" not in result["stderr"]
    (data,) = result["displays"]
    model_id = data["application/vnd.jupyter.widget-view+json"]["model_id"]
    opened = {c["comm_id"]: c for c in result["comms"]}
    assert model_id in opened and opened[model_id]["target_name"] == "jupyter.widget"
    assert opened[model_id]["data"]["state"]["_model_name"] == "VBoxModel"
    buttons = [
        c["data"]["state"]["description"]
        for c in result["comms"]
        if c["data"]["state"].get("_model_name") == "ButtonModel"
    ]
    assert "Refresh" in buttons and "$/hour ▼" in buttons
    assert "churn-xgb" in data["text/html"] and "churn-xgb" in data["text/plain"]


def test_cell_magic_in_the_server_kernel(costs_server, server_kernel, sandbox):
    client, _ = server_kernel
    _load_demo(sandbox, costs_server)
    cell = f"""%%costs
import time, boto3
time.sleep(2)
sm = boto3.client("sagemaker", endpoint_url="{sandbox.url}", region_name="{sandbox.region}")
sm.delete_endpoint(EndpointName="churn-xgb")
"""
    result = execute(client, cell)
    assert result["status"] == "ok" and result["error"] is None, result
    assert "Traceback" not in result["stderr"]
    _check_cell_line(result["stdout"], _expected_rate())
    # The server rescanned after the cell (?refresh=1) and saw the endpoint go.
    assert "Stopped during this cell: endpoint churn-xgb" in result["stdout"]
    assert "churn-xgb" not in json.dumps(costs_server.get("costwidget/api/spend")["resources"])


def test_find_server_by_kernel_id_and_by_root(costs_server, server_kernel, tmp_path):
    _, kernel_id = server_kernel
    servers = running_servers(str(costs_server.runtime))
    assert [s.url for s in servers] == [costs_server.url]
    assert servers[0].token == costs_server.token
    found = find_server(servers, kernel_id, cwd=str(tmp_path))  # cwd elsewhere: by kernel id
    assert found is not None and found.url == costs_server.url
    found = find_server(servers, None, cwd=str(costs_server.root))  # by root dir
    assert found is not None and found.url == costs_server.url
    assert find_server(servers, "not-a-kernel", cwd=str(tmp_path)) is None
    wrong = ServerInfo(url=costs_server.url, token="wrong", root_dir=str(costs_server.root))
    assert find_server([wrong], kernel_id, cwd=str(costs_server.root)) is None  # 403: skipped
    assert kernel_id_of(f"/x/kernel-{kernel_id}.json") == kernel_id


def test_explicit_server_url_in_process_matches_spend(ishell, costs_server, sandbox):
    served = _load_demo(sandbox, costs_server)
    _use_server(ishell, costs_server)
    captured = ishell.run("%costs --json")
    _no_traceback(captured)
    ours = json.loads(captured.stdout)
    assert ours["source"] == "server"
    _same_document(ours, served)
    text = ishell.run("%costs --scope domain").outputs[0].data["text/plain"]
    assert f"{usd(served['totals']['domain']['per_hour'])}/hour" in text.splitlines()[0]
    assert f"from the Jupyter server {costs_server.url}" in text


# =========================================================================================
# the kernel source in a real kernel with no server around


def test_kernel_without_server_computes_in_the_kernel(costs_server, sandbox, tmp_path):
    from jupyter_client import KernelManager

    served = _load_demo(sandbox, costs_server)
    env = dict(costs_server.env) | {"JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(env=env, cwd=str(tmp_path))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=90)
        assert execute(client, "%load_ext jupyter_costwidget")["status"] == "ok"
        result = execute(client, "%costs --json")
        assert result["status"] == "ok" and result["error"] is None, result
        ours = json.loads(result["stdout"])
        assert ours["source"] == "kernel"
        for scope, total in served["totals"].items():
            assert ours["totals"][scope]["per_hour"] == total["per_hour"]
            assert ours["totals"][scope]["unpriced"] == total["unpriced"]
        # A second call within the cache window does not scan again.
        sandbox.reset_calls()
        assert execute(client, "%costs --json")["status"] == "ok"
        assert sum(sandbox.calls().values()) == 0
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


# =========================================================================================
# pure rendering


def test_text_table_of_a_report_without_resources():
    snapshot = {
        "totals": {"mine": {"per_hour": 0.0, "accrued": 0.0, "unpriced": 0}},
        "resources": [],
        "context": {"environment": "local"},
        "source": "kernel",
    }
    text = render_text(CostsReport(snapshot, "mine"))
    assert "No billable resources in scope 'mine'." in text
    assert text.splitlines()[0].startswith("Mine: $0.00/hour, $0.00 so far · local")


def test_usd_formatting():
    assert usd(None) == "unknown"
    assert usd(0) == "$0.00"
    assert usd(1.408) == "$1.41"
    assert usd(0.000782) == "$0.00078"
    assert usd(12345.6) == "$12,346"


def test_cell_that_raises_still_reports_its_time(ishell, demo):
    captured = ishell.run("%%costs --json\nraise ValueError('boom from the cell')")
    # The cell's own error is shown (once); the magic itself adds no traceback.
    plain = re.sub(r"\x1b\[[0-9;]*m", "", captured.text)
    assert plain.count("Traceback (most recent call last)") == 1
    assert "ValueError: boom from the cell" in plain
    report = json.loads(captured.stdout[captured.stdout.index("{") :])
    assert report["seconds"] >= 0 and report["instance_type"] == ME_INSTANCE
    assert ishell.magics.last_cell_report["seconds"] == report["seconds"]
    # The execution fails, as the cell did, so "Run All" stops at it.
    assert not captured.result.success
    assert "the cell raised ValueError" in plain


def test_cell_report_tells_started_from_seen_late():
    from datetime import datetime, timezone

    from jupyter_costwidget.magics.cell import cell_report

    def res(rid: str, started: str, status: str = "InService") -> dict[str, Any]:
        return {"id": rid, "kind": "endpoint", "name": rid, "status": status, "per_hour": 1.0,
                "started_at": started, "scopes": ["region"]}  # fmt: skip

    cell_start = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    before = {
        "resources": [res("old", "2026-01-01T10:00:00Z"), res("gone", "2026-01-01T10:00:00Z")]
    }
    after = {
        "resources": [
            res("old", "2026-01-01T10:00:00Z"),
            res("gone", "2026-01-01T10:00:00Z", status="Deleting"),
            res("new", "2026-01-01T12:00:05Z"),
            res("earlier", "2026-01-01T11:30:00Z"),
        ]
    }
    report = cell_report(10.0, before, after, cell_start)
    assert [e["id"] for e in report["started"]] == ["new"]
    assert [e["id"] for e in report["appeared"]] == ["earlier"]
    assert [e["id"] for e in report["stopped"]] == ["gone"]
    assert report["cost"] is None  # no `self` app in these snapshots


def test_widget_refresh_asks_the_server_for_a_new_scan(ishell, costs_server, sandbox):
    _load_demo(sandbox, costs_server)
    _use_server(ishell, costs_server)
    ishell.magics.widgets = "on"
    data = ishell.run("%costs").outputs[0].data
    from ipywidgets import Widget

    widget = Widget.widgets[data["application/vnd.jupyter.widget-view+json"]["model_id"]]
    scans = costs_server.get("costwidget/api/status")["scans"]
    generated = widget.view.report.snapshot["generated_at"]
    widget.refresh_button.click()
    assert costs_server.get("costwidget/api/status")["scans"] == scans + 1
    assert widget.view.report.snapshot["generated_at"] != generated
    assert widget.view.report.snapshot["source"] == "server"


def test_stop_when_done_arms_and_cancels_on_the_server(ishell, costs_server, sandbox):
    _use_server(ishell, costs_server)
    captured = ishell.run("%costs --stop-when-done")
    _no_traceback(captured)
    assert "This app stops once the work running now is done" in captured.stdout
    assert "write results to files" in captured.stdout
    idle = costs_server.get("costwidget/api/idle")
    assert idle["stop_when_done"]["armed"] is True
    captured = ishell.run("%costs --stop-when-done off")
    assert captured.stdout.strip() == "Stop when done: cancelled."
    assert costs_server.get("costwidget/api/idle")["stop_when_done"]["armed"] is False


def test_stop_when_done_needs_the_server(ishell, demo):
    ishell.magics.source = "kernel"
    captured = ishell.run("%costs --stop-when-done")
    assert "runs in the Jupyter server, and this kernel has none" in captured.stderr
    assert captured.stdout == ""


# =========================================================================================
# Japanese: --lang, the kernel's locale, and the server's warnings in that language


def test_costs_in_japanese_by_option_and_by_the_kernels_locale(ishell, demo, monkeypatch):
    snapshot = json.loads(ishell.run("%costs --json").stdout)
    text = ishell.run("%costs --lang ja").outputs[0].data["text/plain"]
    mine = snapshot["totals"]["mine"]
    assert text.splitlines()[0].startswith(f"自分: {usd(mine['per_hour'])}/時、これまで "), text
    header = next(line for line in text.splitlines() if line.startswith("リソース"))
    # Wide characters take two columns: the $/h values end under the end of "$/時".
    first_row = text.splitlines()[text.splitlines().index(header) + 2]
    rate = usd(max(r["per_hour"] or 0 for r in snapshot["resources"] if "mine" in r["scopes"]))
    header_end = display_width(header[: header.index("$/時") + len("$/時")])
    row_end = display_width(first_row[: first_row.index(rate) + len(rate)])
    assert header_end == row_end, text
    warnings = ishell.run("%costs --warnings --lang ja").outputs[0].data["text/plain"]
    assert "警告:" in warnings
    assert "[endpoint-idle] エンドポイント churn-xgb は直近 24 時間呼び出されていません" in warnings

    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    by_locale = ishell.run("%costs").outputs[0].data["text/plain"]
    assert by_locale.splitlines()[0].startswith("自分: ")
    english = ishell.run("%costs --lang en").outputs[0].data["text/plain"]
    assert english.splitlines()[0].startswith(f"Mine: {usd(mine['per_hour'])}/hour, ")


def test_cell_magic_in_japanese(ishell, demo):
    captured = ishell.run("%%costs --lang ja\nx = 1")
    _no_traceback(captured)
    assert re.search(r"ml\.g5\.xlarge で [\d.]+ 秒 ≈ \$[\d.]+ \(\$2\.04/時\)", captured.stdout), (
        captured.stdout
    )


def test_the_server_sends_its_warnings_in_the_kernels_language(ishell, costs_server, sandbox):
    _load_demo(sandbox, costs_server)
    _use_server(ishell, costs_server)
    captured = ishell.run("%costs --warnings --scope region --lang ja")
    _no_traceback(captured)
    text = captured.outputs[0].data["text/plain"]
    assert "Jupyter サーバー" in text
    assert "[endpoint-idle] エンドポイント churn-xgb は直近 24 時間" in text
    assert "[canvas-running] bob の Canvas が" in text
