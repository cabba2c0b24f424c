"""The library's exceptions, one class per meaning.

The servers and the book's machinery keep their own in ``errors.py`` beside them, under
:class:`ExotelError`.

::

    ExotelError
    ├── ConfigurationError            something to fix before any request is sent (a ValueError)
    │   ├── MissingCredentialsError   EXOTEL_* variables not set (names every one)
    │   ├── SecretFileError           EXOTEL_API_TOKEN_FILE missing, unreadable or empty
    │   ├── UnknownRegionError        not singapore / mumbai
    │   └── InsecureTransportError    plain http:// to a non-loopback host, or user:token@ in a URL
    ├── APIError                      the API answered with an error (status, message, body, hint)
    │   ├── BadRequestError           400
    │   ├── AuthenticationError       401
    │   ├── PaymentRequiredError      402 plan limit or balance
    │   ├── PermissionDeniedError     403 suspended account, IP allowlist, key permissions
    │   ├── NotFoundError             404
    │   ├── ConflictError             409 the resource's state (an agent on another call)
    │   ├── RateLimitError            429
    │   └── ServerError               5xx
    ├── NetworkError                  no answer: DNS, connection refused, TLS failure, timeout
    ├── RetriesExhaustedError         retried as far as the policy allows; carries the last error
    └── RotationError                 a key rotation stopped before deleting anything

The hints for 401, 404 and 429 are the "What to Check" column of the guide's *Common
Authentication Errors* table (:exotel:`guide.http-401`, :exotel:`guide.http-404`,
:exotel:`guide.http-429`); those for 400, 402, 409 and 5xx are the "How to Fix" column of the
Error Code Dictionary (:exotel:`error-codes.400`, :exotel:`error-codes.402`,
:exotel:`error-codes.5xx`). A 403 has one hint per cause (:data:`HINTS_403`): a suspended
account :exotel:`error-codes.403`, an address outside the allowlist
:exotel:`ip-whitelisting.403`, a key without the permission :exotel:`guide.403-row`, or an empty
balance on an SMS :exotel:`sending-an-sms.403-balance`.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

HINTS: dict[int, str] = {
    401: "Verify your API Key and API Token are correct "
    "(and that you are calling your account's regional endpoint).",
    403: "Check the account is active, this address is allowlisted, and the key may call this.",
    404: "Verify the Account SID and endpoint URL are correct.",
    429: "Implement backoff and retry logic (see Rate Limits).",
    # Exotel's Error Code Dictionary, "How to Fix".
    400: "Check required fields and parameter formats.",
    402: "Top up your account or upgrade your plan.",
    409: "Check the resource's current state before retrying.",
    500: "Retry with exponential backoff.",
    502: "Retry after a few seconds.",
    503: "Check status.exotel.com and retry later.",
}

#: A 403 has several causes, and only its message tells them apart (Exotel's own advice is to
#: rely on the status, not the message): the hint for each cause a message names, else the
#: general 403 hint above.
HINTS_403: tuple[tuple[str, str], ...] = (
    ("balance", "Top up the account: an SMS on an empty balance gets 403."),
    ("suspended|not active|validity", "Contact Exotel support to check the account's status."),
    (
        "allowlist|whitelist|ip address|requests from",
        "Send from an allowlisted address, or add it.",
    ),
    ("permission", "Use a key with this API's permission, or give it to this key."),
)


def hint_for(status: int, message: str = "") -> str:
    """What to check for ``status``; for a 403, for the cause its ``message`` names.

    >>> hint_for(403, "Insufficient balance to send the SMS")
    'Top up the account: an SMS on an empty balance gets 403.'
    """
    if status == 403:
        for words, hint in HINTS_403:
            if re.search(words, message, re.IGNORECASE):
                return hint
    return HINTS.get(status, "See Exotel's error code dictionary.")


class ExotelError(Exception):
    """Base of every error the helpers raise.

    >>> try:
    ...     raise NotFoundError("no such call", status=404)
    ... except ExotelError as exc:
    ...     print(type(exc).__name__)
    NotFoundError
    """


class ConfigurationError(ExotelError, ValueError):
    """Something to fix in configuration before a request can be sent.

    Also a :class:`ValueError`, so code that validates input the usual way catches it.
    """


class MissingCredentialsError(ConfigurationError):
    """One or more EXOTEL_* variables are not set; ``missing`` lists them all."""

    def __init__(self, missing: list[str], problems: list[str] | None = None):
        self.missing = list(missing)
        self.problems = list(problems or [])
        parts = []
        if self.missing:
            parts.append(f"Missing Exotel credentials: {', '.join(self.missing)} not set.")
        parts.extend(self.problems)
        parts.append(
            "Set them in your environment (export EXOTEL_API_KEY=...); the values are in the "
            "Exotel Dashboard under Settings > API Settings. Never hard-code them."
        )
        super().__init__(" ".join(parts))


class SecretFileError(ConfigurationError):
    """The token file named by ``EXOTEL_API_TOKEN_FILE`` is missing, unreadable or empty, or
    the token is also set in ``EXOTEL_API_TOKEN``."""


class UnknownRegionError(ConfigurationError):
    """The region or subdomain is not one of Exotel's data centres."""


