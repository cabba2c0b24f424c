"""Pacing per endpoint category (Exotel's rate-limiting page): each category its own limit, and a
pacer that reads the X-RateLimit-* headers so a batch never meets a 429."""

from __future__ import annotations

import pytest

from helpers import ExotelClient, RateLimitError
from helpers.pacing import ENDPOINT_LIMITS, EndpointPacer, Pacer, endpoint_category

SG = "https://api.exotel.com"
V1 = "/v1/Accounts/handbookdemo"
V2 = "/v2/accounts/handbookdemo"


def test_the_limits_are_those_of_exotels_rate_limiting_page():
    assert {k: v for k, v in ENDPOINT_LIMITS.items() if k != "other"} == {
        "voice": 200,
        "sms": 200,
        "bulk_sms": 50,
        "whatsapp": 200,
        "exophone": 50,
        "campaign": 30,
        "user_management": 50,
        "general_get": 300,
    }


@pytest.mark.parametrize(
    ("method", "path", "category"),
    [
        ("POST", f"{V1}/Calls/connect.json", "voice"),
        ("GET", f"{V1}/Calls/abc.json", "voice"),
        ("GET", f"{V1}/Calls.json?PageSize=10", "voice"),
        ("GET", f"{V2}/calls", "voice"),
        ("POST", f"{V1}/Sms/send.json", "sms"),
        ("GET", f"{V1}/SMS/Messages/abc.json", "sms"),
        ("POST", f"{V1}/Sms/bulksend.json", "bulk_sms"),
        ("GET", f"{V1}/IncomingPhoneNumbers.json", "exophone"),
        ("POST", f"{V2}/message-campaigns", "campaign"),
        ("GET", f"{V2}/users", "user_management"),
        ("POST", f"{V2}/messages", "whatsapp"),
        ("GET", f"{V1}/Numbers/08012345678.json", "general_get"),
        ("POST", f"{V1}/Something.json", "other"),
        ("GET", "/not/an/account/path", "general_get"),
    ],
)
def test_each_path_falls_in_its_endpoint_category(method, path, category):
    assert endpoint_category(method, path) == category


# -- the pacer -------------------------------------------------------------------------------------


def test_endpoint_pacer_gives_each_category_its_limit():
    pacer = EndpointPacer()
    assert pacer.limit_for("POST", f"{SG}{V1}/Sms/bulksend.json") == 50
    assert pacer.limit_for("GET", f"{SG}{V2}/campaigns") == 30
    assert pacer.limit_for("GET", f"{SG}{V1}/Calls.json") == 200


def test_endpoint_pacer_takes_a_limit_per_category():
    assert EndpointPacer({"voice": 500}).limit_for("GET", f"{SG}{V1}/Calls.json") == 500


def test_endpoint_pacer_refuses_an_unknown_category_naming_the_known_ones():
    with pytest.raises(ValueError, match="Unknown endpoint category vioce; the categories are"):
        EndpointPacer({"vioce": 100})


def test_a_pacer_at_zero_remaining_waits_for_the_reset(sandbox):
    pacer = Pacer(limit=200, window=60, burst=10, clock=sandbox.clock)
    reset = int(sandbox.clock.now().timestamp()) + 25
    pacer.observe({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)})
    assert pacer.acquire() == 25


def test_a_pacer_with_requests_remaining_does_not_wait(sandbox):
    pacer = Pacer(limit=200, window=60, burst=10, clock=sandbox.clock)
    reset = int(sandbox.clock.now().timestamp()) + 25
    pacer.observe({"X-RateLimit-Remaining": "3", "X-RateLimit-Reset": str(reset)})
    assert pacer.acquire() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-RateLimit-Remaining": "0"},
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "soon"},
    ],
)
def test_missing_or_garbled_headers_leave_the_pacer_to_its_bucket(sandbox, headers):
    pacer = Pacer(limit=200, window=60, burst=10, clock=sandbox.clock)
    pacer.observe(headers)
    assert pacer.acquire() == 0


def test_a_header_paced_client_never_meets_a_429_when_the_server_is_stricter(sandbox):
    """The pacer believes 200 a minute; the server allows 20. The headers keep it out of 429."""
    from helpers.sandbox import SlidingWindowLimit

    sandbox.rate_limit = SlidingWindowLimit(20, 60)
    pacer = Pacer(limit=200, window=60, burst=10, clock=sandbox.clock)
    refused = 0
    with ExotelClient(sandbox.demo, transport=sandbox.transport(), pacer=pacer) as client:
        for _ in range(60):
            try:
                client.list_calls()
            except RateLimitError:
                refused += 1
    assert refused == 0


def test_an_endpoint_paced_batch_of_bulk_sms_never_meets_a_429(sandbox):
    pacer = EndpointPacer(clock=sandbox.clock)
    with ExotelClient(sandbox.demo, transport=sandbox.transport(), pacer=pacer) as client:
        statuses = []
        for _ in range(120):
            try:
                client.request("POST", "Sms/bulksend.json")
            except Exception as exc:  # the sandbox serves no bulk send: 404 once admitted
                statuses.append(exc.status)
    assert 429 not in statuses
