"""The endpoint table is the one description of Exotel's API: the client's paths and the
pacer's categories come from it."""

from __future__ import annotations

import inspect

import httpx
import pytest

from helpers import Credentials, ExotelClient
from helpers.endpoints import CATEGORIES, ENDPOINTS, covering_category, resolve
from helpers.pacing import ENDPOINT_LIMITS, EndpointPacer
from tests.support.endpoint_calls import ARGUMENTS

#: ExotelClient's public methods that are not endpoints.
NOT_ENDPOINTS = {"call_endpoint", "close", "request", "url"}


def sent_by(name: str) -> httpx.Request:
    """The request the client method ``name`` sends."""
    sent = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    credentials = Credentials("key", "token", "acme")
    with ExotelClient(credentials, transport=httpx.MockTransport(answer)) as exotel:
        getattr(exotel, name)(**ARGUMENTS[name])
    [request] = sent
    return request


def test_every_public_client_method_is_an_endpoint_and_every_endpoint_a_method():
    methods = {
        name
        for name, _ in inspect.getmembers(ExotelClient, inspect.isfunction)
        if not name.startswith("_")
    }
    assert methods - NOT_ENDPOINTS == set(ENDPOINTS) == set(ARGUMENTS)


@pytest.mark.parametrize("name", ENDPOINTS)
def test_each_client_method_sends_the_request_its_row_describes(name):
    request = sent_by(name)
    found = resolve(request.method, request.url.path)
    assert found is not None, f"{request.method} {request.url.path} is in no row"
    assert found[0] is ENDPOINTS[name]


@pytest.mark.parametrize("name", ENDPOINTS)
def test_each_client_methods_docstring_shows_its_rows_path(name):
    row = ENDPOINTS[name]
    assert f"{row.method} {row.full_path}" in getattr(ExotelClient, name).__doc__


@pytest.mark.parametrize("name", ENDPOINTS)
def test_the_pacer_gives_each_endpoint_its_rows_limit(name):
    request = sent_by(name)
    assert EndpointPacer().limit_for(request.method, str(request.url)) == ENDPOINTS[name].limit


@pytest.mark.parametrize("row", ENDPOINTS.values(), ids=str)
def test_each_rows_category_is_the_one_its_path_would_fall_in_without_the_row(row):
    path = row.path_for(**dict.fromkeys(row.pattern.groupindex, "x1"))
    assert covering_category(row.version, path) == row.category


def test_the_limits_are_the_categories_limits():
    assert ENDPOINT_LIMITS == {name: c.limit for name, c in CATEGORIES.items()}


def test_a_path_value_stays_one_segment():
    assert ENDPOINTS["get_call"].path_for(CallSid="a/b?c") == "Calls/a%2Fb%3Fc.json"


def test_a_path_value_missing_or_extra_is_a_type_error_naming_the_right_ones():
    with pytest.raises(TypeError, match=r"get_call takes \['CallSid'\], not \['Sid'\]"):
        ENDPOINTS["get_call"].path_for(Sid="x")


def test_a_path_in_no_row_resolves_to_nothing():
    assert resolve("GET", "/v1/Accounts/acme/Recordings.json") is None
    assert resolve("DELETE", "/v1/Accounts/acme/Calls.json") is None
