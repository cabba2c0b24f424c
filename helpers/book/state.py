"""The sandbox state a request is sent under, and ``chapter.staged(...)``, which sets some for a
``with`` block and puts it back after.

A recording is replayed only under the state it was made under: an answer recorded with no IP
allowlist is not shown for a request made behind one. The state is what a person sets (the
source address, the credentials, the account's allowlist, limit, balance and suspension, the
keys and their permissions, failures staged with ``fail_next``), never what merely accumulates
(the clock, the requests counted against a limit), so running a cell again replays it again.
Values that are the sandbox's defaults are left out, which keeps the recordings short.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal

import httpx

from ..sandbox import Sandbox, SlidingWindowLimit
from ..sandbox.accounts import demo_account
from .redaction import REDACTED, Redactor

DEFAULT_SOURCE = "127.0.0.1"
_OWN = f"{REDACTED}:{REDACTED}"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:12]


def _keys(keys: Iterable) -> str:
    """One digest of every key's settings: its token's digest, label, permissions, allowlist."""
    parts = []
    for key in sorted(keys, key=lambda k: k.key):
        old = [(o.digest, o.expires.isoformat()) for o in key.old_tokens]
        nets = [str(n) for n in key.allowlist]
        parts.append(repr((key.key, key.digest, key.label, sorted(key.permissions), nets, old)))
    return _digest("\n".join(parts))


def credentials_used(request: httpx.Request, redactor: Redactor) -> str | None:
    """Which credentials a request carries: None for the chapter's own, ``none`` for no
    credentials, otherwise a digest of the scrubbed pair (never the pair itself)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return "none" if not header else _digest(redactor.text(header))
    try:
        pair = base64.b64decode(value).decode()
    except ValueError:
        return _digest(redactor.text(header))
    scrubbed = redactor.text(pair)
    return None if scrubbed == _OWN else _digest(scrubbed)


def sandbox_state(
    sandbox: Sandbox, source: str, request: httpx.Request, redactor: Redactor
) -> dict:
    """The state that decides this request's answer, without the sandbox's defaults."""
    account = sandbox.account
    state: dict = {}
    if source != DEFAULT_SOURCE:
        state["from"] = source
    credentials = credentials_used(request, redactor)
    if credentials is not None:
        state["credentials"] = credentials
    if account.allowlist:
        state["allowlist"] = [str(n) for n in account.allowlist]
    if account.suspended:
        state["suspended"] = True
    if account.balance != Decimal("500.00"):
        state["balance"] = str(account.balance)
    if sandbox.rate_limit is not None:
        state["limit"] = f"{sandbox.rate_limit.limit} in {sandbox.rate_limit.window:g} s"
    staged = sandbox.pending_failures
    if staged:
        state["failing"] = staged
    keys = _keys(account.keys.values())
    if keys != _keys(demo_account(sandbox.demo).keys.values()):
        state["keys"] = keys
    return state


def differences(recorded: dict, now: dict) -> list[str]:
    """The names of the settings that differ, for a one-line message."""
    return sorted(k for k in recorded.keys() | now.keys() if recorded.get(k) != now.get(k))


@contextmanager
def staged(
    sandbox: Sandbox,
    *,
    allowlist: Iterable[str] | None = None,
    limit: int | None = None,
    window: float = 60,
    balance: Decimal | str | int | None = None,
    suspended: bool | None = None,
) -> Iterator[Sandbox]:
    """Set some of the sandbox's account settings for a ``with`` block, then put them back."""
    account = sandbox.account
    saved = (account.allowlist, sandbox.rate_limit, account.balance, account.suspended)
    try:
        if allowlist is not None:
            account.allow_only(allowlist)
        if limit is not None:
            sandbox.rate_limit = SlidingWindowLimit(limit=limit, window=window)
        if balance is not None:
            sandbox.dashboard.set_balance(balance)
        if suspended is not None:
            account.suspended = suspended
        yield sandbox
    finally:
        account.allowlist, sandbox.rate_limit, account.balance, account.suspended = saved
