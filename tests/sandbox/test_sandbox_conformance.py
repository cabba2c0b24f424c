"""The sandbox against Exotel's documented behaviour: one test per behaviour.

Every request goes through the in-process transport (no socket) or, for the loopback server,
Starlette's TestClient (no socket either). The clock is the sandbox's FrozenClock.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import time
from datetime import datetime

import httpx
import pytest

from helpers import (
    MUMBAI,
    SINGAPORE,
    AuthenticationError,
    BadRequestError,
    Credentials,
    ExotelClient,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
)
from helpers.book.paths import ROOT
from helpers.book.redaction import basic_value
from helpers.sandbox import (
    DEMO_ACCOUNT_SID,
    DEMO_API_KEY,
    DEMO_API_TOKEN,
    Sandbox,
)
from helpers.sandbox.__main__ import main as sandbox_main
from helpers.sandbox.accounts import Account
from helpers.sandbox.core import _basic_pair
from helpers.sandbox.ratelimit import SlidingWindowLimit
from helpers.sandbox.wire import SandboxRequest
from tests.support.loopback import serve
from tests.support.ports import free_pair

SG = "https://api.exotel.com"
IN = "https://api.in.exotel.com"
V1 = f"/v1/Accounts/{DEMO_ACCOUNT_SID}"
CALLER = {"From": "09810000000", "To": "09820000000", "CallerId": "08010000000"}
SMS = {"From": "EXOTEL", "To": "09820000000", "Body": "Your OTP is 123456"}
SOURCE_HEADER = "X-Handbook-Source"
HEX32 = re.compile(r"[0-9a-f]{32}")


DEMO_AUTH = "Basic " + basic_value(DEMO_API_KEY, DEMO_API_TOKEN)


@pytest.fixture
def http(sandbox):
    """A bare httpx client on the sandbox, with no credentials of its own."""
    with httpx.Client(transport=sandbox.transport()) as client:
        yield client


def get(http: httpx.Client, path: str, *, auth: str | None = DEMO_AUTH, origin: str = SG, **kw):
    headers = {"Authorization": auth} if auth is not None else {}
    return http.get(origin + path, headers=headers, **kw)


def post(http: httpx.Client, path: str, data: dict, *, auth: str | None = DEMO_AUTH):
    headers = {"Authorization": auth} if auth is not None else {}
    return http.post(SG + path, headers=headers, data=data)


def assert_rest_exception(response: httpx.Response, status: int) -> str:
    """The documented error body, exactly; returns its Message."""
    assert response.status_code == status
    body = response.json()
    assert list(body) == ["RestException"]
    assert list(body["RestException"])[:2] == ["Status", "Message"]
    assert set(body["RestException"]) <= {"Status", "Message", "Code"}
    assert type(body["RestException"]["Status"]) is int
    assert body["RestException"]["Status"] == status
    message = body["RestException"]["Message"]
    assert isinstance(message, str) and message.strip()
    return message


def connect(exotel: ExotelClient, to: str = CALLER["To"]) -> dict:
    return exotel.connect_call(CALLER["From"], to, CALLER["CallerId"])["Call"]


def finished_call(exotel: ExotelClient, sandbox: Sandbox, to: str = CALLER["To"]) -> str:
    sid = connect(exotel, to)["Sid"]
    sandbox.clock.advance(60)
    return sid


# -- authentication -------------------------------------------------------------------------------


def test_api_key_and_token_in_the_authorization_header_is_accepted(http):
    response = get(http, f"{V1}/Calls.json", auth=DEMO_AUTH)
    assert response.status_code == 200
    assert response.json()["Calls"] == []


def test_api_key_and_token_in_the_url_without_a_header_is_accepted(sandbox):
    request = httpx.Request(
        "GET", f"https://{DEMO_API_KEY}:{DEMO_API_TOKEN}@api.exotel.com{V1}/Calls.json"
    )
    assert "authorization" not in request.headers
    response = sandbox.transport().handle_request(request)
    assert response.status_code == 200


def test_userinfo_alone_is_accepted_by_the_sandbox_core(sandbox):
    answer = sandbox.handle(
        SandboxRequest(
            "GET", "api.exotel.com", f"{V1}/Calls.json", userinfo=(DEMO_API_KEY, DEMO_API_TOKEN)
        )
    )
    assert answer.status == 200


def test_account_sid_as_username_with_the_token_is_accepted(http):
    response = get(
        http, f"{V1}/Calls.json", auth="Basic " + basic_value(DEMO_ACCOUNT_SID, DEMO_API_TOKEN)
    )
    assert response.status_code == 200


def test_missing_credentials_is_401(http):
    message = assert_rest_exception(get(http, f"{V1}/Calls.json", auth=None), 401)
    assert message == "Authentication failed. Check your API key and token."


def test_wrong_token_is_401(http):
    assert_rest_exception(
        get(http, f"{V1}/Calls.json", auth="Basic " + basic_value(DEMO_API_KEY, "wrong")), 401
    )


def test_wrong_token_raises_authentication_error_in_the_client(sandbox):
    wrong = sandbox.demo.with_changes(api_token="not-the-token")
    with ExotelClient(wrong, transport=sandbox.transport()) as client:
        with pytest.raises(AuthenticationError) as caught:
            client.list_calls()
    assert caught.value.status == 401


def test_unknown_api_key_is_401(http):
    assert_rest_exception(
        get(http, f"{V1}/Calls.json", auth="Basic " + basic_value("nobody", DEMO_API_TOKEN)), 401
    )


def test_account_sid_with_a_wrong_token_is_401(http):
    auth = "Basic " + basic_value(DEMO_ACCOUNT_SID, "wrong")
    assert_rest_exception(get(http, f"{V1}/Calls.json", auth=auth), 401)


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic not-base64!!",
        "Basic " + base64.b64encode(b"no-colon-here").decode(),
        "Bearer " + base64.b64encode(f"{DEMO_API_KEY}:{DEMO_API_TOKEN}".encode()).decode(),
        f"{DEMO_API_KEY}:{DEMO_API_TOKEN}",
        "Basic",
        "Basic " + base64.b64encode(b"\xff\xfe:\xfa").decode(),
    ],
    ids=["not-base64", "no-colon", "bearer-scheme", "no-scheme", "no-value", "not-utf8"],
)
def test_malformed_authorization_header_is_401(http, authorization):
    assert_rest_exception(get(http, f"{V1}/Calls.json", auth=authorization), 401)


def test_basic_value_without_a_colon_is_not_a_credential_pair():
    assert _basic_pair("Basic " + base64.b64encode(DEMO_API_KEY.encode()).decode()) is None


def test_basic_password_may_itself_contain_a_colon():
    assert _basic_pair("Basic " + basic_value("key", "to:ken")) == ("key", "to:ken")


def test_basic_scheme_name_is_case_insensitive(http):
    auth = DEMO_AUTH.replace("Basic", "basic")
    assert get(http, f"{V1}/Calls.json", auth=auth).status_code == 200


def test_credentials_on_the_other_regions_host_are_401(http, sandbox):
    assert sandbox.demo.region is SINGAPORE
    assert_rest_exception(get(http, f"{V1}/Calls.json", origin=IN), 401)


def test_an_account_in_mumbai_is_accepted_only_on_the_mumbai_host(http, sandbox):
    sandbox.accounts.append(Account("mumbaico", MUMBAI, {"mumbai-key": "mumbai-token"}))
    auth = "Basic " + basic_value("mumbai-key", "mumbai-token")
    path = "/v1/Accounts/mumbaico/Calls.json"
    assert get(http, path, auth=auth, origin=IN).status_code == 200
    assert get(http, path, auth=auth, origin=SG).status_code == 401


def test_a_host_that_is_not_exotels_is_404(http):
    response = get(http, f"{V1}/Calls.json", origin="https://example.com")
    assert "not example.com" in assert_rest_exception(response, 404)


# -- unknown accounts and paths -------------------------------------------------------------------


def test_unknown_account_sid_is_404(http):
    message = assert_rest_exception(get(http, "/v1/Accounts/someoneelse/Calls.json"), 404)
    assert message == "Account SID someoneelse was not found."


def test_unknown_account_sid_raises_not_found_in_the_client(sandbox):
    other = sandbox.demo.with_changes(account_sid="someoneelse")
    with ExotelClient(other, transport=sandbox.transport()) as client:
        with pytest.raises(NotFoundError):
            client.list_calls()


@pytest.mark.parametrize(
    "path",
    [f"{V1}/Recordings.json", f"{V1}/Calls/connect/extra.json", "/v3/whatever", "/", "/v1/"],
)
def test_unknown_resource_path_is_404(http, path):
    assert_rest_exception(get(http, path), 404)


def test_unknown_call_sid_is_404(exotel):
    with pytest.raises(NotFoundError, match="0" * 32):
        exotel.get_call("0" * 32)


def test_v1_path_without_json_suffix_is_404(http):
    message = assert_rest_exception(get(http, f"{V1}/Calls"), 404)
    assert "Calls.json" in message


def test_v2_with_capitalised_accounts_is_404_in_the_v2_envelope(http):
    response = get(http, f"/v2/Accounts/{DEMO_ACCOUNT_SID}/calls")
    assert response.status_code == 404
    assert response.json()["http_code"] == 404


def test_wrong_method_on_a_known_path_is_404(http):
    assert_rest_exception(get(http, f"{V1}/Calls/connect.json"), 404)


ERROR_CASES = {
    "no-credentials": lambda http: get(http, f"{V1}/Calls.json", auth=None),
    "wrong-token": lambda http: get(
        http, f"{V1}/Calls.json", auth="Basic " + basic_value(DEMO_API_KEY, "x")
    ),
    "other-region": lambda http: get(http, f"{V1}/Calls.json", origin=IN),
    "unknown-sid": lambda http: get(http, "/v1/Accounts/nope/Calls.json"),
    "unknown-path": lambda http: get(http, f"{V1}/Nothing.json"),
    "no-json-suffix": lambda http: get(http, f"{V1}/Calls"),
    "bad-page-size": lambda http: get(http, f"{V1}/Calls.json", params={"PageSize": 0}),
    "connect-missing-to": lambda http: post(http, f"{V1}/Calls/connect.json", {"From": "1"}),
    "sms-missing-body": lambda http: post(http, f"{V1}/Sms/send.json", {"From": "a", "To": "b"}),
}


@pytest.mark.parametrize("case", ERROR_CASES)
def test_every_error_body_is_a_rest_exception_with_the_http_status(http, case):
    response = ERROR_CASES[case](http)
    assert response.status_code >= 400
    assert_rest_exception(response, response.status_code)


# -- rate limit -----------------------------------------------------------------------------------


def exhaust(http: httpx.Client, count: int = 200, auth: str = DEMO_AUTH, path=f"{V1}/Calls.json"):
    return [get(http, path, auth=auth).status_code for _ in range(count)]


def test_200_requests_a_minute_are_allowed(http):
    assert exhaust(http) == [200] * 200


def test_the_201st_request_in_a_minute_is_429_with_retry_after(http):
    exhaust(http)
    response = get(http, f"{V1}/Calls.json")
    message = assert_rest_exception(response, 429)
    assert response.headers["Retry-After"] == "60"
    assert "200 Voice API requests in 60 seconds" in message


def test_a_one_second_window_is_worded_in_the_singular(new_sandbox):
    """As the rate-limits chapter's Retry-After snippet prints it (book/snippets/snippets.toml)."""
    sandbox = new_sandbox(rate_limit=SlidingWindowLimit(2, window=1))
    with httpx.Client(transport=sandbox.transport()) as http:
        exhaust(http, 2)
        message = assert_rest_exception(get(http, f"{V1}/Calls.json"), 429)
    assert "more than 2 requests in 1 second for this account. Try again in 1 second." in message


