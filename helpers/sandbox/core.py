"""The sandbox: Exotel's documented API behaviour, as plain Python with no web framework.

Order of checks, as the guide's error table reads: a failure the sandbox was told to stage
(5xx), credentials (401, including the other region's host), a suspended account (403), the
account's and then the key's IP allowlist (403), the per-account limit (429), the Account SID
(404), the key's permissions (403), then the resource (400, 402 without balance, 404, 409).
Errors on v2 paths are in v2's envelope, with v2's numeric codes.
"""

from __future__ import annotations

import base64
import re
import threading
from collections import deque
from collections.abc import Callable
from functools import cached_property

import httpx

from ..clock import Clock, FrozenClock
from ..credentials import Credentials
from ..pacing import endpoint_category
from ..regions import REGIONS, Region, is_ccm_host, region_for_host
from .accounts import Account, demo_account, demo_credentials
from .callbacks import CallbackOutbox
from .dashboard import Dashboard
from .keys import ApiKey
from .ratelimit import SlidingWindowLimit, category_limits
from .resources import Call, Resource, SidFactory, Sms, v2_call
from .wire import SandboxRequest, SandboxResponse, rest_exception, v2_error

AUTH_FAILED = "Authentication failed. Check your API key and token."
_CATEGORY_NAMES = {
    "voice": "Voice API",
    "sms": "SMS API",
    "bulk_sms": "Bulk SMS API",
    "whatsapp": "WhatsApp API",
    "exophone": "ExoPhone API",
    "campaign": "Campaign API",
    "user_management": "User Management API",
    "general_get": "GET",
    "other": "API",
}
MAX_BODY_CHARS = 2000  # SMS Body limit on Exotel's send-SMS page
MAX_PAGE_SIZE = 100  # bulk call details: PageSize default 50, max 100
#: What a staged failure answers: the descriptions in Exotel's Error Code Dictionary.
SERVER_ERRORS = {
    500: "Internal Server Error: server-side failure.",
    502: "Bad Gateway: upstream service unavailable.",
    503: "Service Unavailable: service temporarily down.",
}
MAX_FORM_FIELDS = 40  # Exotel's connect API has about twenty parameters
MAX_FIELD_CHARS = 4096  # a StatusCallback URL or a CustomField; Body has its own limit

