"""ExotelClient: where credentials go, what it refuses, TLS, network failures, and its endpoints."""

from __future__ import annotations

import base64
import socket
import ssl
from urllib.parse import parse_qs

import httpx
import pytest

from helpers import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    Credentials,
    ExotelClient,
    InsecureTransportError,
    NetworkError,
    NotFoundError,
    Region,
    UnknownRegionError,
    loopback,
    tls_context,
)
from helpers.client import USER_AGENT

API_KEY = "key-4c1d9e2f"  # pragma: allowlist secret
API_TOKEN = "tok-7b3e5a9d0c"  # pragma: allowlist secret
SID = "acme42"
CREDS = Credentials(API_KEY, API_TOKEN, SID)
BASE = f"https://api.exotel.com/v1/Accounts/{SID}"


class Recorded:
    """A MockTransport that answers ``status`` with ``body`` and keeps every request it saw."""

    def __init__(self, status: int = 200, body: dict | None = None, headers: dict | None = None):
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self._handle)
        self._status, self._body, self._headers = status, body or {"ok": True}, headers

    def _handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return httpx.Response(self._status, json=self._body, headers=self._headers)

    @property
    def last(self) -> httpx.Request:
        assert self.requests, "no request was sent"
        return self.requests[-1]


@pytest.fixture
def recorded() -> Recorded:
    return Recorded()


@pytest.fixture
def client(recorded: Recorded):
    with ExotelClient(CREDS, transport=recorded.transport) as exotel:
        yield exotel