def test_retry_after_counts_down_to_when_the_oldest_request_leaves_the_window(http, sandbox):
    exhaust(http)
    sandbox.clock.advance(45)
    assert get(http, f"{V1}/Calls.json").headers["Retry-After"] == "15"


def test_rate_limit_raises_rate_limit_error_with_retry_after_in_the_client(http, exotel):
    exhaust(http)
    with pytest.raises(RateLimitError) as caught:
        exotel.list_calls()
    assert caught.value.retry_after == "60"


def test_requests_are_admitted_again_once_the_clock_passes_60_seconds(http, sandbox):
    exhaust(http)
    sandbox.clock.advance(59)
    assert get(http, f"{V1}/Calls.json").status_code == 429
    sandbox.clock.advance(1)
    assert exhaust(http) == [200] * 200


def test_refused_requests_do_not_use_up_the_budget(http, sandbox):
    exhaust(http)
    for _ in range(50):
        get(http, f"{V1}/Calls.json")
    sandbox.clock.advance(60)
    assert exhaust(http) == [200] * 200


def test_accounts_do_not_share_a_rate_limit_budget(http, sandbox):
    sandbox.accounts.append(Account("second", SINGAPORE, {"second-key": "second-token"}))
    exhaust(http)
    assert get(http, f"{V1}/Calls.json").status_code == 429
    second = "Basic " + basic_value("second-key", "second-token")
    other = exhaust(http, auth=second, path="/v1/Accounts/second/Calls.json")
    assert other == [200] * 200


