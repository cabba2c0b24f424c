"""An httpx client for one Exotel account, with typed errors.

Credentials travel in the Authorization header (``httpx.BasicAuth``), never in the URL; plain
HTTP is refused except to a loopback sandbox; TLS 1.2 is the minimum; every request has a
timeout. Error responses become the exceptions in :mod:`helpers.errors`.

>>> from helpers import Credentials, ExotelClient           # doctest: +SKIP
>>> with ExotelClient(Credentials.from_env()) as exotel:    # doctest: +SKIP
...     calls = exotel.list_calls()
"""

from __future__ import annotations

import ssl
from typing import Any

import certifi
import httpx

from . import errors
from .credentials import Credentials
from .endpoints import ENDPOINTS
from .pacing import EndpointPacer, Pacer
from .regions import Region, require_secure
from .retry import RetryPolicy

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = "exotel-handbook/0.1 (+https://github.com/exotel-handbook)"


def tls_context() -> ssl.SSLContext:
    """Certificate-verifying context that refuses anything below TLS 1.2 (the FAQ's floor)."""
    context = ssl.create_default_context(cafile=certifi.where())
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class ExotelClient:
    """Calls the v1 and v2 endpoints the handbook uses, for one account in one region."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        region: Region | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        pacer: Pacer | EndpointPacer | None = None,
    ):
        """``retry`` retries what is safe to retry (none by default); ``pacer`` spaces requests
        so the account stays under its rate limits, and reads the ``X-RateLimit-*`` headers of
        every answer (none by default)."""
        if not isinstance(credentials, Credentials):
            raise errors.ConfigurationError(
                f"ExotelClient takes a Credentials, not a {type(credentials).__name__}: "
                "write ExotelClient(Credentials.from_env())."
            )
        if region is not None and not isinstance(region, Region):
            raise errors.UnknownRegionError(
                f"region= takes a Region, not a {type(region).__name__}: write "
                'region=get_region("mumbai") or region=MUMBAI (both from helpers), or leave it '
                "out to use the credentials' region."
            )
        self.credentials = credentials
        self.retry = retry
        self.pacer = pacer
        self.region = region or credentials.region
        require_secure(httpx.URL(self.region.origin))
        if self.region.ccm_origin:
            require_secure(httpx.URL(self.region.ccm_origin))
        self._http = httpx.Client(
            base_url=self.region.origin,
            auth=httpx.BasicAuth(credentials.api_key, credentials.api_token),
            transport=transport or httpx.HTTPTransport(verify=tls_context()),
            timeout=timeout,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"ExotelClient(account_sid={self.credentials.account_sid!r}, origin={self.region.origin!r})"

    def __enter__(self) -> ExotelClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- the endpoints ------------------------------------------------------------------------

    def list_calls(self, **params: Any) -> dict:
        """``GET /v1/Accounts/<sid>/Calls.json``: the envelope ``{"Calls": [...], ...}``."""
        return self.call_endpoint("list_calls", params=params or None).json()

    def get_call(self, call_sid: str) -> dict:
        """``GET /v1/Accounts/<sid>/Calls/<CallSid>.json``: ``{"Call": {...}}``."""
        return self.call_endpoint("get_call", CallSid=call_sid).json()

    def connect_call(self, from_: str, to: str, caller_id: str, **fields: Any) -> dict:
        """``POST /v1/Accounts/<sid>/Calls/connect.json``: call ``from_``, then connect ``to``.

        Extra form fields (``StatusCallback``, ``TimeLimit``, ``Record``…) pass through as given.
        """
        form = {"From": from_, "To": to, "CallerId": caller_id, **fields}
        return self.call_endpoint("connect_call", data=form).json()

    def send_sms(self, from_: str, to: str, body: str, **fields: Any) -> dict:
        """``POST /v1/Accounts/<sid>/Sms/send.json``: ``{"SMSMessage": {...}}``."""
        form = {"From": from_, "To": to, "Body": body, **fields}
        return self.call_endpoint("send_sms", data=form).json()

    def get_sms(self, sms_sid: str) -> dict:
        """``GET /v1/Accounts/<sid>/SMS/Messages/<SmsSid>.json``: ``{"SMSMessage": {...}}``."""
        return self.call_endpoint("get_sms", SmsSid=sms_sid).json()

    def list_calls_v2(self, **params: Any) -> dict:
        """``GET /v2/accounts/<sid>/calls``."""
        return self.call_endpoint("list_calls_v2", params=params or None).json()

    def get_call_v2(self, call_sid: str) -> dict:
        """``GET /v2/accounts/<sid>/calls/<CallSid>``: the v2 envelope, one call in ``response``."""
        return self.call_endpoint("get_call_v2", CallSid=call_sid).json()

    def connect_call_v2(self, agent: str, customer: str, virtual_number: str, **fields) -> dict:
        """``POST /v2/accounts/<sid>/calls`` (CCM): call the ``agent``, then the ``customer``.

        The body is JSON: ``{"from": {"contact_uri"}, "to": {"contact_uri"}, "virtual_number"}``
        and any extra ``fields``.
        """
        body = {
            "from": {"contact_uri": agent},
            "to": {"contact_uri": customer},
            "virtual_number": virtual_number,
            **fields,
        }
        return self.call_endpoint("connect_call_v2", json=body).json()

    def call_endpoint(
        self,
        name: str,
        *,
        params: dict | None = None,
        data: dict | None = None,
        json: Any = None,
        **values: str,
    ) -> httpx.Response:
        """Send the request of the endpoint ``name`` in :data:`~helpers.endpoints.ENDPOINTS`,
        with ``values`` in its path (``CallSid=...``)."""
        endpoint = ENDPOINTS[name]
        path = endpoint.path_for(**values)
        return self.request(
            endpoint.method, path, version=endpoint.version, params=params, data=data, json=json
        )

    # -- the one place a request is sent -----------------------------------------------------

    def url(self, path: str, version: str = "v1") -> str:
        """The full URL of ``path`` under this account's v1 or v2 base."""
        sid = self.credentials.account_sid
        bases = {"v1": self.region.v1_base, "v2": self.region.v2_base}
        if version not in bases:
            raise ValueError(f"version must be 'v1' or 'v2', not {version!r}")
        if "://" in path:
            raise ValueError(f"path must be relative to the account's base URL, not {path!r}")
        return bases[version](sid) + path.lstrip("/")

    def request(
        self,
        method: str,
        path: str,
        *,
        version: str = "v1",
        params: dict | None = None,
        data: dict | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """Send a request (paced and retried if so configured); return it or raise its error.

        ``data`` is sent as a form (v1), ``json`` as a JSON body (v2)."""
        url = self.url(path, version)

        def attempt() -> httpx.Response:
            if self.pacer:
                self.pacer.acquire(method, url)
            return self._send(method, url, params, data, json)

        if self.retry:
            return self.retry.call(attempt, method, url)
        return attempt()

    def _send(
        self, method: str, url: str, params: dict | None, data: dict | None, json: Any = None
    ) -> httpx.Response:
        try:
            response = self._http.request(method, url, params=params, data=data, json=json)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise errors.NetworkError(
                f"{method} {url} could not connect ({type(exc).__name__}: {exc}). The request was "
                "not sent. Check your network, proxy and DNS, and the regional endpoint.",
                request_sent=False,
            ) from exc
        except httpx.TimeoutException as exc:
            raise errors.NetworkError(
                f"{method} {url} timed out ({type(exc).__name__}). Check your network; the "
                "request may or may not have reached Exotel."
            ) from exc
        except httpx.TransportError as exc:
            raise errors.NetworkError(
                f"{method} {url} got no answer: {exc}. Check your network, proxy and DNS, "
                "and that the regional endpoint is right."
            ) from exc
        if self.pacer:
            self.pacer.observe(response.headers, method, url)
        if response.is_error or response.is_redirect:
            raise errors.error_from_response(response)
        return response
