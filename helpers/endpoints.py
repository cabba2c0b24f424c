"""Exotel's API as the handbook uses it: one row per endpoint, and the rate-limit categories.

Everything else is built from these two tables, as stripe-mock builds its routes from one
description of the API: the client's paths (:class:`~helpers.client.ExotelClient`), the pacer's
categories (:mod:`helpers.pacing`), and the sandbox's routing, permission checks, rate limits and
admin index. Adding an endpoint is one row here and one handler in the sandbox.

>>> row = ENDPOINTS["get_call"]
>>> row.method, row.version, row.path_for(CallSid="3f6e"), row.category, row.limit
('GET', 'v1', 'Calls/3f6e.json', 'voice', 200)
>>> resolve("GET", "/v1/Accounts/acme/SMS/Messages/ab12.json")
(Endpoint('get_sms'), {'SmsSid': 'ab12'})
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote

RATE_LIMITING = "https://developer.exotel.com/docs/advanced-config/rate-limiting"


@dataclass(frozen=True)
class RateCategory:
    """One budget of the rate-limiting page :exotel:`rate-limiting.categories`, a minute each.

    ``covers`` names, per version, the paths of APIs the table has no row for (a regular
    expression on the path after the account's base URL, any case); rows carry their own."""

    name: str
    title: str  # as a 429's message names it: "more than 200 Voice API requests"
    limit: int
    covers: tuple[tuple[str, str], ...] = ()


#: Enterprise accounts may have their own limits; ``other`` (a write outside every category)
#: and what each category covers beyond the table are the handbook's choice.
CATEGORIES: dict[str, RateCategory] = {
    c.name: c
    for c in (
        RateCategory(
            "bulk_sms",
            "Bulk SMS API",
            50,
            (("v1", r"sms/bulksend(\.json)?"), ("v2", "sms/bulksend")),
        ),
        RateCategory("sms", "SMS API", 200, (("v1", r"sms/.*"),)),
        RateCategory(
            "voice", "Voice API", 200, (("v1", r"calls(/.*|\.json)?"), ("v2", "calls(/.*)?"))
        ),
        RateCategory(
            "exophone",
            "ExoPhone API",
            50,
            (("v1", r"incomingphonenumbers(/.*|\.json)?"), ("v2", "incomingphonenumbers(/.*)?")),
        ),
        RateCategory("campaign", "Campaign API", 30, (("v2", "(message-)?campaigns(/.*)?"),)),
        RateCategory("user_management", "User Management API", 50, (("v2", "users(/.*)?"),)),
        RateCategory("whatsapp", "WhatsApp API", 200, (("v2", "messages(/.*)?"),)),
        RateCategory("general_get", "GET", 300),
        RateCategory("other", "API", 200),
    )
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Endpoint:
    """One endpoint: ``path`` is relative to the account's v1 or v2 base URL, with ``{Name}``
    for each value in it. ``permission`` is the sandbox's name for it (Exotel publishes none)."""

    name: str  # the ExotelClient method that calls it
    method: str
    version: str  # "v1" or "v2"
    path: str
    permission: str
    category: str
    summary: str
    source: str
    any_case: bool = False  # Exotel's own pages spell the path in more than one case
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"{self.name}: unknown rate category {self.category!r}")
        parts = _PLACEHOLDER.split(self.path)
        regex = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)" for i, part in enumerate(parts)
        )
        object.__setattr__(
            self, "pattern", re.compile(regex, re.IGNORECASE if self.any_case else 0)
        )

    def __repr__(self) -> str:
        return f"Endpoint({self.name!r})"

    @property
    def limit(self) -> int:
        """Requests a minute its category allows an account, by default."""
        return CATEGORIES[self.category].limit

    @property
    def template(self) -> str:
        """``Calls/<CallSid>.json`` (v1, relative) or ``/v2/accounts/<sid>/calls``, for messages."""
        return self._shown if self.version == "v1" else f"/v2/accounts/<sid>/{self._shown}"

    @property
    def full_path(self) -> str:
        """``/v1/Accounts/<sid>/Calls/<CallSid>.json``: the path as the docstrings show it."""
        accounts = "Accounts" if self.version == "v1" else "accounts"
        return f"/{self.version}/{accounts}/<sid>/{self._shown}"

    @property
    def _shown(self) -> str:
        return _PLACEHOLDER.sub(r"<\1>", self.path)

    def path_for(self, **values: str) -> str:
        """The path with its ``{Name}`` values filled in (quoted, so a value stays one segment)."""
        names = set(_PLACEHOLDER.findall(self.path))
        if set(values) != names:
            raise TypeError(
                f"{self.name} takes {sorted(names) or 'no values'}, not {sorted(values)}"
            )
        return _PLACEHOLDER.sub(lambda m: quote(str(values[m[1]]), safe=""), self.path)

    def match(self, method: str, version: str, rest: str) -> dict[str, str] | None:
        """The path's values if a request is this endpoint's, else None."""
        if method != self.method or version != self.version:
            return None
        found = self.pattern.fullmatch(rest)
        return found.groupdict() if found else None