def test_failed_authentication_does_not_count_against_the_limit(http):
    for _ in range(300):
        get(http, f"{V1}/Calls.json", auth="Basic " + basic_value(DEMO_API_KEY, "wrong"))
    assert exhaust(http) == [200] * 200


# -- IP allowlist ---------------------------------------------------------------------------------


def test_request_from_outside_the_allowlist_is_403(sandbox):
    sandbox.account.allow_only(["203.0.113.0/24"])
    with httpx.Client(transport=sandbox.transport("198.51.100.7")) as outside:
        message = assert_rest_exception(get(outside, f"{V1}/Calls.json"), 403)
    assert "198.51.100.7" in message


def test_request_from_inside_the_allowlist_is_admitted(sandbox):
    sandbox.account.allow_only(["203.0.113.0/24", "192.0.2.10"])
    with httpx.Client(transport=sandbox.transport("192.0.2.10")) as inside:
        assert get(inside, f"{V1}/Calls.json").status_code == 200


def test_outside_the_allowlist_raises_permission_denied_in_the_client(sandbox):
    sandbox.account.allow_only(["203.0.113.0/24"])
    with ExotelClient(sandbox.demo, transport=sandbox.transport("127.0.0.1")) as client:
        with pytest.raises(PermissionDeniedError):
            client.list_calls()


