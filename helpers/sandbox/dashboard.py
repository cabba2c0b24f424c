"""The sandbox's stand-in for Exotel's dashboard pages where an administrator manages API keys.

At Exotel these are clicks in the dashboard :exotel:`faq.regenerate-steps`, and the
account-level IP allowlist is either a request to the account manager
:exotel:`faq.allowlist-account-manager` or a dashboard setting :exotel:`ip-whitelisting.plans`;
none is an API endpoint. The sandbox offers them as Python calls on
``sandbox.dashboard``, and on its loopback server under ``/_sandbox/admin/`` (see :mod:`.admin`).

>>> from helpers.sandbox import Sandbox
>>> dashboard = Sandbox().dashboard
>>> reporting = dashboard.create_key("reporting", permissions=["calls:read"])
>>> dashboard.key(reporting).label
'reporting'
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import datetime
from decimal import Decimal

from ..clock import Clock
from ..credentials import Credentials, mask
from . import inputs
from .accounts import Account
from .api_allowlist import describe as describe_allowlist
from .api_allowlist import parse_networks
from .errors import UnknownKeyError
from .keys import (
    ALL_PERMISSIONS,
    ApiKey,
    RegenerateRule,
    check_permissions,
    describe_permissions,
)
from .resources import SidFactory

KeyRef = str | Credentials | ApiKey


class Dashboard:
    """API key management for one account: create, limit, regenerate and delete keys.

    ``rule`` is what Regenerate does to the old token: :attr:`RegenerateRule.IMMEDIATE` by
    default :exotel:`faq.regenerate-immediate`, or :attr:`RegenerateRule.GRACE_48H`
    :exotel:`blog.regenerate-48h`. Keys and
    tokens come from a counter, so a chapter gets the same ones on every run.
    """

    def __init__(
        self,
        account: Account,
        clock: Clock,
        *,
        rule: RegenerateRule = RegenerateRule.IMMEDIATE,
        lock: AbstractContextManager | None = None,
        salt: str | None = None,
    ):
        self.account = account
        self.clock = clock
        self.rule = rule
        self._lock = lock or threading.Lock()
        self._secrets = SidFactory(f"{salt or account.sid}:api-keys")

    # -- reading ------------------------------------------------------------------------------

    def keys(self) -> list[ApiKey]:
        return list(self.account.keys.values())

    def key(self, ref: KeyRef) -> ApiKey:
        """The key named by its API key, by Credentials that use it, or the ApiKey itself."""
        name = _name(ref)
        try:
            return self.account.keys[name]
        except KeyError:
            raise UnknownKeyError(
                f"No API key {mask(name)} in account {self.account.sid}: it was never created "
                f"here or has been deleted. Its keys: {self._labels()}."
            ) from None

    #: The columns of :meth:`key_rows`.
    KEY_COLUMNS = ("label", "key", "permissions", "IP allowlist", "old token works until")

    def key_rows(self) -> list[tuple[str, str, str, str, str]]:
        """One row per key, under :attr:`KEY_COLUMNS` (no tokens: the sandbox keeps digests)."""
        now = self.clock.now()
        rows = []
        for key in self.keys():
            expires = key.old_token_expires(now)
            rows.append(
                (
                    key.label,
                    key.masked,
                    describe_permissions(key.permissions),
                    describe_allowlist(key.allowlist),
                    expires.strftime("%Y-%m-%d %H:%M") if expires else "-",
                )
            )
        return rows

    def account_allowlist(self) -> str:
        """The account-level IP allowlist, in words (``any`` when there is none)."""
        return describe_allowlist(self.account.allowlist)

    def table(self) -> str:
        """The account's keys as a small text table (no tokens: the sandbox keeps only digests)."""
        rows = [self.KEY_COLUMNS, *self.key_rows()]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
        return "\n".join([*lines, f"account IP allowlist: {self.account_allowlist()}"])

    # -- changing -----------------------------------------------------------------------------

    def create_key(
        self,
        label: str,
        *,
        permissions: Iterable[str] | None = None,
        allow: Iterable[str] | None = None,
        like: KeyRef | None = None,
    ) -> Credentials:
        """A new key and token. It may call every API from anywhere until limited :exotel:`blog.permissions`;
        ``like`` copies another key's permissions and allowlist. The token is shown only here."""
        if not label.strip():
            raise ValueError(
                "Give the key a label that says what uses it, e.g. 'billing (production)'."
            )
        template = self.key(like) if like is not None else None
        if permissions is not None:
            chosen = check_permissions(permissions)
        else:
            chosen = template.permissions if template else ALL_PERMISSIONS
        if allow is not None:
            networks = parse_networks(allow)
        else:
            networks = template.allowlist if template else ()
        with self._lock:
            key, token = self._secrets("key"), self._secrets("token")
            self.account.keys[key] = ApiKey.issue(
                key, token, label=label.strip(), permissions=chosen, allowlist=networks
            )
        return self._credentials(key, token)

    def set_permissions(self, ref: KeyRef, permissions: Iterable[str]) -> None:
        """Limit the key to these APIs (names in :data:`~.keys.PERMISSIONS`)."""
        chosen = check_permissions(permissions)
        with self._lock:
            self.key(ref).permissions = chosen

    def restrict_ips(self, ref: KeyRef, allow: Iterable[str]) -> None:
        """Accept this key only from these addresses or CIDR ranges; an empty list lifts it."""
        networks = parse_networks(allow)
        with self._lock:
            self.key(ref).allowlist = networks

    def allow_only(self, allow: Iterable[str]) -> None:
        """The account-level allowlist (at Exotel, set up by the account manager)."""
        networks = parse_networks(allow)
        with self._lock:
            self.account.allowlist = networks

    def suspend_account(self) -> None:
        """Suspend the account: every request then answers 403 :exotel:`error-codes.403`."""
        with self._lock:
            self.account.suspended = True

    def reactivate_account(self) -> None:
        with self._lock:
            self.account.suspended = False

    def set_balance(self, amount: Decimal | str | int) -> None:
        """The account's balance; at zero or below, calls and SMS answer 402. A ValueError
        for anything but an amount such as 0 or 500.00 (:func:`~helpers.sandbox.inputs.amount`)."""
        value = inputs.amount(amount)
        with self._lock:
            self.account.balance = value

    def regenerate_token(self, ref: KeyRef, rule: RegenerateRule | None = None) -> Credentials:
        """A new token for the key. Under ``rule`` (default: this dashboard's) the old token
        stops working at once, or 48 hours from now on the sandbox's clock."""
        rule = rule or self.rule
        with self._lock:
            key = self.key(ref)
            token = self._secrets("token")
            key.replace_token(token, self.clock.now(), rule)
        return self._credentials(key.key, token)

    def delete_old_token(self, ref: KeyRef) -> None:
        """End the 48-hour grace period now (the 2019 post's "delete" option)."""
        with self._lock:
            key = self.key(ref)
            if key.old_token_expires(self.clock.now()) is None:
                raise ValueError(f"API key {key.masked} has no old token still working.")
            key.old_tokens = []

    def delete_key(self, ref: KeyRef) -> None:
        """Delete the key and every token it has; the default key too."""
        with self._lock:
            key = self.key(ref)
            del self.account.keys[key.key]

    def old_token_expires(self, ref: KeyRef) -> datetime | None:
        return self.key(ref).old_token_expires(self.clock.now())

    # -- helpers ------------------------------------------------------------------------------

    def _credentials(self, key: str, token: str) -> Credentials:
        return Credentials(key, token, self.account.sid, self.account.region)

    def _labels(self) -> str:
        return ", ".join(f"{k.label} ({k.masked})" for k in self.keys()) or "none"


def _name(ref: KeyRef) -> str:
    if isinstance(ref, Credentials):
        return ref.api_key
    if isinstance(ref, ApiKey):
        return ref.key
    return ref