_ACCOUNT_PATH = re.compile(
    r"^/(?P<version>v1)/Accounts/(?P<sid>[^/]+)/(?P<rest>.+)$|"
    r"^/(?P<version2>v2)/accounts/(?P<sid2>[^/]+)/(?P<rest2>.+)$"
)


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
        self._new_sid = SidFactory(salt)
        self._request_ids = SidFactory(f"{salt}:requests")
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

    # -- the request pipeline -----------------------------------------------------------------

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        with self._lock:
            answer = self._handle(request)
            if request.path.startswith("/v2/") and answer.status >= 400:
                answer = v2_error(answer, request.method, self._request_ids("v2"))
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
        now = self.clock.now()
        category = endpoint_category(request.method, request.path)
        if self.rate_limit:  # one budget for the whole account
            limiter, budget, what = self.rate_limit, account.sid, ""
        else:
            limiter, budget = self.rate_limits[category], f"{account.sid}:{category}"
            what = f"{_CATEGORY_NAMES[category]} "
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
                f"Try again in {_seconds(wait)}.",
                code="RATE_LIMIT_EXCEEDED",
                **{"Retry-After": str(wait), **quota},
            )
        answer = self._route(request, account, key, account.region)
        return SandboxResponse(answer.status, answer.body, {**quota, **answer.headers})

    def _route(
        self, request: SandboxRequest, account: Account, key: ApiKey, region: Region
    ) -> SandboxResponse:
        match = _ACCOUNT_PATH.match(request.path)
        if not match:
            return rest_exception(404, f"The requested resource {request.path} was not found.")
        version = match["version"] or match["version2"]
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
        sid = match["sid"] or match["sid2"]
        rest = match["rest"] or match["rest2"]
        if sid != account.sid:
            return rest_exception(404, f"Account SID {sid} was not found.")
        refusal = key.refusal(request.method, version, rest)  # the key's permissions
        if refusal:
            return rest_exception(403, refusal)
        route = self._v1_route if version == "v1" else self._v2_route
        return route(request, account, rest)

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

    # -- v1 -------------------------------------------------------------------------------------

    def _v1_route(self, request: SandboxRequest, account: Account, rest: str) -> SandboxResponse:
        if not rest.endswith(".json"):
            return rest_exception(
                404,
                f"The sandbox serves only the JSON form of v1 paths: use {rest}.json "
                "(Exotel itself answers XML when .json is left off).",
            )
        parts = rest[: -len(".json")].split("/")
        method = request.method
        if parts == ["Calls"] and method == "GET":
            return self._list_calls(request, account)
        if parts == ["Calls", "connect"] and method == "POST":
            return self._connect(request, account)
        if len(parts) == 2 and parts[0] == "Calls" and method == "GET":
            return self._get(self.calls, parts[1], account, "Call")
        if [p.lower() for p in parts] == ["sms", "send"] and method == "POST":
            return self._send_sms(request, account)
        if (
            len(parts) == 3
            and [p.lower() for p in parts[:2]] == ["sms", "messages"]
            and method == "GET"
        ):
            return self._get(self.messages, parts[2], account, "SMSMessage")
        return rest_exception(404, f"The requested resource {method} {rest} was not found.")

    def _connect(self, request: SandboxRequest, account: Account) -> SandboxResponse:
        return self._create(
            Call, request, account, self.calls, self.callbacks.register_call, "place a call"
        )

    def _list_calls(self, request: SandboxRequest, account: Account) -> SandboxResponse:
        now = self.clock.now()
        try:
            page_size = int(request.query.get("PageSize", 50))
        except ValueError:
            page_size = -1
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            return rest_exception(
                400, f"Invalid Parameters: PageSize must be 1 to {MAX_PAGE_SIZE}."
            )
        status = request.query.get("Status")
        # Bulk call details leave out calls still in progress, as Exotel's page says.
        calls = [
            c
            for c in self.calls.values()
            if c.account_sid == account.sid
            and now >= c.ended
            and (not status or c.status(now) == status)
        ]
        calls.sort(key=lambda c: c.created, reverse=True)
        total = len(calls)
        base = f"/v1/Accounts/{account.sid}/Calls.json?PageSize={page_size}"
        after = request.query.get("After")
        if after:
            ids = [c.sid for c in calls]
            calls = calls[ids.index(after) + 1 :] if after in ids else []
        page, more = calls[:page_size], len(calls) > page_size
        return SandboxResponse(
            200,
            {
                "Metadata": {
                    "Total": total,
                    "PageSize": page_size,
                    "FirstPageUri": base,
                    "PrevPageUri": None,
                    "NextPageUri": f"{base}&After={page[-1].sid}" if more else None,
                },
                "Calls": [c.to_json(now) for c in page],
            },
        )

    def _send_sms(self, request: SandboxRequest, account: Account) -> SandboxResponse:
        if len(request.form.get("Body", "")) > MAX_BODY_CHARS:
            return rest_exception(
                400, f"Invalid Parameters: Body is longer than {MAX_BODY_CHARS} characters."
            )
        return self._create(
            Sms, request, account, self.messages, self.callbacks.register_sms, "send an SMS"
        )

    def _create(
        self,
        kind: type[Resource],
        request: SandboxRequest,
        account: Account,
        store: dict,
        register: Callable[[Resource], None],
        action: str,
    ) -> SandboxResponse:
        """A new call or SMS from a create request: stored, its callbacks scheduled, answered."""
        if refusal := _missing(request.form, tuple(kind.FIELDS), request.content_type):
            return refusal
        if refusal := _unpaid(account, action):
            return refusal
        item = kind.from_form(
            request.form,
            sid=self._new_sid(kind.KIND),
            account_sid=account.sid,
            created=self.clock.now(),
        )
        store[item.sid] = item
        register(item)
        return SandboxResponse(200, {kind.ENVELOPE: item.to_json(self.clock.now())})

    def _get(self, store: dict, sid: str, account: Account, envelope: str) -> SandboxResponse:
        item = store.get(sid)
        if item is None or item.account_sid != account.sid:
            return rest_exception(404, f"The requested resource {sid} was not found.")
        return SandboxResponse(200, {envelope: item.to_json(self.clock.now())})

    # -- v2 -------------------------------------------------------------------------------------

    def _v2_route(self, request: SandboxRequest, account: Account, rest: str) -> SandboxResponse:
        if rest.rstrip("/") == "calls" and request.method == "POST":
            return self._connect_v2(request, account)
        if rest.rstrip("/") != "calls" or request.method != "GET":
            return rest_exception(
                404, f"The requested resource {request.method} {rest} was not found."
            )
        now = self.clock.now()
        calls = sorted(
            (c for c in self.calls.values() if c.account_sid == account.sid),
            key=lambda c: c.created,
            reverse=True,
        )
        return SandboxResponse(
            200,
            {
                "request_id": self._request_ids("v2"),
                "method": "GET",
                "http_code": 200,
                "response": [
                    {"code": 200, "status": "success", "data": v2_call(c, now)} for c in calls
                ],
            },
        )

    def _connect_v2(self, request: SandboxRequest, account: Account) -> SandboxResponse:
        """v2 (CCM) make call: ``{"from": {"contact_uri"}, "to": {"contact_uri"},
        "virtual_number"}``. An agent already on a call gets 409, code 10706."""
        body = request.json if isinstance(request.json, dict) else {}
        numbers = {
            "from.contact_uri": _field(body.get("from"), "contact_uri"),
            "to.contact_uri": _field(body.get("to"), "contact_uri"),
            "virtual_number": body.get("virtual_number") or "",
        }
        missing = [name for name, value in numbers.items() if not str(value).strip()]
        if missing:
            return rest_exception(
                400, f"Invalid Parameters: {', '.join(missing)} missing (send a JSON body)."
            )
        if refusal := _unpaid(account, "place a call"):
            return refusal
        now = self.clock.now()
        agent = str(numbers["from.contact_uri"])
        if any(c.from_ == agent and now < c.ended for c in self.calls.values()):
            return rest_exception(
                409,
                f"User device busy: {agent} is on another call. Wait for it to end and retry.",
                code=10706,
            )
        call = Call(
            sid=self._new_sid("call"),
            account_sid=account.sid,
            from_=agent,
            to=str(numbers["to.contact_uri"]),
            caller_id=str(numbers["virtual_number"]),
            created=now,
        )
        self.calls[call.sid] = call
        return SandboxResponse(
            200,
            {
                "request_id": self._request_ids("v2"),
                "method": "POST",
                "http_code": 200,
                "response": {"code": 200, "status": "success", "data": v2_call(call, now)},
            },
        )