def test_wrong_credentials_from_outside_the_allowlist_are_401_not_403(sandbox):
    sandbox.account.allow_only(["203.0.113.0/24"])
    with httpx.Client(transport=sandbox.transport("198.51.100.7")) as outside:
        auth = "Basic " + basic_value(DEMO_API_KEY, "wrong")
        assert_rest_exception(get(outside, f"{V1}/Calls.json", auth=auth), 401)


def test_empty_allowlist_lets_every_address_in(sandbox):
    sandbox.account.allow_only(["203.0.113.0/24"])
    sandbox.account.allow_only([])
    with httpx.Client(transport=sandbox.transport("198.51.100.7")) as anywhere:
        assert get(anywhere, f"{V1}/Calls.json").status_code == 200


def test_allowlist_refuses_something_that_is_not_an_address(sandbox):
    with pytest.raises(ValueError, match="Not an IP address or CIDR range"):
        sandbox.account.allow_only(["not-an-ip"])


# -- Calls/connect.json ---------------------------------------------------------------------------


def test_connect_returns_the_documented_call_fields(exotel):
    answer = exotel.connect_call(CALLER["From"], CALLER["To"], CALLER["CallerId"])
    assert list(answer) == ["Call"]
    call = answer["Call"]
    assert HEX32.fullmatch(call["Sid"])
    assert call["AccountSid"] == DEMO_ACCOUNT_SID
    assert call["To"] == CALLER["To"]
    assert call["From"] == CALLER["From"]
    assert call["PhoneNumberSid"] == CALLER["CallerId"]
    assert call["Status"] == "in-progress"
    assert call["DateCreated"] == "2026-01-15 10:00:00"
    assert datetime.strptime(call["DateCreated"], "%Y-%m-%d %H:%M:%S")
    assert call["Uri"] == f"{V1}/Calls/{call['Sid']}.json"


@pytest.mark.parametrize("field", ["From", "To", "CallerId"])
def test_connect_without_a_required_field_is_400_naming_it(http, field):
    form = {k: v for k, v in CALLER.items() if k != field}
    message = assert_rest_exception(post(http, f"{V1}/Calls/connect.json", form), 400)
    assert message == f"Invalid Parameters: {field} missing."


def test_connect_with_a_blank_field_is_400(exotel):
    with pytest.raises(BadRequestError, match="To missing"):
        exotel.connect_call(CALLER["From"], "  ", CALLER["CallerId"])


def test_connect_without_any_field_names_all_three(http):
    message = assert_rest_exception(post(http, f"{V1}/Calls/connect.json", {}), 400)
    assert message == "Invalid Parameters: From, To, CallerId missing."


@pytest.mark.parametrize("body", ['{"From": ', json.dumps(CALLER)], ids=["malformed", "valid"])
def test_a_json_body_on_v1_is_400_saying_v1_reads_form_fields(sandbox, body):
    """As the served sandbox and the in-process one both answer it."""
    with serve(sandbox) as served, httpx.Client(transport=sandbox.transport()) as in_process:
        for client in (served, in_process):
            response = client.post(
                f"{SG}{V1}/Calls/connect.json",
                auth=(DEMO_API_KEY, DEMO_API_TOKEN),
                content=body,
                headers={"Content-Type": "application/json"},
            )
            message = assert_rest_exception(response, 400)
            assert message.startswith("Invalid Parameters: From, To, CallerId missing.")
            assert "not a JSON body" in message and "x-www-form-urlencoded" in message


def test_get_call_returns_the_call_made(exotel):
    made = connect(exotel)
    assert exotel.get_call(made["Sid"]) == {"Call": made}


def test_call_is_in_progress_until_42_seconds_then_completed(exotel, sandbox):
    sid = connect(exotel)["Sid"]
    sandbox.clock.advance(41)
    assert exotel.get_call(sid)["Call"]["Status"] == "in-progress"
    sandbox.clock.advance(1)
    call = exotel.get_call(sid)["Call"]
    assert call["Status"] == "completed"
    assert call["Duration"] == "42"
    assert call["EndTime"] == "2026-01-15 10:00:42"


@pytest.mark.parametrize(
    ("suffix", "outcome"), [("0001", "busy"), ("0002", "no-answer"), ("0003", "failed")]
)
def test_to_number_suffix_scripts_the_outcome(exotel, sandbox, suffix, outcome):
    sid = connect(exotel, to=f"0982000{suffix}")["Sid"]
    assert exotel.get_call(sid)["Call"]["Status"] == "ringing"
    sandbox.clock.advance(20)
    call = exotel.get_call(sid)["Call"]
    assert call["Status"] == outcome
    assert call["Duration"] == "0"


