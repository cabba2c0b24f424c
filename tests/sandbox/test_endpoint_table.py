"""The sandbox is built from the endpoint table: a row's handler answers it, its permission
guards it, its category's budget counts it, as the client and the pacer expect."""

from __future__ import annotations

import httpx
import pytest

from helpers import ExotelClient
from helpers.endpoints import ENDPOINTS
from helpers.errors import ExotelError, PermissionDeniedError
from helpers.pacing import EndpointPacer
from helpers.sandbox.admin import ADMIN_PREFIX, ADMIN_ROUTES, ROUTES
from helpers.sandbox.core import HANDLERS
from helpers.sandbox.keys import ALL_PERMISSIONS, PERMISSIONS
from tests.support.endpoint_calls import ARGUMENTS


def answered(sandbox, name: str, credentials=None) -> tuple[httpx.Request, httpx.Response]:
    """The request the client method ``name`` sends to ``sandbox``, and the sandbox's answer."""
    exchanges = []
    inner = sandbox.transport()

    class Recording(httpx.BaseTransport):
        def handle_request(self, request):
            response = inner.handle_request(request)
            exchanges.append((request, response))
            return response

    with ExotelClient(credentials or sandbox.demo, transport=Recording()) as exotel:
        try:
            getattr(exotel, name)(**ARGUMENTS[name])
        except ExotelError:
            pass  # an unknown CallSid is a 404: its headers still count
    [exchange] = exchanges
    return exchange


def test_every_row_has_a_handler_and_every_handler_a_row():
    assert set(HANDLERS) == set(ENDPOINTS)


@pytest.mark.parametrize("name", ENDPOINTS)
def test_the_sandbox_the_pacer_and_the_row_agree_on_each_endpoints_limit(sandbox, name):
    request, response = answered(sandbox, name)
    pacer = EndpointPacer().limit_for(request.method, str(request.url))
    assert int(response.headers["X-RateLimit-Limit"]) == pacer == ENDPOINTS[name].limit


@pytest.mark.parametrize("name", ENDPOINTS)
def test_each_endpoint_is_answered_by_its_handler_not_a_404(sandbox, name):
    request, response = answered(sandbox, name)
    if name in ("get_call", "get_sms", "get_call_v2"):  # a SID the sandbox never made
        [sid] = ARGUMENTS[name].values()
        assert (response.status_code, sid in response.text) == (404, True)
    else:
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("name", ENDPOINTS)
def test_a_key_without_the_rows_permission_is_refused_naming_it(sandbox, name):
    needed = ENDPOINTS[name].permission
    key = sandbox.dashboard.create_key("all but one", permissions=ALL_PERMISSIONS - {needed})
    with pytest.raises(PermissionDeniedError, match=f"does not have the {needed} permission"):
        with ExotelClient(key, transport=sandbox.transport()) as exotel:
            getattr(exotel, name)(**ARGUMENTS[name])


def test_the_permissions_list_each_rows_request_once():
    listed = [part for covered in PERMISSIONS.values() for part in covered.split(", ")]
    assert sorted(listed) == sorted(f"{e.method} {e.template}" for e in ENDPOINTS.values())


def test_the_admin_index_lists_every_admin_route_and_each_is_served(server, sandbox):
    assert server.get(ADMIN_PREFIX).json()["routes"] == ROUTES
    for route in ADMIN_ROUTES:
        path = ADMIN_PREFIX + route.path.format(key=sandbox.demo.api_key)
        response = server.request(route.method, path)
        assert "No admin route" not in response.text, f"{route.method} {route.path}"
