"""Every route of the API: authentication required, XSRF enforced on state-changing calls.

The routes are read from the same registry that mounts them, so a new route is covered
without editing this file.
"""

from __future__ import annotations

import json

import pytest
import tornado.httpclient
from jupyter_server.utils import url_path_join

from jupyter_costwidget.api.handlers import API_PREFIX
from jupyter_costwidget.extension import ROUTES
from jupyter_costwidget.sandbox import DEMO_SCENARIO

STATE_CHANGING = ("post", "put", "delete", "patch")


def _routes_with(methods: tuple[str, ...]) -> list[tuple[str, str]]:
    found = []
    for path, handler in ROUTES:
        for method in methods:
            own = getattr(handler, method, None)
            base = getattr(tornado.web.RequestHandler, method, None)
            if own is not None and own is not base:
                found.append((path, method.upper()))
    return found


@pytest.fixture
def jp_server_config(costwidget_server_config, sandbox, tmp_path):
    sandbox.load(DEMO_SCENARIO)
    metadata = sandbox.write_metadata(tmp_path / "resource-metadata.json")
    return costwidget_server_config(sandbox, metadata, state_dir=str(tmp_path / "state"))


@pytest.fixture
def api_url(jp_base_url):
    def url(path: str) -> str:
        return url_path_join(jp_base_url, API_PREFIX, path)

    return url


def test_registry_lists_state_changing_routes():
    # Guards the parametrisation below: if nothing were found, the XSRF test would be vacuous.
    assert ("resources/stop", "POST") in _routes_with(STATE_CHANGING)


@pytest.mark.parametrize("path,method", _routes_with(("get", *STATE_CHANGING)))
async def test_every_route_rejects_unauthenticated(http_server_client, api_url, path, method):
    client = http_server_client
    body = json.dumps({"confirm": True}) if method != "GET" else None
    response = await client.fetch(
        api_url(path), method=method, body=body, raise_error=False, allow_nonstandard_methods=True
    )
    assert response.code == 403, (path, method, response.code)
    # A refusal carries no data of the route.
    assert b"per_hour" not in response.body and b'version":' not in response.body


@pytest.mark.parametrize("path,method", _routes_with(STATE_CHANGING))
async def test_state_changing_routes_need_xsrf(
    http_server_client, jp_auth_header, api_url, path, method
):
    client = http_server_client
    # Log in with the token once: the server answers with its login cookie, as for a browser.
    login = await client.fetch(api_url("version"), headers=jp_auth_header)
    cookies = [c.split(";", 1)[0] for c in login.headers.get_list("Set-Cookie")]
    assert any(c.startswith("username-") for c in cookies), cookies
    cookie_header = {"Cookie": "; ".join(cookies)}

    # The cookie authenticates a GET...
    ok = await client.fetch(api_url("version"), headers=cookie_header, raise_error=False)
    assert ok.code == 200
    # ...but a state-changing call with the cookie and no XSRF token is refused.
    response = await client.fetch(
        api_url(path),
        method=method,
        body=json.dumps({"id": "endpoint:churn-xgb", "confirm": True}),
        headers=cookie_header,
        raise_error=False,
        allow_nonstandard_methods=True,
    )
    assert response.code == 403, (path, method, response.code, response.body[:200])
    assert b"xsrf" in response.body.lower()