def test_other_account_cannot_read_a_call(exotel, sandbox):
    sid = connect(exotel)["Sid"]
    sandbox.accounts.append(Account("second", SINGAPORE, {"second-key": "second-token"}))
    second = Credentials("second-key", "second-token", "second")
    with ExotelClient(second, transport=sandbox.transport()) as client:
        with pytest.raises(NotFoundError):
            client.get_call(sid)


# -- Calls.json -----------------------------------------------------------------------------------


def test_call_list_leaves_out_calls_in_progress(exotel, sandbox):
    connect(exotel)
    assert exotel.list_calls()["Calls"] == []
    sandbox.clock.advance(42)
    assert [c["Status"] for c in exotel.list_calls()["Calls"]] == ["completed"]


def test_call_list_is_newest_first(exotel, sandbox):
    first = connect(exotel, to="09820000011")["Sid"]
    sandbox.clock.advance(1)
    second = connect(exotel, to="09820000012")["Sid"]
    sandbox.clock.advance(60)
    assert [c["Sid"] for c in exotel.list_calls()["Calls"]] == [second, first]


@pytest.mark.parametrize("page_size", ["0", "101", "-5", "ten", "2.5", ""])
def test_page_size_outside_1_to_100_or_not_an_integer_is_400(http, page_size):
    response = get(http, f"{V1}/Calls.json", params={"PageSize": page_size})
    assert assert_rest_exception(response, 400) == "Invalid Parameters: PageSize must be 1 to 100."


@pytest.mark.parametrize("page_size", [1, 100])
def test_page_size_bounds_are_accepted(exotel, page_size):
    assert exotel.list_calls(PageSize=page_size)["Metadata"]["PageSize"] == page_size


def test_page_size_defaults_to_50(exotel):
    assert exotel.list_calls()["Metadata"]["PageSize"] == 50


def test_paging_follows_next_page_uri(exotel, sandbox):
    sids = []
    for n in range(3):
        sids.append(connect(exotel, to=f"098200001{n}0")["Sid"])
        sandbox.clock.advance(1)
    sandbox.clock.advance(60)
    newest_first = list(reversed(sids))

    page = exotel.list_calls(PageSize=2)
    assert [c["Sid"] for c in page["Calls"]] == newest_first[:2]
    next_uri = page["Metadata"]["NextPageUri"]
    assert next_uri == f"{V1}/Calls.json?PageSize=2&After={newest_first[1]}"

    with httpx.Client(transport=sandbox.transport()) as http:
        rest = get(http, next_uri).json()
    assert [c["Sid"] for c in rest["Calls"]] == newest_first[2:]
    assert rest["Metadata"]["NextPageUri"] is None


def test_last_page_has_no_next_page_uri(exotel, sandbox):
    finished_call(exotel, sandbox)
    assert exotel.list_calls(PageSize=1)["Metadata"]["NextPageUri"] is None


def test_after_an_unknown_sid_gives_an_empty_page(exotel, sandbox):
    finished_call(exotel, sandbox)
    assert exotel.list_calls(After="f" * 32)["Calls"] == []


def test_status_filter_returns_only_calls_with_that_status(exotel, sandbox):
    busy = connect(exotel, to="09820000001")["Sid"]
    connect(exotel, to="09820000002")
    connect(exotel)
    sandbox.clock.advance(60)
    assert [c["Sid"] for c in exotel.list_calls(Status="busy")["Calls"]] == [busy]
    assert [c["Status"] for c in exotel.list_calls(Status="completed")["Calls"]] == ["completed"]


def test_call_list_shows_only_the_accounts_own_calls(exotel, sandbox):
    finished_call(exotel, sandbox)
    sandbox.accounts.append(Account("second", SINGAPORE, {"second-key": "second-token"}))
    second = Credentials("second-key", "second-token", "second")
    with ExotelClient(second, transport=sandbox.transport()) as client:
        assert client.list_calls()["Calls"] == []


# -- SMS ------------------------------------------------------------------------------------------


def test_send_sms_returns_a_queued_sms_message(exotel):
    answer = exotel.send_sms(SMS["From"], SMS["To"], SMS["Body"])
    assert list(answer) == ["SMSMessage"]
    sms = answer["SMSMessage"]
    assert HEX32.fullmatch(sms["Sid"])
    assert (sms["Status"], sms["DetailedStatusCode"]) == ("queued", 21010)
    assert sms["Body"] == SMS["Body"]
    assert sms["Uri"] == f"{V1}/SMS/Messages/{sms['Sid']}.json"


def test_sms_is_sent_after_5_seconds(exotel, sandbox):
    sid = exotel.send_sms(SMS["From"], SMS["To"], SMS["Body"])["SMSMessage"]["Sid"]
    sandbox.clock.advance(4)
    assert exotel.get_sms(sid)["SMSMessage"]["Status"] == "queued"
    sandbox.clock.advance(1)
    sms = exotel.get_sms(sid)["SMSMessage"]
    assert (sms["Status"], sms["DetailedStatusCode"]) == ("sent", 20005)
    assert sms["DateSent"] == "2026-01-15 10:00:05"


