"""error_from_response: one exception class per status, with Exotel's message and a hint."""

from __future__ import annotations

import httpx
import pytest

from helpers import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ExotelError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from helpers.errors import HINTS, error_from_response

URL = "https://api.exotel.com/v1/Accounts/acme/Calls.json"
URL_TOKEN = "tok-secret-9876"  # pragma: allowlist secret
SECRET_URL = f"https://key-1234:{URL_TOKEN}@api.exotel.com/v1/Accounts/acme/Calls.json"


def response(status: int, *, url: str = URL, method: str = "GET", **kwargs) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request(method, url), **kwargs)


def rest_exception(status: int, message: str) -> dict:
    return {"RestException": {"Status": status, "Message": message}}


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (402, PaymentRequiredError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (429, RateLimitError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (599, ServerError),
    ],
)
def test_status_maps_to_its_exception_class(status, cls):
    error = error_from_response(response(status, json=rest_exception(status, "boom")))
    assert type(error) is cls
    assert error.status == status


@pytest.mark.parametrize("status", [405, 418, 422])
def test_other_error_status_is_a_plain_api_error(status):
    error = error_from_response(response(status, json=rest_exception(status, "boom")))
    assert type(error) is APIError
    assert error.status == status
    assert error.hint == "See Exotel's error code dictionary."


def test_every_api_error_is_an_exotel_error():
    assert isinstance(error_from_response(response(401)), ExotelError)


def test_message_comes_from_rest_exception_message():
    error = error_from_response(response(401, json=rest_exception(401, "Authentication failed")))
    assert error.message == "Authentication failed"
    assert str(error).startswith("401 Authentication failed -- ")


@pytest.mark.parametrize("status", [400, 401, 403, 404, 429])
def test_hint_is_the_seed_table_entry_for_the_status(status):
    error = error_from_response(response(status, json=rest_exception(status, "x")))
    assert error.hint == HINTS[status]
    assert str(error).endswith(f" -- {HINTS[status]}")


def test_401_hint_mentions_the_regional_endpoint():
    error = error_from_response(response(401))
    assert "regional endpoint" in error.hint


def test_error_keeps_the_body_headers_and_method():
    body = rest_exception(404, "no such call")
    error = error_from_response(
        response(404, method="POST", json=body, headers={"X-Request-Id": "r-17"})
    )
    assert error.body == body
    assert error.headers["x-request-id"] == "r-17"
    assert error.method == "POST"
    assert error.url == URL


def test_429_exposes_retry_after_from_the_header():
    error = error_from_response(
        response(429, json=rest_exception(429, "Too Many Requests"), headers={"Retry-After": "17"})
    )
    assert isinstance(error, RateLimitError)
    assert error.retry_after == "17"


def test_429_without_retry_after_gives_none():
    assert error_from_response(response(429)).retry_after is None


def test_non_json_body_becomes_the_message():
    error = error_from_response(response(502, text="  <html>Bad Gateway</html>\n"))
    assert error.message == "<html>Bad Gateway</html>"
    assert error.body == "  <html>Bad Gateway</html>\n"


def test_long_non_json_body_is_cut_to_200_characters():
    error = error_from_response(response(500, text="x" * 5000))
    assert error.message == "x" * 200


def test_invalid_utf8_body_does_not_crash():
    error = error_from_response(response(500, content=b"\xff\xfe\xfa"))
    assert type(error) is ServerError
    assert error.message


@pytest.mark.parametrize(
    "body",
    [
        {"RestException": {"Status": 401}},
        {"RestException": {"Status": 401, "Message": ""}},
        {"RestException": {}},
        {"RestException": "nope"},
        {"something": "else"},
        [],
    ],
)
def test_rest_exception_without_a_message_falls_back_to_the_reason_phrase(body):
    error = error_from_response(response(401, json=body))
    assert error.message == "Unauthorized"
    assert str(error).startswith("401 Unauthorized -- ")


def test_empty_body_with_unknown_status_still_has_a_message():
    error = error_from_response(response(599))
    assert error.message == "Error"
    assert str(error).startswith("599 Error -- ")


def test_url_in_the_error_never_contains_userinfo():
    error = error_from_response(response(401, url=SECRET_URL, json=rest_exception(401, "no")))
    assert error.url == URL
    assert URL_TOKEN not in str(error)
    assert "@" not in error.url


@pytest.mark.parametrize("status", [402, 409, 500, 502, 503])
def test_hint_beyond_the_guide_is_the_error_code_dictionarys_how_to_fix(status):
    error = error_from_response(response(status, json=rest_exception(status, "x")))
    assert error.hint == HINTS[status]


def test_v2_envelope_gives_the_message_and_the_numeric_code():
    body = {
        "request_id": "r1",
        "method": "GET",
        "http_code": 401,
        "response": {
            "code": 401,
            "status": "failure",
            "data": None,
            "error_data": {"code": 1010, "description": "Authentication failed"},
        },
    }
    error = error_from_response(response(401, json=body))
    assert (error.message, error.code) == ("Authentication failed", 1010)


def test_rest_exception_code_is_kept():
    body = {"RestException": {"Status": 429, "Message": "slow", "Code": "RATE_LIMIT_EXCEEDED"}}
    assert error_from_response(response(429, json=body)).code == "RATE_LIMIT_EXCEEDED"


def test_a_body_without_a_code_has_none():
    assert error_from_response(response(404, json=rest_exception(404, "x"))).code is None


# -- hints: one per cause of a 403, and the Error Code Dictionary's for a 400 -----------------


@pytest.mark.parametrize(
    ("message", "starts"),
    [
        ("Insufficient balance to send the SMS", "Top up the account"),
        ("Account is not active", "Contact Exotel support"),
        ("Account validity has expired", "Contact Exotel support"),
        ("Account handbookdemo is suspended.", "Contact Exotel support"),
        (
            "Access denied: requests from 198.51.100.7 are not in this account's IP allowlist.",
            "Send from an allowlisted address",
        ),
        (
            "Access denied: API key f00…7 does not have the calls:write permission",
            "Use a key with this API's permission",
        ),
    ],
)
def test_a_403_hint_names_what_to_do_for_the_cause_its_message_gives(message, starts):
    assert PermissionDeniedError(message, status=403).hint.startswith(starts)


def test_a_403_whose_message_names_no_known_cause_lists_every_cause():
    hint = PermissionDeniedError("Forbidden", status=403).hint
    assert all(word in hint for word in ("active", "allowlisted", "key"))


def test_a_400_hint_is_the_error_code_dictionarys():
    assert BadRequestError("Invalid Parameters", status=400).hint == (
        "Check required fields and parameter formats."
    )
