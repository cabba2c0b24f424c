"""The sandbox: Exotel's documented API behaviour, as plain Python with no web framework.

The order of checks is the sandbox's choice (no page gives one); the statuses follow the
guide's table :exotel:`guide.403-row`. A failure the sandbox was told to stage
(5xx), credentials (401, including the other region's host), a suspended account (403), the
account's and then the key's IP allowlist (403), the per-account limit (429), the Account SID
(404), the key's permissions (403), then the resource (400, 402 without balance, 404, 409).
Errors on v2 paths are in v2's envelope, with v2's numeric codes.
"""

from __future__ import annotations

import base64
import threading
from collections import deque
from dataclasses import replace
from functools import cached_property

import httpx

from ..clock import Clock, FrozenClock
from ..credentials import Credentials
from ..endpoints import CATEGORIES, ENDPOINTS, endpoint_category, route, split_account_path
from ..regions import REGIONS, Region, is_ccm_host, region_for_host
from . import v1, v2
from .accounts import Account, demo_account, demo_credentials
from .callbacks import CallbackOutbox
from .dashboard import Dashboard
from .inputs import MAX_FIELD_CHARS, MAX_FORM_FIELDS
from .keys import ApiKey
from .ratelimit import SlidingWindowLimit, category_limits
from .resources import Call, SidFactory, Sms
from .wire import SandboxRequest, SandboxResponse, rest_exception, v2_error

AUTH_FAILED = "Authentication failed. Check your API key and token."
#: What a staged failure answers: the descriptions in Exotel's Error Code Dictionary.
SERVER_ERRORS = {
    500: "Internal Server Error: server-side failure.",
    502: "Bad Gateway: upstream service unavailable.",
    503: "Service Unavailable: service temporarily down.",
}
#: Each row of the endpoint table, answered by the handler of the same name.
HANDLERS: dict[str, v1.Handler] = {**v1.HANDLERS, **v2.HANDLERS}
if set(HANDLERS) != set(ENDPOINTS):  # pragma: no cover (a row without a handler, or the reverse)
    raise ImportError(f"endpoints and handlers differ: {sorted(set(HANDLERS) ^ set(ENDPOINTS))}")


