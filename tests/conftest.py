"""Shared fixtures: a real jupyter server (pytest-jupyter) with this extension enabled."""

from __future__ import annotations

import pytest

pytest_plugins = ("pytest_jupyter.jupyter_server",)


@pytest.fixture
def jp_server_config(jp_server_config):  # noqa: ANN001 - pytest-jupyter's fixture
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyter_costwidget": True},
            "allow_root": True,
        }
    }