def raising(exc_type: type[httpx.TransportError]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        raise exc_type("simulated", request=request)

    return httpx.MockTransport(handle)


def form(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(request.content.decode())


# -- credentials travel in the header -------------------------------------------------------------


def test_credentials_are_sent_as_basic_authorization_header(client, recorded):
    client.list_calls()
    expected = base64.b64encode(f"{API_KEY}:{API_TOKEN}".encode()).decode()
    assert recorded.last.headers["authorization"] == f"Basic {expected}"


def test_credentials_never_appear_in_the_url(client, recorded):
    client.list_calls(PageSize=5)
    client.get_call("abc")
    client.connect_call("0981", "0982", "0801")
    for request in recorded.requests:
        url = str(request.url)
        assert request.url.userinfo == b""
        assert API_TOKEN not in url
        assert API_KEY not in url


def test_client_sends_its_user_agent_and_asks_for_json(client, recorded):
    client.list_calls()
    assert recorded.last.headers["user-agent"] == USER_AGENT
    assert recorded.last.headers["accept"] == "application/json"


def test_client_repr_hides_key_and_token():
    with ExotelClient(CREDS, transport=Recorded().transport) as exotel:
        text = repr(exotel)
    assert text == f"ExotelClient(account_sid='{SID}', origin='https://api.exotel.com')"


def test_client_does_not_follow_redirects_to_another_host():
    redirect = Recorded(302, headers={"Location": "https://evil.example.com/steal"})
    with (
        ExotelClient(CREDS, transport=redirect.transport) as exotel,
        pytest.raises(APIError) as caught,
    ):
        exotel.request("GET", "Calls.json")
    assert [r.url.host for r in redirect.requests] == ["api.exotel.com"]
    assert caught.value.status == 302
    assert "redirect to https://evil.example.com/steal" in caught.value.message


# -- transport security -------------------------------------------------------------------------


def test_plain_http_region_that_is_not_loopback_is_refused():
    plain = Region("plain", "api.exotel.com", "nowhere", "http://api.exotel.com")
    with pytest.raises(InsecureTransportError, match="TLS 1.2"):
        ExotelClient(CREDS, region=plain, transport=Recorded().transport)


def test_region_with_credentials_in_its_origin_is_refused():
    leaky = Region("leaky", "api.exotel.com", "x", f"https://{API_KEY}:{API_TOKEN}@api.exotel.com")
    with pytest.raises(InsecureTransportError, match="credentials in it"):
        ExotelClient(CREDS, region=leaky, transport=Recorded().transport)


def test_a_region_given_as_a_name_is_refused_saying_how_to_look_it_up():
    with pytest.raises(UnknownRegionError, match=r'region=get_region\("mumbai"\)'):
        ExotelClient(CREDS, region="mumbai", transport=Recorded().transport)


def test_credentials_given_as_a_dict_are_refused_saying_how_to_read_them():
    as_dict = {"api_key": API_KEY, "api_token": API_TOKEN, "account_sid": SID}
    with pytest.raises(ConfigurationError, match=r"Credentials\.from_env\(\)") as caught:
        ExotelClient(as_dict, transport=Recorded().transport)
    assert API_TOKEN not in str(caught.value)


def test_loopback_http_region_is_accepted(recorded):
    with ExotelClient(
        CREDS, region=loopback("http://127.0.0.1:4010"), transport=recorded.transport
    ) as exotel:
        exotel.list_calls()
    assert str(recorded.last.url) == f"http://127.0.0.1:4010/v1/Accounts/{SID}/Calls.json"


def test_tls_context_requires_tls_1_2_or_higher():
    assert tls_context().minimum_version == ssl.TLSVersion.TLSv1_2


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1 is deprecated:DeprecationWarning")
def test_tls_context_raises_a_lower_platform_default_to_tls_1_2(monkeypatch):
    create = ssl.create_default_context

    def permissive(*args, **kwargs):
        context = create(*args, **kwargs)
        context.minimum_version = ssl.TLSVersion.TLSv1
        return context

    monkeypatch.setattr(ssl, "create_default_context", permissive)
    assert tls_context().minimum_version == ssl.TLSVersion.TLSv1_2


def test_tls_context_verifies_certificates_and_hostnames():
    context = tls_context()
    assert context.check_hostname is True
    assert context.verify_mode == ssl.CERT_REQUIRED


def test_default_transport_uses_the_tls_1_2_context():
    with ExotelClient(CREDS) as exotel:
        context = exotel._http._transport._pool._ssl_context
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert context.verify_mode == ssl.CERT_REQUIRED


# -- network failures -----------------------------------------------------------------------------


@pytest.mark.parametrize("exc_type", [httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout])
def test_timeout_after_connecting_becomes_network_error_that_may_have_been_sent(exc_type):
    with ExotelClient(CREDS, transport=raising(exc_type)) as exotel:
        with pytest.raises(NetworkError) as caught:
            exotel.list_calls()
    assert str(caught.value).startswith(f"GET {BASE}/Calls.json timed out ({exc_type.__name__})")
    assert caught.value.request_sent is True
    assert isinstance(caught.value.__cause__, exc_type)


@pytest.mark.parametrize("exc_type", [httpx.ConnectError, httpx.ConnectTimeout])
def test_failure_to_connect_becomes_network_error_saying_nothing_was_sent(exc_type):
    with ExotelClient(CREDS, transport=raising(exc_type)) as exotel:
        with pytest.raises(NetworkError) as caught:
            exotel.connect_call("0981", "0982", "0801")
    message = str(caught.value)
    assert message.startswith(
        f"POST {BASE}/Calls/connect.json could not connect ({exc_type.__name__}"
    )
    assert "The request was not sent" in message
    assert caught.value.request_sent is False


def test_a_broken_answer_becomes_network_error_naming_method_and_url():
    with ExotelClient(CREDS, transport=raising(httpx.RemoteProtocolError)) as exotel:
        with pytest.raises(NetworkError) as caught:
            exotel.connect_call("0981", "0982", "0801")
    assert str(caught.value).startswith(f"POST {BASE}/Calls/connect.json got no answer: simulated")
    assert caught.value.request_sent is True


def test_network_error_message_never_contains_the_token():
    with ExotelClient(CREDS, transport=raising(httpx.ConnectError)) as exotel:
        with pytest.raises(NetworkError) as caught:
            exotel.list_calls()
    assert API_TOKEN not in str(caught.value)


def test_closed_loopback_port_raises_network_error():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    region = loopback(f"http://127.0.0.1:{port}")
    with ExotelClient(CREDS, region=region, timeout=2.0) as exotel:
        with pytest.raises(NetworkError) as caught:
            exotel.list_calls()
    assert f"GET http://127.0.0.1:{port}/v1/Accounts/{SID}/Calls.json" in str(caught.value)


# -- errors from the API --------------------------------------------------------------------------


def test_error_response_raises_its_typed_error():
    unauthorized = Recorded(401, {"RestException": {"Status": 401, "Message": "Auth failed"}})
    with ExotelClient(CREDS, transport=unauthorized.transport) as exotel:
        with pytest.raises(AuthenticationError) as caught:
            exotel.list_calls()
    assert caught.value.message == "Auth failed"
    assert caught.value.url == f"{BASE}/Calls.json"


def test_error_for_a_get_call_names_the_method():
    missing = Recorded(404, {"RestException": {"Status": 404, "Message": "nope"}})
    with ExotelClient(CREDS, transport=missing.transport) as exotel:
        with pytest.raises(NotFoundError) as caught:
            exotel.get_call("abc")
    assert caught.value.method == "GET"


# -- the endpoints --------------------------------------------------------------------------------


def test_list_calls_is_get_calls_json_with_its_params(client, recorded):
    client.list_calls(PageSize=10, Status="completed")
    assert recorded.last.method == "GET"
    assert recorded.last.url.path == f"/v1/Accounts/{SID}/Calls.json"
    assert dict(recorded.last.url.params) == {"PageSize": "10", "Status": "completed"}


def test_list_calls_without_params_sends_no_query(client, recorded):
    client.list_calls()
    assert recorded.last.url.query == b""


def test_get_call_is_get_calls_sid_json(client, recorded):
    client.get_call("c0ffee")
    assert (recorded.last.method, recorded.last.url.path) == (
        "GET",
        f"/v1/Accounts/{SID}/Calls/c0ffee.json",
    )


def test_connect_call_posts_the_form_to_calls_connect_json(client, recorded):
    client.connect_call("0981", "0982", "0801", StatusCallback="https://example.com/cb")
    assert (recorded.last.method, recorded.last.url.path) == (
        "POST",
        f"/v1/Accounts/{SID}/Calls/connect.json",
    )
    assert recorded.last.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form(recorded.last) == {
        "From": ["0981"],
        "To": ["0982"],
        "CallerId": ["0801"],
        "StatusCallback": ["https://example.com/cb"],
    }


def test_send_sms_posts_the_form_to_sms_send_json(client, recorded):
    client.send_sms("EXOTEL", "0982", "hello there")
    assert (recorded.last.method, recorded.last.url.path) == (
        "POST",
        f"/v1/Accounts/{SID}/Sms/send.json",
    )
    assert form(recorded.last) == {"From": ["EXOTEL"], "To": ["0982"], "Body": ["hello there"]}


def test_get_sms_is_get_sms_messages_sid_json(client, recorded):
    client.get_sms("5a5a")
    assert (recorded.last.method, recorded.last.url.path) == (
        "GET",
        f"/v1/Accounts/{SID}/SMS/Messages/5a5a.json",
    )


def test_list_calls_v2_is_get_lower_case_accounts_calls(client, recorded):
    client.list_calls_v2()
    assert (recorded.last.method, str(recorded.last.url)) == (
        "GET",
        f"https://ccm-api.exotel.com/v2/accounts/{SID}/calls",
    )


def test_endpoint_returns_the_decoded_json(client):
    assert client.list_calls() == {"ok": True}


def test_url_joins_a_relative_path_under_the_account_base(client):
    assert client.url("Calls.json") == f"{BASE}/Calls.json"
    assert client.url("/Calls.json") == f"{BASE}/Calls.json"
    assert client.url("calls", "v2") == f"https://ccm-api.exotel.com/v2/accounts/{SID}/calls"


@pytest.mark.parametrize("path", ["https://evil.example.com/x", "http://127.0.0.1/Calls.json"])
def test_url_refuses_an_absolute_url(client, path):
    with pytest.raises(ValueError, match="relative"):
        client.url(path)


@pytest.mark.parametrize("version", ["v3", "V1", ""])
def test_url_refuses_an_unknown_version(client, version):
    with pytest.raises(ValueError, match="version must be 'v1' or 'v2'"):
        client.url("Calls.json", version)


def test_protocol_relative_path_stays_on_the_account_base(client):
    assert client.url("//evil.example.com/x") == f"{BASE}/evil.example.com/x"