class Sandbox:
    """An in-memory stand-in for the Exotel API, deterministic on a frozen clock.

    >>> sandbox = Sandbox()
    >>> sandbox.demo.account_sid
    'handbookdemo'
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        rate_limit: SlidingWindowLimit | None = None,
        demo: Credentials | None = None,
        salt: str = "handbook",
    ):
        self.clock = clock or FrozenClock()
        #: One limiter for every request, if set (chapters set a small one to show a 429);
        #: otherwise each endpoint category has its own budget, as at Exotel.
        self.rate_limit: SlidingWindowLimit | None = rate_limit
        self.rate_limits: dict[str, SlidingWindowLimit] = category_limits()
        self.demo = demo or demo_credentials()
        self.accounts: list[Account] = [demo_account(self.demo)]
        self.calls: dict[str, Call] = {}
        self.messages: dict[str, Sms] = {}
        self.callbacks = CallbackOutbox()  # StatusCallbacks owed; deliver_due() sends them
        #: When set, a 429 says how time moves here (the loopback server's ``--frozen-clock``).
        self.clock_note: str | None = None
        self.new_sid = SidFactory(salt)
        self.request_id = SidFactory(f"{salt}:requests")
        self._lock = threading.Lock()
        self._staged: deque[int] = deque()  # statuses the next requests fail with

    # -- adapters ------------------------------------------------------------------------------

    @property
    def account(self) -> Account:
        """The demo account (dashboard-style settings such as its IP allowlist live here)."""
        return self.accounts[0]

    @cached_property
    def dashboard(self) -> Dashboard:
        """The demo account's API-key management (dashboard actions at Exotel, not API calls)."""
        return Dashboard(self.account, self.clock, lock=self._lock)

    def transport(self, client_ip: str = "127.0.0.1") -> httpx.MockTransport:
        """An in-process httpx transport; ``client_ip`` is the source address the sandbox sees."""
        from .transport import sandbox_transport

        return sandbox_transport(self, client_ip)

    def mounts(self, client_ip: str = "127.0.0.1") -> dict[str, httpx.BaseTransport]:
        """``httpx.Client(mounts=...)`` for the two real API hosts."""
        transport = self.transport(client_ip)
        return {f"https://{host}": transport for r in REGIONS.values() for host in r.hosts}

    def fail_next(self, status: int = 503, times: int = 1) -> None:
        """Answer the next ``times`` requests with ``status`` (500, 502 or 503), before any
        other check: the sandbox's way to show an outage. Exotel has no such switch."""
        if status not in SERVER_ERRORS:
            raise ValueError(f"status must be one of {sorted(SERVER_ERRORS)}, not {status}")
        if times < 1:
            raise ValueError(f"times must be 1 or more, not {times}")
        with self._lock:
            self._staged.extend([status] * times)

    @property
    def pending_failures(self) -> list[int]:
        """The statuses the next requests will fail with, in order (:meth:`fail_next`)."""
        with self._lock:
            return list(self._staged)

    # -- the request pipeline -----------------------------------------------------------------

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        """The answer to one request (a HEAD is answered as its GET; the server sends no body)."""
        if request.method == "HEAD":
            request = replace(request, method="GET")
        with self._lock:
            answer = self._handle(request)
            if request.path.startswith("/v2/") and answer.status >= 400:
                answer = v2_error(answer, request.method, self.request_id("v2"))
            return answer

    def gate(self, request: SandboxRequest) -> SandboxResponse | None:
        """The checks that need no body (host, credentials, account, IP allowlists): refusal or None.

        The server asks this before it reads a body, so a stranger's form is never parsed.
        """
        with self._lock:
            if self._staged:
                return None  # a staged failure answers first, in handle()
            found = self._admit(request)
        return found if isinstance(found, SandboxResponse) else None

    def _admit(self, request: SandboxRequest) -> tuple[Account, ApiKey] | SandboxResponse:
        region = region_for_host(request.host)
        if region is None:
            hosts = ", ".join(h for r in REGIONS.values() for h in r.hosts)
            return rest_exception(404, f"The sandbox serves {hosts}; not {request.host}.")
        found = self._authenticate(request, region)
        if found is None:
            return rest_exception(401, AUTH_FAILED)
        account, key = found
        if account.suspended:
            return rest_exception(
                403,
                f"Account {account.sid} is suspended. Contact Exotel support to check the "
                "account's status.",
            )
        refusal = account.refusal(key, request.client_ip)  # account, then key IP allowlist
        if refusal:
            return rest_exception(403, refusal)
        return account, key

    def _handle(self, request: SandboxRequest) -> SandboxResponse:
        if self._staged:
            status = self._staged.popleft()
            return rest_exception(status, SERVER_ERRORS[status])
        found = self._admit(request)
        if isinstance(found, SandboxResponse):
            return found
        account, key = found
        if refusal := _oversized(request.form):
            return refusal
        if request.body_error:
            return rest_exception(400, request.body_error)
        now = self.clock.now()
        category = endpoint_category(request.method, request.path)
        if self.rate_limit:  # one budget for the whole account
            limiter, budget, what = self.rate_limit, account.sid, ""
        else:
            limiter, budget = self.rate_limits[category], f"{account.sid}:{category}"
            what = f"{CATEGORIES[category].title} "
        wait = limiter.admit(budget, now)
        remaining, reset = limiter.remaining(budget, now)
        # The X-RateLimit-* trio on every answer, as Exotel's rate-limiting page shows them.
        quota = {
            "X-RateLimit-Limit": str(limiter.limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(reset),
        }
        if wait:
            return rest_exception(
                429,
                f"Rate limit exceeded: more than {limiter.limit} {what}requests in "
                f"{_seconds(limiter.window)} for this account. "
                f"Try again in {_seconds(wait)}.{self.clock_note or ''}",
                code="RATE_LIMIT_EXCEEDED",
                **{"Retry-After": str(wait), **quota},
            )
        answer = self._route(request, account, key, account.region)
        return SandboxResponse(answer.status, answer.body, {**quota, **answer.headers})

    def _route(
        self, request: SandboxRequest, account: Account, key: ApiKey, region: Region
    ) -> SandboxResponse:
        """The handler of the endpoint the path names, once the host, the Account SID and the
        key's permissions allow it."""
        parts = split_account_path(request.path)
        if parts is None:
            return rest_exception(404, f"The requested resource {request.path} was not found.")
        version, sid, rest = parts
        on_ccm = is_ccm_host(request.host)
        if version == "v1" and on_ccm:
            return rest_exception(
                404,
                f"{request.host} serves Voice v2 (CCM) only; v1 paths are served at "
                f"{region.subdomain}.",
            )
        if version == "v2" and not on_ccm:
            return rest_exception(
                404,
                f"Voice v2 (CCM) is served at {region.ccm_subdomain}, not at {request.host}.",
            )
        if sid != account.sid:
            return rest_exception(404, f"Account SID {sid} was not found.")
        if version == "v1" and not rest.endswith(".json"):
            return rest_exception(
                404,
                f"The sandbox serves only the JSON form of v1 paths: use {rest}.json "
                "(Exotel itself answers XML when .json is left off).",
            )
        found = route(request.method, version, rest)
        if found is None:
            return rest_exception(
                404, f"The requested resource {request.method} {rest} was not found."
            )
        endpoint, values = found
        refusal = key.refusal(endpoint, rest)  # the key's permissions
        if refusal:
            return rest_exception(403, refusal)
        return HANDLERS[endpoint.name](self, request, account, values)

    def _authenticate(self, request: SandboxRequest, region) -> tuple[Account, ApiKey] | None:
        """The account and key the credentials belong to (old tokens count until they expire)."""
        pair = _basic_pair(request.authorization) or request.userinfo
        if pair is None:
            return None
        username, password = pair
        now = self.clock.now()
        for account in (a for a in self.accounts if a.region == region):
            key = account.key_for(username, password, now)
            if key is not None:
                return account, key
        return None


def _seconds(count: float) -> str:
    """``"1 second"``, ``"60 seconds"``."""
    return f"{count:g} second" + ("" if count == 1 else "s")


def _oversized(form: dict[str, str]) -> SandboxResponse | None:
    """A 400 for more form fields, or longer values, than any endpoint in the table takes; or None.

    Extra fields are kept on the call or SMS for the server's lifetime, so they are bounded.
    """
    if len(form) > MAX_FORM_FIELDS:
        return rest_exception(
            400, f"The request has {len(form)} form fields; the sandbox accepts at most "
            f"{MAX_FORM_FIELDS}. Send only the parameters the API documents.",
        )  # fmt: skip
    long = sorted(k for k, v in form.items() if len(v) > MAX_FIELD_CHARS and k != "Body")
    if long:
        return rest_exception(
            400, f"Form field {long[0][:40]} is longer than {MAX_FIELD_CHARS:,} characters.",
        )  # fmt: skip
    return None


def _basic_pair(header: str | None) -> tuple[str, str] | None:
    """(username, password) from ``Authorization: Basic ...``, or None if absent or malformed."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        username, sep, password = (
            base64.b64decode(value.strip(), validate=True).decode().partition(":")
        )
    except ValueError:  # binascii.Error, UnicodeDecodeError, or a non-ASCII character in it
        return None
    return (username, password) if sep else None


__all__ = ["Sandbox"]