def test_sms_details_answer_on_both_sms_and_Sms_casings(exotel, sandbox, http):
    sid = exotel.send_sms(SMS["From"], SMS["To"], SMS["Body"])["SMSMessage"]["Sid"]
    sandbox.clock.advance(5)
    upper = get(http, f"{V1}/SMS/Messages/{sid}.json")
    mixed = get(http, f"{V1}/Sms/Messages/{sid}.json")
    assert upper.status_code == mixed.status_code == 200
    assert upper.json() == mixed.json()
    assert mixed.json()["SMSMessage"]["Status"] == "sent"


def test_sms_to_a_number_ending_0003_fails(exotel, sandbox):
    sid = exotel.send_sms(SMS["From"], "09820000003", SMS["Body"])["SMSMessage"]["Sid"]
    sandbox.clock.advance(5)
    sms = exotel.get_sms(sid)["SMSMessage"]
    assert (sms["Status"], sms["DetailedStatusCode"], sms["DateSent"]) == ("failed", 24990, None)


@pytest.mark.parametrize("field", ["From", "To", "Body"])
def test_send_sms_without_a_required_field_is_400_naming_it(http, field):
    form = {k: v for k, v in SMS.items() if k != field}
    message = assert_rest_exception(post(http, f"{V1}/Sms/send.json", form), 400)
    assert message == f"Invalid Parameters: {field} missing."


def test_sms_body_over_2000_characters_is_400(exotel):
    with pytest.raises(BadRequestError, match="longer than 2000 characters"):
        exotel.send_sms(SMS["From"], SMS["To"], "x" * 2001)


def test_sms_body_of_exactly_2000_characters_is_accepted(exotel):
    answer = exotel.send_sms(SMS["From"], SMS["To"], "x" * 2000)
    assert len(answer["SMSMessage"]["Body"]) == 2000


# -- v2 -------------------------------------------------------------------------------------------


def test_v2_calls_returns_the_envelope(exotel):
    made = connect(exotel)
    answer = exotel.list_calls_v2()
    assert list(answer) == ["request_id", "method", "http_code", "response"]
    assert HEX32.fullmatch(answer["request_id"])
    assert (answer["method"], answer["http_code"]) == ("GET", 200)
    assert len(answer["response"]) == 1
    item = answer["response"][0]
    assert (item["code"], item["status"]) == (200, "success")
    assert item["data"]["sid"] == made["Sid"]
    assert item["data"]["status"] is None  # active: v2 lists final statuses only
    assert item["data"]["created_time"] == "2026-01-15T04:30:00.000Z"


@pytest.mark.parametrize(
    ("to", "status"),
    [
        ("09820000000", "completed"),
        ("09820000001", "customer_unanswered"),
        ("09820000002", "customer_unanswered"),
        ("09820000003", "customer_no_dial"),
    ],
)
def test_a_finished_v2_call_has_one_of_v2s_own_statuses(exotel, sandbox, to, status):
    """Voice v2's statuses (its overview page), not v1's busy or no-answer."""
    connect(exotel, to=to)
    sandbox.clock.advance(60)
    data = exotel.list_calls_v2()["response"][0]["data"]
    assert (data["state"], data["status"]) == ("terminal", status)


def test_v2_call_details_are_one_call_in_the_envelope(exotel, sandbox):
    sid = finished_call(exotel, sandbox)
    answer = exotel.get_call_v2(sid)
    assert (answer["method"], answer["http_code"]) == ("GET", 200)
    assert answer["response"]["data"]["sid"] == sid
    assert answer["response"]["data"]["status"] == "completed"


def test_v2_call_details_of_an_unknown_call_are_404_in_the_v2_envelope(exotel):
    with pytest.raises(NotFoundError) as caught:
        exotel.get_call_v2("0" * 32)
    assert caught.value.body["http_code"] == 404


def test_v2_lists_calls_still_in_progress(exotel):
    connect(exotel)
    assert exotel.list_calls_v2()["response"][0]["data"]["state"] == "active"


def test_v2_request_ids_differ_between_requests(exotel):
    assert exotel.list_calls_v2()["request_id"] != exotel.list_calls_v2()["request_id"]


# -- every response -------------------------------------------------------------------------------


RESPONSES = {
    "list": lambda http: get(http, f"{V1}/Calls.json"),
    "connect": lambda http: post(http, f"{V1}/Calls/connect.json", CALLER),
    "sms": lambda http: post(http, f"{V1}/Sms/send.json", SMS),
    "v2": lambda http: get(http, f"/v2/accounts/{DEMO_ACCOUNT_SID}/calls"),
    **ERROR_CASES,
}


