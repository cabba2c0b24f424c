"""Rate limits per endpoint category (Exotel's rate-limiting page) in the sandbox: each category
its own budget, the X-RateLimit-* headers on every answer, and the command's limits."""

from __future__ import annotations

import httpx
import pytest

SG = "https://api.exotel.com"
V1 = "/v1/Accounts/handbookdemo"
V2 = "/v2/accounts/handbookdemo"
AUTH = ("sandbox-demo-key", "sandbox-demo-token")


@pytest.fixture
def demo_http(sandbox):
    with httpx.Client(transport=sandbox.transport(), auth=AUTH) as client:
        yield client


def test_every_answer_carries_the_rate_limit_headers(demo_http):
    response = demo_http.get(f"{SG}{V1}/Calls.json")
    assert response.headers["X-RateLimit-Limit"] == "200"
    assert response.headers["X-RateLimit-Remaining"] == "199"
    assert int(response.headers["X-RateLimit-Reset"]) > 0


def test_remaining_counts_down_with_each_request(demo_http):
    seen = [
        int(demo_http.get(f"{SG}{V1}/Calls.json").headers["X-RateLimit-Remaining"])
        for _ in range(3)
    ]
    assert seen == [199, 198, 197]


def test_reset_is_when_the_oldest_request_leaves_the_window(demo_http, sandbox):
    first = demo_http.get(f"{SG}{V1}/Calls.json")
    assert int(first.headers["X-RateLimit-Reset"]) == int(sandbox.clock.now().timestamp()) + 60


def test_voice_and_sms_have_separate_budgets(demo_http):
    for _ in range(200):
        demo_http.get(f"{SG}{V1}/Calls.json")
    assert demo_http.get(f"{SG}{V1}/Calls.json").status_code == 429
    sms = demo_http.get(f"{SG}{V1}/SMS/Messages/{'0' * 32}.json")
    assert sms.status_code == 404  # admitted: SMS has its own 200
    assert sms.headers["X-RateLimit-Remaining"] == "199"


def test_bulk_sms_is_limited_to_50_a_minute(demo_http):
    statuses = [demo_http.post(f"{SG}{V1}/Sms/bulksend.json").status_code for _ in range(51)]
    assert statuses[:50] == [404] * 50  # admitted, then not served by the sandbox
    assert statuses[50] == 429


def test_a_429_names_the_category_and_carries_exotels_code(demo_http):
    for _ in range(50):
        demo_http.post(f"{SG}{V1}/Sms/bulksend.json")
    body = demo_http.post(f"{SG}{V1}/Sms/bulksend.json").json()["RestException"]
    assert "50 Bulk SMS API requests" in body["Message"]
    assert body["Code"] == "RATE_LIMIT_EXCEEDED"


def test_one_limiter_set_on_the_sandbox_is_one_budget_for_every_category(sandbox, demo_http):
    from helpers.sandbox import SlidingWindowLimit

    sandbox.rate_limit = SlidingWindowLimit(1, 60)
    demo_http.get(f"{SG}{V1}/Calls.json")
    assert demo_http.get(f"{SG}{V1}/SMS/Messages/abc.json").status_code == 429


def test_the_command_keeps_a_budget_per_category_by_default():
    from helpers.sandbox.__main__ import make_sandbox, parse_args

    sandbox = make_sandbox(parse_args(["--frozen-clock"]))
    assert sandbox.rate_limit is None
    assert sandbox.rate_limits["bulk_sms"].limit == 50


def test_the_commands_rate_limit_is_one_budget_for_every_api():
    from helpers.sandbox.__main__ import make_sandbox, parse_args

    sandbox = make_sandbox(parse_args(["--frozen-clock", "--rate-limit", "5", "--window", "10"]))
    assert (sandbox.rate_limit.limit, sandbox.rate_limit.window) == (5, 10)


def test_the_commands_window_applies_to_every_category():
    from helpers.sandbox.__main__ import make_sandbox, parse_args

    sandbox = make_sandbox(parse_args(["--frozen-clock", "--window", "30"]))
    assert {limit.window for limit in sandbox.rate_limits.values()} == {30}
