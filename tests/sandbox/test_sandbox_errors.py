"""The sandbox's errors beyond authentication, against Exotel's HTTP status codes page and its
Error Code Dictionary (https://developer.exotel.com/docs/references/error-codes): 402, a
suspended account's 403, 409, staged 5xx, and v2's own error envelope with numeric codes."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from helpers import (
    AuthenticationError,
    ConflictError,
    ExotelClient,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    ServerError,
)

AGENT, CUSTOMER, EXOPHONE = "+919810000000", "+919820000000", "+918010000000"


def caught(send) -> Exception:
    with pytest.raises(Exception) as info:
        send()
    return info.value


# -- 402: balance -------------------------------------------------------------------------------


def test_a_call_with_no_balance_is_402(sandbox, exotel):
    sandbox.dashboard.set_balance(0)
    error = caught(lambda: exotel.connect_call("09810000000", "09820000000", "08010000000"))
    assert isinstance(error, PaymentRequiredError)
    assert error.status == 402
    assert "balance" in error.message


def test_an_sms_with_no_balance_is_403_with_exotels_message(sandbox, exotel):
    """The support article *Sending an SMS* lists 403 "Insufficient balance to send the SMS"."""
    sandbox.dashboard.set_balance("0.00")
    error = caught(lambda: exotel.send_sms("EXOTEL", "09820000000", "hello"))
    assert isinstance(error, PermissionDeniedError)
    assert (error.status, error.message) == (403, "Insufficient balance to send the SMS")
    assert error.hint.startswith("Top up the account")


def test_reading_call_details_with_no_balance_still_works(sandbox, exotel):
    sandbox.dashboard.set_balance(0)
    assert exotel.list_calls()["Calls"] == []


def test_a_topped_up_account_can_call_again(sandbox, exotel):
    sandbox.dashboard.set_balance(0)
    sandbox.dashboard.set_balance(Decimal("100"))
    assert exotel.connect_call("09810000000", "09820000000", "08010000000")["Call"]["Sid"]


def test_a_missing_field_is_400_before_the_balance_is_checked(sandbox, exotel):
    sandbox.dashboard.set_balance(0)
    error = caught(lambda: exotel.request("POST", "Calls/connect.json", data={"From": "1"}))
    assert error.status == 400


def test_a_balance_that_is_not_a_number_is_refused_naming_an_example(sandbox):
    with pytest.raises(ValueError, match="an amount such as 0, 500 or 500.00"):
        sandbox.dashboard.set_balance("lots")


# -- 403: a suspended account -----------------------------------------------------------------


def test_a_suspended_account_is_403_on_every_request(sandbox, exotel):
    sandbox.dashboard.suspend_account()
    error = caught(exotel.list_calls)
    assert isinstance(error, PermissionDeniedError)
    assert "suspended" in error.message
    assert "Contact Exotel support" in error.message


def test_a_suspended_account_with_a_wrong_token_is_still_401(sandbox):
    sandbox.dashboard.suspend_account()
    wrong = sandbox.demo.with_changes(api_token="nope")
    with ExotelClient(wrong, transport=sandbox.transport()) as client:
        assert isinstance(caught(client.list_calls), AuthenticationError)


def test_a_reactivated_account_is_served_again(sandbox, exotel):
    sandbox.dashboard.suspend_account()
    sandbox.dashboard.reactivate_account()
    assert exotel.list_calls()["Calls"] == []


def test_suspension_is_checked_before_the_ip_allowlist(sandbox, exotel):
    sandbox.dashboard.suspend_account()
    sandbox.account.allow_only(["203.0.113.0/24"])
    assert "suspended" in caught(exotel.list_calls).message


# -- 409 and the v2 envelope --------------------------------------------------------------------


def test_a_v2_call_returns_the_envelope_with_the_call(exotel):
    answer = exotel.connect_call_v2(AGENT, CUSTOMER, EXOPHONE)
    assert answer["http_code"] == 200
    assert answer["response"]["status"] == "success"
    assert answer["response"]["data"]["virtual_number"] == EXOPHONE


def test_a_v2_call_to_an_agent_on_another_call_is_409_code_10706(exotel):
    exotel.connect_call_v2(AGENT, CUSTOMER, EXOPHONE)
    error = caught(lambda: exotel.connect_call_v2(AGENT, "+919830000000", EXOPHONE))
    assert isinstance(error, ConflictError)
    assert error.code == 10706
    assert "busy" in error.message


def test_the_agent_is_free_again_once_the_call_has_ended(sandbox, exotel):
    exotel.connect_call_v2(AGENT, CUSTOMER, EXOPHONE)
    sandbox.clock.advance(60)
    assert exotel.connect_call_v2(AGENT, "+919830000000", EXOPHONE)["http_code"] == 200


def test_a_v2_call_without_its_json_fields_is_400_naming_them(exotel):
    error = caught(lambda: exotel.request("POST", "calls", version="v2", json={}))
    assert error.status == 400
    assert "from.contact_uri, to.contact_uri, virtual_number" in error.message


def test_a_v2_call_with_no_balance_is_402_in_the_v2_envelope(sandbox, exotel):
    sandbox.dashboard.set_balance(0)
    error = caught(lambda: exotel.connect_call_v2(AGENT, CUSTOMER, EXOPHONE))
    assert isinstance(error, PaymentRequiredError)
    assert error.body["response"]["status"] == "failure"


def test_v2_authentication_failure_is_401_with_code_1010_in_the_v2_envelope(sandbox):
    wrong = sandbox.demo.with_changes(api_token="nope")
    with ExotelClient(wrong, transport=sandbox.transport()) as client:
        error = caught(client.list_calls_v2)
    assert isinstance(error, AuthenticationError)
    assert error.code == 1010
    assert set(error.body) == {"request_id", "method", "http_code", "response"}
    assert error.body["http_code"] == 401
    assert error.body["response"]["error_data"]["code"] == 1010


def test_v1_authentication_failure_stays_a_rest_exception_without_a_code(sandbox):
    wrong = sandbox.demo.with_changes(api_token="nope")
    with ExotelClient(wrong, transport=sandbox.transport()) as client:
        error = caught(client.list_calls)
    assert "RestException" in error.body
    assert error.code is None


def test_a_v2_error_without_a_dictionary_code_has_a_null_code(sandbox, exotel):
    sandbox.dashboard.suspend_account()
    error = caught(exotel.list_calls_v2)
    assert error.status == 403
    assert error.code is None
    assert "suspended" in error.message


# -- 5xx, staged --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_staged_failure_answers_its_status_once(sandbox, exotel, status):
    sandbox.fail_next(status)
    error = caught(exotel.list_calls)
    assert isinstance(error, ServerError)
    assert error.status == status
    assert exotel.list_calls()["Calls"] == []


def test_pending_failures_lists_the_staged_statuses_until_each_is_answered(sandbox, exotel):
    sandbox.fail_next(502)
    sandbox.fail_next(503, times=2)
    assert sandbox.pending_failures == [502, 503, 503]
    caught(exotel.list_calls)
    assert sandbox.pending_failures == [503, 503]
    sandbox.pending_failures.clear()  # a copy: the sandbox's own list is unchanged
    assert sandbox.pending_failures == [503, 503]


def test_a_staged_failure_comes_before_authentication(sandbox):
    sandbox.fail_next(503)
    wrong = sandbox.demo.with_changes(api_token="nope")
    with ExotelClient(wrong, transport=sandbox.transport()) as client:
        assert caught(client.list_calls).status == 503


def test_a_get_retried_through_a_staged_503_succeeds(sandbox):
    sandbox.fail_next(503, times=2)
    policy = RetryPolicy(max_attempts=3, sleep=sandbox.clock.sleep)
    with ExotelClient(sandbox.demo, transport=sandbox.transport(), retry=policy) as client:
        assert client.list_calls()["Calls"] == []


def test_a_post_is_not_retried_after_a_500(sandbox):
    sandbox.fail_next(500)
    policy = RetryPolicy(max_attempts=3, sleep=sandbox.clock.sleep)
    with ExotelClient(sandbox.demo, transport=sandbox.transport(), retry=policy) as client:
        error = caught(lambda: client.connect_call("1", "2", "3"))
    assert getattr(error, "status", None) == 500 or error.last_error.status == 500
    assert sandbox.calls == {}


@pytest.mark.parametrize(("status", "times"), [(404, 1), (503, 0)])
def test_fail_next_refuses_what_it_cannot_stage(sandbox, status, times):
    with pytest.raises(ValueError, match="must be"):
        sandbox.fail_next(status, times)


def test_429_carries_the_code_exotels_rate_limiting_page_shows(sandbox, exotel):
    from helpers.sandbox import SlidingWindowLimit

    sandbox.rate_limit = SlidingWindowLimit(1, 60)
    exotel.list_calls()
    error = caught(exotel.list_calls)
    assert isinstance(error, RateLimitError)
    assert error.code == "RATE_LIMIT_EXCEEDED"


# -- the admin routes (the dashboard's stand-in) ------------------------------------------------


def test_admin_suspends_the_account_and_sets_its_balance(server, sandbox):
    answer = server.put("/_sandbox/admin/account", data={"status": "suspended", "balance": "0"})
    assert answer.status_code == 200
    assert answer.json()["status"] == "suspended"
    assert answer.json()["balance"] == "0.00"
    assert sandbox.account.suspended


def test_admin_account_without_fields_is_400_naming_them(server):
    answer = server.put("/_sandbox/admin/account", data={})
    assert answer.status_code == 400
    assert "status=active|suspended" in answer.json()["error"]


def test_admin_refuses_an_unknown_status(server):
    answer = server.put("/_sandbox/admin/account", data={"status": "frozen"})
    assert answer.status_code == 400


def test_the_loopback_server_accepts_a_json_v2_call(server):
    answer = server.post(
        "/v2/accounts/handbookdemo/calls",
        json={
            "from": {"contact_uri": AGENT},
            "to": {"contact_uri": CUSTOMER},
            "virtual_number": EXOPHONE,
        },
        auth=("sandbox-demo-key", "sandbox-demo-token"),
    )
    assert answer.status_code == 200, answer.text


def test_a_malformed_json_body_is_400(sandbox):
    with httpx.Client(transport=sandbox.transport()) as http:
        answer = http.post(
            "https://ccm-api.exotel.com/v2/accounts/handbookdemo/calls",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
            auth=("sandbox-demo-key", "sandbox-demo-token"),
        )
    assert answer.status_code == 400