@pytest.mark.parametrize("case", RESPONSES)
def test_every_response_carries_the_sandbox_source_header(http, case):
    response = RESPONSES[case](http)
    assert response.headers[SOURCE_HEADER] == "sandbox (not the live Exotel API)"
    assert response.headers["content-type"] == "application/json"


def test_rate_limited_response_carries_the_sandbox_source_header(http):
    exhaust(http)
    response = get(http, f"{V1}/Calls.json")
    assert response.status_code == 429
    assert SOURCE_HEADER in response.headers


def test_forbidden_response_carries_the_sandbox_source_header(sandbox):
    sandbox.account.allow_only(["203.0.113.0/24"])
    with httpx.Client(transport=sandbox.transport("198.51.100.7")) as outside:
        response = get(outside, f"{V1}/Calls.json")
    assert response.status_code == 403
    assert SOURCE_HEADER in response.headers


def drive(sandbox: Sandbox) -> list[dict]:
    """The same sequence of requests, for the determinism check."""
    with ExotelClient(sandbox.demo, transport=sandbox.transport()) as client:
        answers = [client.connect_call(CALLER["From"], CALLER["To"], CALLER["CallerId"])]
        answers.append(client.send_sms(SMS["From"], SMS["To"], SMS["Body"]))
        sandbox.clock.advance(90)
        answers.append(client.list_calls())
        answers.append(client.get_sms(answers[1]["SMSMessage"]["Sid"]))
        answers.append(client.list_calls_v2())
    return answers


def test_two_sandboxes_driven_alike_give_identical_sids_and_timestamps(new_sandbox):
    first = drive(new_sandbox())
    second = drive(new_sandbox())
    assert json.dumps(first) == json.dumps(second)
    assert first[2]["Calls"][0]["DateUpdated"] == "2026-01-15 10:00:42"


def test_a_different_salt_gives_different_sids(new_sandbox):
    first = drive(new_sandbox())
    other = drive(new_sandbox(salt="elsewhere"))
    assert first[0]["Call"]["Sid"] != other[0]["Call"]["Sid"]


# -- the loopback server --------------------------------------------------------------------------


def test_server_accepts_curl_style_basic_credentials(server):
    response = server.get(f"{V1}/Calls.json", auth=(DEMO_API_KEY, DEMO_API_TOKEN))
    assert response.status_code == 200
    assert response.json()["Calls"] == []
    assert response.headers[SOURCE_HEADER] == "sandbox (not the live Exotel API)"


def test_server_refuses_a_request_without_credentials(server):
    assert_rest_exception(server.get(f"{V1}/Calls.json"), 401)


def test_server_accepts_a_urlencoded_connect(server):
    response = server.post(
        f"{V1}/Calls/connect.json", auth=(DEMO_API_KEY, DEMO_API_TOKEN), data=CALLER
    )
    assert response.request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert response.status_code == 200
    assert response.json()["Call"]["To"] == CALLER["To"]


def test_server_accepts_a_multipart_connect(server):
    fields = {name: (None, value) for name, value in CALLER.items()}
    response = server.post(
        f"{V1}/Calls/connect.json", auth=(DEMO_API_KEY, DEMO_API_TOKEN), files=fields
    )
    assert response.request.headers["content-type"].startswith("multipart/form-data")
    assert response.status_code == 200
    assert response.json()["Call"]["PhoneNumberSid"] == CALLER["CallerId"]


def test_server_plays_the_region_it_was_given(sandbox):
    with serve(sandbox, MUMBAI) as mumbai:
        response = mumbai.get(f"{V1}/Calls.json", auth=(DEMO_API_KEY, DEMO_API_TOKEN))
    assert_rest_exception(response, 401)