class InsecureTransportError(ConfigurationError):
    """Plain HTTP to a non-loopback host, or credentials embedded in a URL."""


class APIError(ExotelError):
    """The API answered with an error status.

    Carries the HTTP ``status``, Exotel's ``message`` (from v1's RestException body or v2's
    envelope), its ``code`` if the body has one (v2's numeric error code such as 1010, or the
    ``Code`` string some v1 answers add), the raw ``body``, the response ``headers`` and a
    ``hint`` of what to check, from Exotel's own tables.

    >>> try:
    ...     raise AuthenticationError("Authentication failed", status=401)
    ... except APIError as exc:
    ...     print(exc.status, exc.hint)
    401 Verify your API Key and API Token are correct (and that you are calling your account's regional endpoint).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        body: Any = None,
        headers: httpx.Headers | None = None,
        method: str | None = None,
        url: str | None = None,
        code: int | str | None = None,
    ):
        self.message = message
        self.code = code
        self.status = status
        self.body = body
        self.headers = headers or httpx.Headers()
        self.method = method
        self.url = url
        self.hint = hint_for(status, message)
        super().__init__(f"{status} {message} -- {self.hint}")


class BadRequestError(APIError):
    """400: the request was malformed (a required field missing, say)."""


class AuthenticationError(APIError):
    """401: invalid or missing credentials, or the wrong regional endpoint.

    >>> try:
    ...     raise AuthenticationError("Authentication failed", status=401)
    ... except AuthenticationError as exc:
    ...     print(exc.hint.split(" (")[0])
    Verify your API Key and API Token are correct
    """


class PaymentRequiredError(APIError):
    """402: the action is not on your plan, a usage limit is used up, or the balance is too low.

    Retrying does not help until someone tops up the account or changes the plan.
    """


class PermissionDeniedError(APIError):
    """403: credentials valid, access denied: a suspended account, the IP allowlist, the key's
    permissions, or (for an SMS) an empty balance. Only the message tells them apart, so the
    ``hint`` is chosen from it (:data:`HINTS_403`)."""


class NotFoundError(APIError):
    """404: unknown Account SID or resource path."""


class ConflictError(APIError):
    """409: the resource is in a state that forbids the action (v2: the agent's device is off,
    unverified, or busy on another call). Retry once the state has changed, not at once."""


class RateLimitError(APIError):
    """429: over the per-account limit; ``retry_after`` is the server's hint in seconds, if any."""

    @property
    def retry_after(self) -> str | None:
        return self.headers.get("retry-after")


class ServerError(APIError):
    """5xx: the service failed; the request may or may not have been processed."""


class NetworkError(ExotelError):
    """No HTTP answer at all: DNS failure, refused connection, TLS failure or timeout.

    ``request_sent`` is False when the connection was not made (the request cannot have
    reached Exotel, so even a POST is safe to send again).
    """

    def __init__(self, message: str, *, request_sent: bool = True):
        self.request_sent = request_sent
        super().__init__(message)


class RetriesExhaustedError(ExotelError):
    """Retried as far as the policy allows. ``last_error`` is the final failure.

    >>> try:
    ...     raise RetriesExhaustedError("gave up", attempts=5, waited=31.0, last_error=None)
    ... except ExotelError as exc:
    ...     print(exc.attempts, exc.waited)
    5 31.0
    """

    def __init__(self, message: str, *, attempts: int, waited: float, last_error: Exception | None):
        self.attempts = attempts
        self.waited = waited
        self.last_error = last_error
        super().__init__(message)


class RotationError(ExotelError):
    """A rotation stopped before deleting anything, because verification failed."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def error_from_response(response: httpx.Response) -> APIError:
    """Map an error response to its typed exception, reading Exotel's RestException body."""
    status = response.status_code
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else APIError)
    body: Any
    try:
        body = response.json()
    except ValueError:
        body = response.text
    message, code = _error_detail(body)
    message = message or response.reason_phrase or "Error"
    if response.is_redirect:
        message = (
            f"unexpected redirect to {response.headers.get('location', '(no Location)')}; "
            "the client does not follow redirects, so credentials never travel to another host"
        )
    return cls(
        message,
        status=status,
        body=body,
        headers=response.headers,
        method=response.request.method,
        url=str(response.request.url.copy_with(username=None, password=None)),
        code=code,
    )


def _error_detail(body: Any) -> tuple[str | None, int | str | None]:
    """(message, code) from v1's ``RestException``, v2's envelope, or a text body."""
    if isinstance(body, dict):
        exc = body.get("RestException")
        if isinstance(exc, dict):
            message = str(exc["Message"]) if exc.get("Message") else None
            return message, exc.get("Code")
        inner = body.get("response")
        detail = inner.get("error_data") if isinstance(inner, dict) else None
        if isinstance(detail, dict):
            message = detail.get("message") or detail.get("description")
            return (str(message) if message else None), detail.get("code")
    if isinstance(body, str) and body.strip():
        return body.strip()[:200], None
    return None, None
