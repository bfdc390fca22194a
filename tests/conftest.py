"""Shared fixtures: a real jupyter server (pytest-jupyter) with this extension enabled."""

from __future__ import annotations

import pytest

pytest_plugins = ("pytest_jupyter.jupyter_server",)


@pytest.fixture
def jp_server_config(jp_server_config):
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyter_costwidget": True},
            "allow_root": True,
        }
    }


# --- the AWS sandbox: one server per session, reset before each test -----------------------
import os  # noqa: E402

for _key, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
}.items():
    os.environ[_key] = _value
os.environ.pop("AWS_PROFILE", None)


@pytest.fixture(scope="session")
def _sandbox_server():
    from jupyter_costwidget.sandbox import start_sandbox

    server = start_sandbox()
    yield server
    server.stop()


@pytest.fixture
def sandbox(_sandbox_server):
    """The running sandbox, emptied (no scenario, faults or counts) for this test."""
    _sandbox_server.reset()
    return _sandbox_server


@pytest.fixture
def costwidget_server_config(jp_server_config):
    """Factory of a `jp_server_config` whose extension talks to `sandbox`.

    The background refresher is kept out of the way (tests scan with `?refresh=1`, each of
    which scans: no `min_refresh_seconds` floor), and only this region is scanned, unless a
    test passes its own settings;
    `settings` are more `c.CostWidget` traits.
    """

    def make(sandbox, metadata_file=None, **settings):
        config = {**jp_server_config, **sandbox.server_config(metadata_file)}
        config["CostWidget"] = {
            "refresh_seconds": 3600,
            "min_refresh_seconds": 0,
            # One region, and no billing fetch to learn others ("auto"), unless a test asks.
            "regions": [],
            **config["CostWidget"],
            **settings,
        }
        return config

    return make


# --- every API answer a test receives is checked against api/schema.json --------------------
@pytest.fixture
def jp_fetch(jp_fetch):
    from tornado.httpclient import HTTPClientError

    from .api_contract import check_response

    async def fetch(*parts, **kwargs):
        method = kwargs.get("method", "GET")
        try:
            response = await jp_fetch(*parts, **kwargs)
        except HTTPClientError as err:
            if err.response is not None:
                check_response(parts, method, err.code, err.response.body)
            raise
        check_response(parts, method, response.code, response.body)
        return response

    return fetch
