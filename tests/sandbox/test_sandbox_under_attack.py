"""The sandbox under attack, in process: every input bounded at the edge, no 500 from a request.

Each test reproduces one finding of issue 25 ("The receiver and the sandbox under attack") and
shows the answer now: a 400 or 403 that names the problem and the fix, and nothing kept. The
same attacks over real sockets, under a memory limit, are in test_sandbox_served_under_attack.py.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from helpers.clock import FrozenClock
from helpers.sandbox import DEMO_ACCOUNT_SID, DEMO_API_KEY, DEMO_API_TOKEN, Sandbox
from helpers.sandbox import admin as sandbox_admin
from helpers.sandbox import v1 as sandbox_v1
from helpers.sandbox.admin import ADMIN_PREFIX, LATEST, MAX_ADVANCE
from helpers.sandbox.bodies import read_body
from helpers.sandbox.callbacks import CallbackOutbox
from helpers.sandbox.guard import admin_refusal
from helpers.sandbox.inputs import MAX_JSON_DEPTH
from helpers.sandbox.serving import FROZEN_CLOCK_NOTE, make_sandbox, options_parser

ORIGIN = "http://127.0.0.1:4010"
V1 = f"/v1/Accounts/{DEMO_ACCOUNT_SID}"
V2 = f"/v2/accounts/{DEMO_ACCOUNT_SID}"
AUTH = (DEMO_API_KEY, DEMO_API_TOKEN)
CALL = {"From": "09810000000", "To": "09820000000", "CallerId": "08010000000"}


def place_call(server, **fields) -> httpx.Response:
    return server.post(f"{V1}/Calls/connect.json", auth=AUTH, data={**CALL, **fields})


def error(response: httpx.Response) -> str:
    body = response.json()
    if "RestException" in body:
        return body["RestException"]["Message"]
    if "response" in body:
        return body["response"]["error_data"]["description"]
    return body["error"]


# -- 1. one admin request exhausts the sandbox's memory ------------------------------------------


@pytest.mark.parametrize(
    "balance",
    ["-1e20000000000", "-1e999999999999999999", "1e999999", "NaN", "-Infinity", "1e3", "0.001",
     "١٢٣", "5_00", "10000000000", " "],
)  # fmt: skip
def test_a_balance_that_is_not_a_plain_amount_is_a_400_and_is_not_kept(server, balance):
    response = server.put(f"{ADMIN_PREFIX}/account", data={"balance": balance})
    assert response.status_code == 400
    assert "balance must be an amount such as 0, 500 or 500.00" in error(response)
    assert server.get(f"{ADMIN_PREFIX}/account").json()["balance"] == "500.00"
    assert place_call(server).status_code == 200
    sms = {"From": "a", "To": "b", "Body": "hi"}
    assert server.post(f"{V1}/Sms/send.json", auth=AUTH, data=sms).status_code == 200


@pytest.mark.parametrize(
    ("balance", "shown"), [("0", "0.00"), ("-12.5", "-12.50"), ("750", "750.00")]
)
def test_a_plain_amount_is_kept_and_shown_with_two_decimals(server, balance, shown):
    response = server.put(f"{ADMIN_PREFIX}/account", data={"balance": balance})
    assert response.json()["balance"] == shown


# -- 6. the sandbox attacks itself (the admin guard's part; the deliverer's is served) ---------


@pytest.mark.parametrize("site", ["cross-site", "same-site", "Cross-Site"])
def test_a_request_the_browser_marks_as_from_another_site_creates_no_key(server, sandbox, site):
    response = server.post(
        f"{ADMIN_PREFIX}/keys", data={"label": "x"}, headers={"Sec-Fetch-Site": site}
    )
    assert response.status_code == 403
    assert "came from another site" in error(response)
    assert [k.label for k in sandbox.dashboard.keys()] == ["default"]


@pytest.mark.parametrize("site", ["same-origin", "none"])
def test_a_request_from_the_sandboxs_own_page_or_typed_by_hand_is_served(server, site):
    response = server.post(
        f"{ADMIN_PREFIX}/keys", data={"label": "x"}, headers={"Sec-Fetch-Site": site}
    )
    assert response.status_code == 201


def test_a_request_carrying_the_sandboxs_own_marker_never_reaches_admin(server, sandbox):
    headers = {"X-Handbook-Source": "sandbox (not the live Exotel API)"}
    response = server.post(f"{ADMIN_PREFIX}/keys/{DEMO_API_KEY}/regenerate", headers=headers)
    assert response.status_code == 403
    assert "Point StatusCallback at a receiver" in error(response)
    assert server.get(f"{V1}/Calls.json", auth=AUTH).status_code == 200


# -- 7. the sandbox clock overflows ----------------------------------------------------------------


def test_ten_year_advances_stop_at_the_clocks_end_with_a_400_never_a_500(server, sandbox):
    """798 ten-year advances once passed year 9999 (a 500); here the clock starts 30 years
    before its end (test_sandbox_chaos.py makes all 800)."""
    sandbox.clock.sleep_until(LATEST - timedelta(days=30 * 365))
    statuses = []
    for _ in range(800):
        response = server.post(f"{ADMIN_PREFIX}/clock/advance", data={"seconds": MAX_ADVANCE})
        statuses.append(response.status_code)
        if response.status_code != 200:
            break
    assert statuses[-1] == 400, statuses[-1]
    assert set(statuses[:-1]) == {200}
    assert f"The sandbox's clock stops at {LATEST:%Y-%m-%d}" in error(response)
    assert server.get(f"{V1}/Calls.json", auth=AUTH).status_code == 200


def test_a_call_made_at_the_clocks_last_moment_is_listed_when_it_ends():
    sandbox = Sandbox(clock=FrozenClock(LATEST))
    with httpx.Client(transport=sandbox.transport(), base_url="https://api.exotel.com") as http:
        assert http.post(f"{V1}/Calls/connect.json", auth=AUTH, data=CALL).status_code == 200
        sandbox.clock.advance(60)  # the library's clock may pass it; the admin path may not
        listed = http.get(f"{V1}/Calls.json", auth=AUTH)
    assert listed.status_code == 200
    assert listed.json()["Metadata"]["Total"] == 1


# -- 8. deep JSON -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [f"{V2}/calls", f"{V1}/Calls/connect.json"])
@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000 // 2])
def test_json_nested_past_the_limit_is_a_400_naming_the_limit(sandbox, path, depth):
    body = b"[" * depth + b"]" * depth
    host = "ccm-api.exotel.com" if path.startswith("/v2/") else "api.exotel.com"
    with httpx.Client(transport=sandbox.transport(), base_url=f"https://{host}") as http:
        response = http.post(
            path, auth=AUTH, content=body, headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 400
    assert f"nests deeper than {MAX_JSON_DEPTH} levels" in error(response)


def test_deep_json_over_the_socket_layer_is_a_400_too(server):
    response = server.post(
        f"{V2}/calls",
        auth=AUTH,
        content=b'{"from": ' * 5000 + b"1" + b"}" * 5000,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["http_code"] == 400


def test_brackets_inside_strings_do_not_count_as_nesting(sandbox):
    body = {
        "from": {"contact_uri": "+919810000000"},
        "to": {"contact_uri": "+919820000000"},
        "virtual_number": "08010000000",
        "note": "[" * 1000,
    }
    with httpx.Client(transport=sandbox.transport(), base_url="https://ccm-api.exotel.com") as h:
        assert h.post(f"{V2}/calls", auth=AUTH, json=body).status_code == 200


# -- 9. one bad callback URL stops every delivery ----------------------------------------------


def test_a_callback_url_that_is_not_a_url_is_given_up_and_the_next_one_is_sent(sandbox):
    def receiver(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200)

    with httpx.Client(transport=sandbox.transport(), base_url="https://api.exotel.com") as http:
        http.post(
            f"{V1}/Calls/connect.json", auth=AUTH, data={**CALL, "StatusCallback": "http://[::1"}
        )
        http.post(
            f"{V1}/Calls/connect.json",
            auth=AUTH,
            data={**CALL, "StatusCallback": "http://127.0.0.1:9/hook"},
        )
    sandbox.clock.advance(42)
    with httpx.Client(transport=httpx.MockTransport(receiver)) as client:
        bad, good = sandbox.callbacks.deliver_due(sandbox.clock.now(), client)
        assert sandbox.callbacks.deliver_due(sandbox.clock.now(), client) == []
    assert bad.error.startswith("not sent: http://[::1 is not a URL")
    assert bad.next_attempt is None and "given up" in bad.summary()
    assert good.http_status == 200


def test_an_error_in_one_delivery_does_not_stop_the_others():
    class Broken(httpx.BaseTransport):
        def handle_request(self, request):
            if "broken" in str(request.url):
                raise RuntimeError("a transport bug")
            return httpx.Response(204)

    outbox = CallbackOutbox()
    now = FrozenClock().now()
    outbox._add("sms", "a" * 32, "http://127.0.0.1:9/broken", "text/plain", {"Status": "sent"}, now)
    outbox._add("sms", "b" * 32, "http://127.0.0.1:9/fine", "text/plain", {"Status": "sent"}, now)
    with httpx.Client(transport=Broken()) as client:
        broken, fine = outbox.deliver_due(now, client)
    assert (broken.error, broken.next_attempt is not None) == ("not sent (RuntimeError)", True)
    assert fine.http_status == 204


# -- 15. Host, Origin, contact_uri, Unicode digits, HEAD, the frozen clock's 429 ---------------


@pytest.mark.parametrize(
    "host",
    ["evil@127.0.0.1:4010", "127.0.0.1/evil", ":99999", "127.0.0.1:99999", "127.0.0.1:0",
     "127.0.0.1.evil.example", "localhost.evil.example:4010", "[::1]evil", "0x7f.1:4010",
     "１２７.0.0.1:4010"],
)  # fmt: skip
def test_admin_refuses_a_host_that_is_not_exactly_a_loopback_address(server, host):
    response = server.get(f"{ADMIN_PREFIX}/keys", headers={"Host": host.encode()})
    assert response.status_code == 403
    assert "is not a loopback address" in error(response)


@pytest.mark.parametrize("host", ["127.0.0.1:4010", "localhost:4010", "[::1]:4010", "127.0.0.1"])
def test_admin_accepts_each_loopback_spelling(server, host):
    assert server.get(f"{ADMIN_PREFIX}/keys", headers={"Host": host}).status_code == 200


def test_of_two_origin_headers_neither_wins():
    headers = [("host", "127.0.0.1:4010"), ("origin", "https://evil.example"), ("origin", ORIGIN)]
    assert "at most one Origin" in admin_refusal(headers)


def test_two_host_headers_are_refused():
    headers = [("host", "evil.example"), ("host", "127.0.0.1:4010")]
    assert "send one Host header" in admin_refusal(headers)


@pytest.mark.parametrize(
    ("sent", "says"),
    [
        ({"contact_uri": {"nested": 1}}, "from.contact_uri must be a string"),
        ({"contact_uri": ["+91"]}, "from.contact_uri must be a string"),
        ({"contact_uri": 919810000000}, "from.contact_uri must be a string"),
        ({"contact_uri": "9" * 300}, "from.contact_uri is longer than 256 characters"),
    ],
)
def test_a_v2_contact_uri_that_is_not_a_string_is_a_400_and_no_call(sandbox, sent, says):
    body = {"from": sent, "to": {"contact_uri": "+919820000000"}, "virtual_number": "0801"}
    with httpx.Client(transport=sandbox.transport(), base_url="https://ccm-api.exotel.com") as h:
        response = h.post(f"{V2}/calls", auth=AUTH, json=body)
        assert h.get(f"{V2}/calls", auth=AUTH).json()["response"] == []
    assert response.status_code == 400
    assert says in error(response)


@pytest.mark.parametrize("page_size", ["١٠", "１０", "1_0", "+10", " 10", "10.0"])
def test_page_size_in_anything_but_ascii_digits_is_a_400(server, page_size):
    response = server.get(f"{V1}/Calls.json", auth=AUTH, params={"PageSize": page_size})
    assert response.status_code == 400
    assert "PageSize must be 1 to 100" in error(response)


@pytest.mark.parametrize("seconds", ["١٠", "1_0", "1e3", "inf", ""])
def test_clock_seconds_in_anything_but_ascii_digits_are_a_400(server, sandbox, seconds):
    before = sandbox.clock.now()
    response = server.post(f"{ADMIN_PREFIX}/clock/advance", data={"seconds": seconds})
    assert response.status_code == 400
    assert "written in digits, e.g. seconds=172800 for 48 hours" in error(response)
    assert sandbox.clock.now() == before


def test_head_answers_as_get_does_without_a_body(server):
    head = server.head(f"{V1}/Calls.json", auth=AUTH)
    get = server.get(f"{V1}/Calls.json", auth=AUTH)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["X-RateLimit-Limit"] == get.headers["X-RateLimit-Limit"]


@pytest.mark.parametrize("method", ["OPTIONS", "TRACE", "PROPFIND"])
def test_any_other_method_is_a_rest_exception_not_a_405_page(server, method):
    assert server.request(method, f"{V1}/Calls.json").status_code == 401
    response = server.request(method, f"{V1}/Calls.json", auth=AUTH)
    assert response.status_code == 404
    assert f"{method} Calls.json was not found" in error(response)


def test_a_429_on_the_frozen_clock_says_how_to_move_it():
    sandbox = make_sandbox(
        options_parser().parse_args(["--frozen-clock", "--rate-limit", "1"]), env={}
    )
    with httpx.Client(transport=sandbox.transport(), base_url="https://api.exotel.com") as http:
        http.get(f"{V1}/Calls.json", auth=AUTH)
        refused = http.get(f"{V1}/Calls.json", auth=AUTH)
    assert refused.status_code == 429
    assert error(refused).endswith(FROZEN_CLOCK_NOTE)
    assert "/_sandbox/admin/clock/advance" in FROZEN_CLOCK_NOTE


def test_a_429_on_the_real_clock_says_nothing_of_clocks():
    sandbox = make_sandbox(options_parser().parse_args(["--rate-limit", "1"]), env={})
    with httpx.Client(transport=sandbox.transport(), base_url="https://api.exotel.com") as http:
        http.get(f"{V1}/Calls.json", auth=AUTH)
        refused = http.get(f"{V1}/Calls.json", auth=AUTH)
    assert error(refused).endswith("Try again in 60 seconds.")


# -- bounds on what the sandbox keeps ------------------------------------------------------------


def test_past_the_most_calls_it_keeps_a_create_is_a_503_naming_the_restart(server, monkeypatch):
    monkeypatch.setattr(sandbox_v1, "MAX_RECORDS", 2)
    assert [place_call(server).status_code for _ in range(2)] == [200, 200]
    response = place_call(server)
    assert response.status_code == 503
    assert "Restart it" in error(response)


def test_past_the_most_keys_a_new_key_is_a_400(server, monkeypatch):
    monkeypatch.setattr(sandbox_admin, "MAX_KEYS", 3)
    for n in range(2):  # the default key is the first
        assert server.post(f"{ADMIN_PREFIX}/keys", data={"label": f"k{n}"}).status_code == 201
    response = server.post(f"{ADMIN_PREFIX}/keys", data={"label": "one too many"})
    assert response.status_code == 400
    assert "The account has 3 keys, the most the sandbox keeps" in error(response)


def test_an_admin_body_past_the_bound_is_a_413_and_not_read(server):
    response = server.post(f"{ADMIN_PREFIX}/keys", data={"label": "x" * 100_000})
    assert response.status_code == 413


def test_a_body_that_stops_arriving_is_a_408_after_its_deadline():
    from starlette.requests import Request

    async def stalled():
        return {"type": "http.request", "body": b"From=1", "more_body": True}

    async def never():
        await asyncio.sleep(3600)

    messages = iter([stalled, never])

    async def receive():
        return await next(messages)()

    scope = {"type": "http", "method": "POST", "headers": [(b"content-length", b"100")]}
    refused = asyncio.run(read_body(Request(scope, receive), timeout=0.05))
    assert refused.status == 408
    assert "did not arrive within 0.05 s" in refused.message


# -- no 500 from any request ---------------------------------------------------------------------

ODD_REQUESTS = [
    ("POST", f"{V1}/Calls/connect.json", {"content": b"\xff\xfe", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}),
    ("POST", f"{V1}/Calls/connect.json", {"content": b"--x\r\n", "headers": {"Content-Type": "multipart/form-data; boundary=x"}}),
    ("POST", f"{V1}/Sms/send.json", {"content": b'{"From": "1"}', "headers": {"Content-Type": "application/json"}}),
    ("POST", f"{V2}/calls", {"content": b"\x00" * 100, "headers": {"Content-Type": "application/json"}}),
    ("POST", f"{V2}/calls", {"content": b"1" * 5000, "headers": {"Content-Type": "application/json"}}),
    ("POST", f"{V2}/calls", {"json": {"from": None, "to": [], "virtual_number": {}}}),
    ("GET", f"{V1}/Calls/%00.json", {}),
    ("GET", f"{V1}/Calls/{'a' * 4000}.json", {}),
    ("GET", f"{V1}/SMS/Messages/..%2F..%2Fetc.json", {}),
    ("GET", f"{V1}/Calls.json?PageSize=99999999999999999999999", {}),
    ("GET", f"{V1}/Calls.json?After=%ff", {}),
    ("DELETE", f"{V1}/Calls.json", {}),
    ("PUT", f"{ADMIN_PREFIX}/keys/%00/permissions", {"data": {"permissions": "calls:read"}}),
    ("PUT", f"{ADMIN_PREFIX}/keys/{DEMO_API_KEY}/allowlist", {"data": {"allow": "300.1.1.1/99"}}),
    ("PUT", f"{ADMIN_PREFIX}/allowlist", {"data": {"allow": ",".join(["10.0.0.1"] * 500)}}),
    ("POST", f"{ADMIN_PREFIX}/keys", {"data": {"label": "x", "permissions": "\x00"}}),
    ("POST", f"{ADMIN_PREFIX}/keys", {"content": b"\xff" * 10, "headers": {"Content-Type": "multipart/form-data"}}),
    ("POST", f"{ADMIN_PREFIX}/keys/{DEMO_API_KEY}/regenerate", {"data": {"rule": "\u202e"}}),
    ("PUT", f"{ADMIN_PREFIX}/account", {"data": {"status": "x" * 5000}}),
    ("POST", f"{ADMIN_PREFIX}/callbacks/deliver", {"data": {"x": "y"}}),
    ("GET", f"{ADMIN_PREFIX}/{'x' * 5000}", {}),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "options"), ODD_REQUESTS)
def test_an_odd_request_is_answered_in_json_never_with_a_500(server, method, path, options):
    response = server.request(method, path, auth=AUTH, **options)
    assert 200 <= response.status_code < 500, response.text[:300]
    assert error(response) if response.status_code >= 400 else response.json()
    assert len(response.content) < 8192