_CALL_DETAILS = "https://developer.exotel.com/docs/voice-v1/api-reference/call-details"
#: The endpoints the book calls, in the order a permission's routes are listed.
ENDPOINTS: dict[str, Endpoint] = {
    e.name: e
    for e in (
        Endpoint(
            "list_calls", "GET", "v1", "Calls.json", "calls:read", "voice",
            "Bulk call details: finished calls, newest first, PageSize 1 to 100",
            "https://developer.exotel.com/api/call-details-bulk",
        ),
        Endpoint(
            "get_call", "GET", "v1", "Calls/{CallSid}.json", "calls:read", "voice",
            "One call's details", _CALL_DETAILS,
        ),
        Endpoint(
            "connect_call", "POST", "v1", "Calls/connect.json", "calls:write", "voice",
            "Call From, then connect To (form fields From, To, CallerId)",
            "https://developer.exotel.com/docs/voice-v1/api-reference/connect-two-numbers",
        ),
        Endpoint(
            "send_sms", "POST", "v1", "Sms/send.json", "sms:send", "sms",
            "Send an SMS (form fields From, To, Body)",
            "https://developer.exotel.com/docs/sms-api/api-reference/send-sms", any_case=True,
        ),
        Endpoint(
            "get_sms", "GET", "v1", "SMS/Messages/{SmsSid}.json", "sms:read", "sms",
            "One SMS's details",
            "https://developer.exotel.com/docs/sms-api/api-reference/sms-details", any_case=True,
        ),
        Endpoint(
            "list_calls_v2", "GET", "v2", "calls", "calls:read", "voice",
            "Voice v2 (CCM) calls, newest first",
            "https://developer.exotel.com/docs/voice-api/api-reference/call-details",
        ),
        Endpoint(
            "get_call_v2", "GET", "v2", "calls/{CallSid}", "calls:read", "voice",
            "Voice v2 (CCM): one call's details",
            "https://developer.exotel.com/docs/voice-api/api-reference/call-details",
        ),
        Endpoint(
            "connect_call_v2", "POST", "v2", "calls", "calls:write", "voice",
            "Voice v2 (CCM): call the agent, then the customer (a JSON body)",
            "https://developer.exotel.com/api/ccm-calls",
        ),
    )
}  # fmt: skip
ENDPOINT_LIMITS: dict[str, int] = {name: c.limit for name, c in CATEGORIES.items()}
_ACCOUNT_PATH = re.compile(r"^/(v1)/Accounts/([^/]+)/(.+)$|^/(v2)/accounts/([^/]+)/(.+)$")
_COVERS = tuple(
    (c.name, version, re.compile(regex, re.IGNORECASE))
    for c in CATEGORIES.values()
    for version, regex in c.covers
)


def split_account_path(path: str) -> tuple[str, str, str] | None:
    """(version, Account SID, the rest) of a path under an account's base URL, or None.

    >>> split_account_path("/v2/accounts/acme/calls")
    ('v2', 'acme', 'calls')
    """
    found = _ACCOUNT_PATH.match(path)
    if not found:
        return None
    return (found[1], found[2], found[3]) if found[1] else (found[4], found[5], found[6])


def route(method: str, version: str, rest: str) -> tuple[Endpoint, dict[str, str]] | None:
    """The endpoint a request to ``rest`` (after the account's base URL) is for, and the path's
    values; None for a path the table has no row for. v2 ignores a trailing slash."""
    if version == "v2":
        rest = rest.rstrip("/")
    for endpoint in ENDPOINTS.values():
        values = endpoint.match(method, version, rest)
        if values is not None:
            return endpoint, values
    return None


def resolve(method: str, path: str) -> tuple[Endpoint, dict[str, str]] | None:
    """The endpoint a request is for, from its method and URL path (a query is ignored)."""
    parts = split_account_path(_path_of(path))
    return route(method.upper(), parts[0], parts[2]) if parts else None


def endpoint_category(method: str, path: str) -> str:
    """The rate-limit category of a request, from its method and URL path.

    >>> endpoint_category("POST", "/v1/Accounts/acme/Calls/connect.json")
    'voice'
    >>> endpoint_category("GET", "/v1/Accounts/acme/Sms/bulksend.json")
    'bulk_sms'
    >>> endpoint_category("GET", "/v1/Accounts/acme/Numbers/0801234.json")
    'general_get'
    """
    path = _path_of(path)
    found = resolve(method, path)
    if found:
        return found[0].category
    parts = split_account_path(path)
    covering = covering_category(parts[0], parts[2]) if parts else None
    return covering or ("general_get" if method.upper() == "GET" else "other")


def covering_category(version: str, rest: str) -> str | None:
    """The category whose ``covers`` include a path after the account's base URL, or None.

    >>> covering_category("v2", "campaigns/42")
    'campaign'
    """
    for category, covered_version, pattern in _COVERS:
        if covered_version == version and pattern.fullmatch(rest.rstrip("/")):
            return category
    return None


def _path_of(url: str) -> str:
    """The path of a URL or of a path, without its query."""
    if "://" in url:
        after_host = url.split("://", 1)[1].partition("/")[2]
        url = "/" + after_host
    return url.split("?", 1)[0]


def permissions() -> dict[str, str]:
    """Each permission and the requests it covers, in the table's order.

    >>> permissions()["sms:send"]
    'POST Sms/send.json'
    """
    covered: dict[str, list[str]] = {}
    for e in ENDPOINTS.values():
        covered.setdefault(e.permission, []).append(f"{e.method} {e.template}")
    return {name: ", ".join(requests) for name, requests in covered.items()}
