"""jupyter-costwidget: live SageMaker spend, leak warnings and idle auto-stop in JupyterLab."""

from __future__ import annotations

try:
    from jupyter_costwidget._version import __version__
except ImportError:  # running from a source tree that was never built
    import warnings

    warnings.warn("Importing 'jupyter_costwidget' outside a proper installation.", stacklevel=2)
    __version__ = "dev"


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-costwidget"}]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "jupyter_costwidget"}]


def _load_jupyter_server_extension(server_app) -> None:
    """Called by jupyter_server when the extension is enabled."""
    from jupyter_costwidget.extension import load

    load(server_app)


async def _unload_jupyter_server_extension(server_app) -> None:
    """Called by jupyter_server on shutdown: stop background services."""
    from jupyter_costwidget.extension import unload

    result = unload(server_app)
    if result is not None:
        await result


def load_ipython_extension(ipython) -> None:
    """`%load_ext jupyter_costwidget` registers the `%costs` magics."""
    from jupyter_costwidget.magics.command import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython) -> None:
    from jupyter_costwidget.magics.command import unload_ipython_extension as _unload

    _unload(ipython)