def _seconds(count: float) -> str:
    """``"1 second"``, ``"60 seconds"``."""
    return f"{count:g} second" + ("" if count == 1 else "s")


def _field(block, name: str) -> str:
    """``block[name]`` if ``block`` is a JSON object, else empty."""
    return str(block.get(name) or "") if isinstance(block, dict) else ""


def _unpaid(account: Account, action: str) -> SandboxResponse | None:
    """A 402 if the account has no balance left to ``action``, or None."""
    if account.balance > 0:
        return None
    return rest_exception(
        402,
        f"Payment Required: the account's balance ({account.balance:.2f}) is too low to "
        f"{action}. Top up the account or upgrade the plan.",
    )


def _oversized(form: dict[str, str]) -> SandboxResponse | None:
    """A 400 for more form fields, or longer values, than any Exotel request has; or None.

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


def _missing(
    form: dict[str, str], required: tuple[str, ...], content_type: str = ""
) -> SandboxResponse | None:
    """A 400 naming every required form field that is absent or blank, or None; and, where the
    fields came as JSON, saying that v1 reads form fields."""
    missing = [name for name in required if not form.get(name, "").strip()]
    if not missing:
        return None
    message = f"Invalid Parameters: {', '.join(missing)} missing."
    if content_type.startswith("application/json"):
        message += (
            " The v1 API reads form fields, not a JSON body: send them as"
            " application/x-www-form-urlencoded (curl --data-urlencode)."
        )
    return rest_exception(400, message)


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
