"""`%costs` (what am I spending) and `%%costs` (what did this cell cost) for IPython.

`%load_ext jupyter_costwidget` or `c.InteractiveShellApp.extensions = ["jupyter_costwidget"]`
registers them. Settings: `%config CostsMagics.source = 'auto' | 'server' | 'kernel'` etc.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from gettext import NullTranslations
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from traitlets import CFloat, Enum, Unicode, default

from jupyter_costwidget.api.models import SCOPES
from jupyter_costwidget.config import env_default
from jupyter_costwidget.i18n import environment_language, translations
from jupyter_costwidget.magics.cell import cell_report, render_cell_text
from jupyter_costwidget.magics.source import (
    KERNEL,
    KernelSource,
    ServerInfo,
    ServerSource,
    ServerUnreachable,
    SourceError,
    find_server,
    running_servers,
    this_kernel_id,
)
from jupyter_costwidget.magics.view import CostsView, when_done_text


@magics_class
class CostsMagics(Magics):
    """Spend of this notebook's SageMaker resources, from the Jupyter server or the kernel."""

    clock: Callable[[], float] = staticmethod(time.time)  # wall time; tests may set it

    source = Enum(
        ["auto", "server", "kernel"],
        help="Where numbers come from: 'auto' (the Jupyter server running this kernel when "
        "reachable, else the kernel's own engine), 'server' or 'kernel'. "
        "Env: COSTWIDGET_MAGICS_SOURCE.",
    ).tag(config=True)
    server_url = Unicode(
        help="Use this Jupyter server (e.g. http://127.0.0.1:8888/) instead of finding the one "
        "running this kernel. Env: COSTWIDGET_SERVER_URL.",
    ).tag(config=True)
    server_token = Unicode(help="Token for server_url. Env: COSTWIDGET_SERVER_TOKEN.").tag(
        config=True
    )
    kernel_cache_seconds = CFloat(60.0, help="How long the kernel's own engine reuses a scan.").tag(
        config=True
    )
    language = Unicode(
        help="The language of %costs (e.g. 'ja'); empty: the kernel's locale (LANGUAGE, "
        "LC_ALL, LC_MESSAGES, LANG). English where the package has no catalogue.",
    ).tag(config=True)
    widgets = Enum(
        ["auto", "on", "off"],
        default_value="auto",
        help="Show the ipywidgets view: 'auto' means in a Jupyter kernel with ipywidgets.",
    ).tag(config=True)

    @default("source")
    def _default_source(self) -> str:
        value = os.environ.get("COSTWIDGET_MAGICS_SOURCE", "auto")
        return value if value in ("auto", "server", "kernel") else "auto"

    _default_server_url = env_default("server_url", "COSTWIDGET_SERVER_URL")
    _default_server_token = env_default("server_token", "COSTWIDGET_SERVER_TOKEN")

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self._chosen: Any = None
        self._kernel_source: KernelSource | None = None
        self.last_cell_report: dict[str, Any] | None = None
        self.observe(lambda _change: self.reset_source(), ["source", "server_url", "server_token"])

    # --- sources ------------------------------------------------------------------------
    def reset_source(self) -> None:
        """Forget the chosen source (settings changed); the next call looks again."""
        self._chosen = None

    def kernel_source(self) -> KernelSource:
        if self._kernel_source is None:
            self._kernel_source = KernelSource(cache_seconds=self.kernel_cache_seconds)
        self._kernel_source.cache_seconds = self.kernel_cache_seconds
        return self._kernel_source

    def choose_source(self) -> Any:
        if self._chosen is not None:
            return self._chosen
        if self.source == KERNEL:
            self._chosen = self.kernel_source()
            return self._chosen
        if self.server_url:
            server: ServerInfo | None = ServerInfo(
                url=self.server_url.rstrip("/") + "/", token=self.server_token
            )
        else:
            server = find_server(running_servers(), this_kernel_id(), os.getcwd())
        if server is not None:
            self._chosen = ServerSource(server)
        elif self.source == "server":
            raise SourceError(
                "No running Jupyter server with jupyter-costwidget was found for this kernel.",
                "Set %config CostsMagics.server_url = 'http://host:port/' (and server_token), "
                "or %config CostsMagics.source = 'auto' to compute in the kernel.",
            )
        else:
            self._chosen = self.kernel_source()
        return self._chosen

    def fetch(self, refresh: bool = False, language: str | None = None) -> dict[str, Any]:
        """The /spend snapshot plus `source`, its warnings in `language` when translated.
        Raises SourceError for expected failures."""
        source = self.choose_source()
        try:
            return source.fetch(refresh, language)
        except ServerUnreachable as err:
            if self.source == "server":
                raise
            # Look for the server again next time; this time compute here.
            self._chosen = None
            _explain(err, "Computing in this kernel instead.")
            return self.kernel_source().fetch(refresh, language)

    def chosen_language(self, requested: str | None = None) -> str | None:
        """--lang, else the `language` setting, else the kernel's locale."""
        return requested or self.language or environment_language()

    # --- the magic ----------------------------------------------------------------------
    @magic_arguments()
    @argument(
        "--scope",
        choices=SCOPES,
        default="mine",
        help="self: this app; mine (default): everything of your user profile; "
        "domain; region: everything the credentials can list; account: every region scanned.",
    )
    @argument("--refresh", action="store_true", help="Scan AWS now instead of using the cache.")
    @argument(
        "--json",
        action="store_true",
        help="Print the /spend JSON (as GET costwidget/api/spend) with its `source`.",
    )
    @argument("--warnings", action="store_true", help="Show only the warnings.")
    @argument(
        "--lang",
        default=None,
        help="Language of the output, e.g. ja (default: the kernel's locale).",
    )
    @argument(
        "--stop-when-done",
        nargs="?",
        const="on",
        choices=("on", "off"),
        help="Stop this app once the work running now is done (off: cancel). Runs in the "
        "Jupyter server, so it works with the browser closed.",
    )
    @line_cell_magic
    def costs(self, line: str = "", cell: str | None = None) -> None:
        """%costs: spend of this notebook's resources. %%costs: run the cell and say what it
        cost on this app's instance, and which billable resources it started or stopped."""
        args = parse_argstring(self.costs, line)
        language = self.chosen_language(args.lang)
        said = translations(language)
        if args.stop_when_done:
            self._stop_when_done(args.stop_when_done == "on", said)
            return
        if cell is not None:
            self._run_cell(cell, args, said)
            return
        try:
            snapshot = self.fetch(refresh=args.refresh, language=language)
        except SourceError as err:
            _explain(err)
            return
        if args.json:
            print(json.dumps(snapshot, indent=1, default=str))
            return
        from IPython.display import display

        display(
            CostsView(
                snapshot,
                scope=args.scope,
                warnings_only=args.warnings,
                refresh=lambda: self.fetch(refresh=True, language=language),
                use_widget=self._use_widget(),
                said=said,
            )
        )

    def _stop_when_done(self, armed: bool, said: NullTranslations) -> None:
        try:
            source = self.choose_source()
            if not isinstance(source, ServerSource):
                raise SourceError(
                    "Stop when done runs in the Jupyter server, and this kernel has none.",
                    "Use it from a notebook of the JupyterLab server that runs this app.",
                )
            status = source.stop_when_done(armed)
        except SourceError as err:
            _explain(err)
            return
        print(when_done_text(status, said))

    def _run_cell(self, cell: str, args: Any, said: NullTranslations) -> None:
        before = self._fetch_quietly(refresh=args.refresh)
        started = datetime.fromtimestamp(self.clock(), timezone.utc)
        t0 = time.perf_counter()
        assert self.shell is not None  # registered magics always have their shell
        result = None
        try:
            result = self.shell.run_cell(cell)
        finally:
            seconds = time.perf_counter() - t0
            # A scan after the cell sees what it started or stopped.
            after = self._fetch_quietly(refresh=True) if before is not None else None
            report = cell_report(seconds, before, after, started)
            self.last_cell_report = report
            if args.json:
                print(json.dumps(report, indent=1, default=str))
            else:
                print(render_cell_text(report, said))
        if result is not None and not result.success:
            # The cell's traceback is already shown; failing this cell too makes "Run All"
            # stop here, as it would without %%costs. UsageError prints one line, no traceback.
            error = result.error_in_exec or result.error_before_exec
            raise UsageError(f"the cell raised {type(error).__name__} (see above)")

    def _fetch_quietly(self, refresh: bool) -> dict[str, Any] | None:
        try:
            return self.fetch(refresh=refresh)
        except SourceError as err:
            _explain(err, "The cell's cost is unknown.")
            return None

    def _use_widget(self) -> bool:
        if self.widgets != "auto":
            return self.widgets == "on"
        if getattr(self.shell, "kernel", None) is None:
            return False  # terminal IPython: text
        try:
            import ipywidgets  # noqa: F401
        except ImportError:
            return False
        return True


def _explain(err: SourceError, then: str = "") -> None:
    """An expected failure: one short paragraph on stderr, never a traceback."""
    text = f"%costs: {err.message}"
    if err.hint:
        text += f"\n  → {err.hint}"
    if then:
        text += f"\n  {then}"
    print(text, file=sys.stderr)


def load_ipython_extension(ipython: Any) -> None:
    ipython.register_magics(CostsMagics)


def unload_ipython_extension(ipython: Any) -> None:
    magics = ipython.magics_manager.registry.pop("CostsMagics", None)
    for kind in ("line", "cell"):
        table = ipython.magics_manager.magics[kind]
        if "costs" in table:
            del table["costs"]
    if magics is not None:
        if magics._kernel_source is not None:
            magics._kernel_source.close()
        if magics in getattr(ipython, "configurables", []):
            ipython.configurables.remove(magics)