def test_command_refuses_a_host_that_is_not_loopback(capsys):
    assert sandbox_main(["--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --host 0.0.0.0 is not a loopback address")
    assert "127.0.0.1, ::1 or localhost" in err


def test_command_refuses_an_unknown_region_naming_the_valid_ones(capsys):
    assert sandbox_main(["--region", "mars"]) == 2
    err = capsys.readouterr().err
    assert "Unknown Exotel region 'mars'" in err
    assert "singapore (api.exotel.com)" in err
    assert "mumbai (api.in.exotel.com)" in err


def test_command_refuses_a_rate_limit_below_one(capsys):
    with pytest.raises(SystemExit) as stopped:
        sandbox_main(["--rate-limit", "0"])
    assert stopped.value.code == 2
    assert "argument --rate-limit: '0': give a whole number" in capsys.readouterr().err


# -- versions and hosts (Exotel's Voice API authentication page) ---------------------------------

CCM = "https://ccm-api.exotel.com"


def test_v2_calls_answer_on_the_ccm_host(http):
    assert get(http, f"/v2/accounts/{DEMO_ACCOUNT_SID}/calls", origin=CCM).status_code == 200


def test_v2_calls_on_the_v1_host_are_404_naming_the_ccm_host(http):
    response = get(http, f"/v2/accounts/{DEMO_ACCOUNT_SID}/calls")
    assert response.status_code == 404
    assert "ccm-api.exotel.com" in response.json()["response"]["error_data"]["description"]


def test_v1_on_the_ccm_host_is_404_naming_the_v1_host(http):
    message = assert_rest_exception(get(http, f"{V1}/Calls.json", origin=CCM), 404)
    assert "api.exotel.com" in message


def test_credentials_on_the_other_regions_ccm_host_are_401(http):
    response = get(
        http, f"/v2/accounts/{DEMO_ACCOUNT_SID}/calls", origin="https://ccm-api.in.exotel.com"
    )
    assert response.status_code == 401
    assert response.json()["response"]["error_data"]["code"] == 1010


def test_the_loopback_server_serves_v2_as_the_ccm_host(server):
    response = server.get(
        f"/v2/accounts/{DEMO_ACCOUNT_SID}/calls", auth=(DEMO_API_KEY, DEMO_API_TOKEN)
    )
    assert response.status_code == 200


# -- the server cannot be talked around -----------------------------------------------------------


def test_a_non_ascii_byte_in_authorization_is_a_401_rest_exception(server):
    response = server.get(f"{V1}/Calls.json", headers={"Authorization": b"Basic \xe9\xe9=="})
    assert_rest_exception(response, 401)


def test_a_multipart_body_without_a_boundary_is_a_400_rest_exception(server):
    response = server.post(
        f"{V1}/Calls/connect.json",
        auth=(DEMO_API_KEY, DEMO_API_TOKEN),
        content=b"From=1",
        headers={"Content-Type": "multipart/form-data"},
    )
    message = assert_rest_exception(response, 400)
    assert message == "The form could not be read: Missing boundary in multipart."


def test_a_form_field_over_a_megabyte_is_refused_with_a_rest_exception(server):
    response = server.post(
        f"{V1}/Calls/connect.json",
        auth=(DEMO_API_KEY, DEMO_API_TOKEN),
        files={**{k: (None, v) for k, v in CALLER.items()}, "CustomField": (None, "x" * 2**20)},
    )
    assert assert_rest_exception(response, 413).startswith("The body is ")


def test_extra_form_fields_past_the_bound_are_a_400_rest_exception(server):
    extra = {f"Extra{i}": "x" for i in range(60)}
    response = server.post(
        f"{V1}/Calls/connect.json", auth=(DEMO_API_KEY, DEMO_API_TOKEN), data={**CALLER, **extra}
    )
    message = assert_rest_exception(response, 400)
    assert message == "The form could not be read: Too many fields. Maximum number of fields is 40."


def test_a_long_extra_field_is_refused_not_kept(sandbox):
    response = get_transport_post(sandbox, {**CALLER, "CustomField": "x" * 5000})
    message = assert_rest_exception(response, 400)
    assert message == "Form field CustomField is longer than 4,096 characters."


def get_transport_post(sandbox, form: dict[str, str]) -> httpx.Response:
    with httpx.Client(mounts=sandbox.mounts()) as http:
        return http.post(
            f"https://api.exotel.com{V1}/Calls/connect.json",
            auth=(DEMO_API_KEY, DEMO_API_TOKEN),
            data=form,
        )


def test_credentials_are_checked_before_the_body_is_read(server):
    response = server.post(
        f"{V1}/Calls/connect.json",
        auth=(DEMO_API_KEY, "wrong"),
        content=b"not a multipart body",
        headers={"Content-Type": "multipart/form-data"},
    )
    assert_rest_exception(response, 401)  # not the 400 the body would earn


def test_the_served_sandbox_ignores_x_forwarded_for(tmp_path):
    port = free_pair()  # the sandbox serves the other region on the next port
    command = [sys.executable, "-m", "helpers.sandbox", "--port", str(port), "--frozen-clock"]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        process.stdout.readline()  # the banner: uvicorn starts right after it
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as c:
            wait_for_server(c, process)
            c.put("/_sandbox/admin/allowlist", data={"allow": "203.0.113.0/24"})
            response = c.get(
                f"{V1}/Calls.json",
                auth=(DEMO_API_KEY, DEMO_API_TOKEN),
                headers={"X-Forwarded-For": "203.0.113.10"},
            )
    finally:
        process.terminate()
        process.wait(10)
    message = assert_rest_exception(response, 403)
    assert "127.0.0.1" in message


def wait_for_server(client: httpx.Client, process: subprocess.Popen, deadline: float = 20.0):
    """Poll the admin index until the sandbox ``process`` answers; fail saying why if it exits
    first (a port taken since it was found free) or ``deadline`` seconds pass."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if process.poll() is not None:
            raise AssertionError(
                f"the sandbox exited ({process.returncode}): {process.stderr.read()}"
            )
        try:
            if client.get("/_sandbox/admin/").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)  # polling with a deadline, not timing anything
    raise AssertionError(f"the sandbox did not answer within {deadline} s")
