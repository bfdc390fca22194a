"""The foundation: the extension loads, its route is authenticated and returns the version."""

from __future__ import annotations

import json
import warnings

import pytest
import tornado.httpclient

from jupyter_costwidget import __version__


async def test_version_route(jp_fetch):
    response = await jp_fetch("costwidget", "api", "version")
    assert response.code == 200
    assert json.loads(response.body) == {"version": __version__}


async def test_version_route_rejects_unauthenticated(jp_fetch):
    # jp_fetch adds the token; an explicit empty Authorization header removes it.
    with pytest.raises(tornado.httpclient.HTTPClientError) as info:
        await jp_fetch("costwidget", "api", "version", headers={"Authorization": ""})
    assert info.value.code == 403
    assert b"version" not in (info.value.response.body or b"")


def test_no_auth_warning_when_loading(jp_configurable_serverapp):
    # Every handler must be authenticated: jupyter_server warns about any that is not.
    from jupyter_server.utils import JupyterServerAuthWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        jp_configurable_serverapp()
    auth_warnings = [w for w in caught if issubclass(w.category, JupyterServerAuthWarning)]
    assert not [str(w.message) for w in auth_warnings if "costwidget" in str(w.message)]


def test_cli_help_lists_subcommands(capsys):
    from jupyter_costwidget.cli import main

    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "version" in out and "subcommands" in out
