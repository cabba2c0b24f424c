"""Sandbox accounts: who may call, with which key and token, on which regional host."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from ..credentials import KEY_VAR, SID_VAR, TOKEN_VAR, Credentials, region_from_env
from ..regions import Region
from .api_allowlist import Network, address_in, parse_networks
from .keys import ApiKey

# Documented, sandbox-only defaults (README, chapter 1); they open nothing at Exotel.
DEMO_ACCOUNT_SID = "handbookdemo"
DEMO_API_KEY = "sandbox-demo-key"  # pragma: allowlist secret
DEMO_API_TOKEN = "sandbox-demo-token"  # pragma: allowlist secret


@dataclass
class Account:
    """One account in one data centre, with its API keys (see :mod:`.keys`)."""

    sid: str
    region: Region
    #: API key -> ApiKey. A plain ``{"key": "token"}`` pair is accepted and becomes an ApiKey.
    keys: dict[str, ApiKey] = field(default_factory=dict)
    #: Account-level IP allowlist (FAQ: "API requests from non-allowed IPs receive a 403").
    #: Empty means every address is allowed. Each key may also have its own.
    allowlist: tuple[Network, ...] = ()
    #: A suspended account answers 403 to every request (Exotel's Error Code Dictionary:
    #: "Account suspended"). At Exotel only Exotel suspends; the sandbox's dashboard can.
    suspended: bool = False
    #: Calls and SMS need a balance above zero, else 402 (the sandbox charges nothing itself).
    balance: Decimal = Decimal("500.00")

    def __post_init__(self) -> None:
        self.keys = {
            name: key if isinstance(key, ApiKey) else ApiKey.issue(name, key)
            for name, key in self.keys.items()
        }

    def allow_only(self, cidrs: Iterable[str]) -> None:
        """Restrict API access to these addresses or CIDR ranges; an empty list lifts the limit."""
        self.allowlist = parse_networks(cidrs)

    def allows(self, address: str) -> bool:
        return address_in(address, self.allowlist)

    def key_for(self, username: str, password: str, now: datetime | None = None) -> ApiKey | None:
        """The key these credentials use: an API key and its token, or the original pair, the
        Account SID and any token of the account. Given ``now``, old tokens still in their
        grace period count too."""
        if username in self.keys:
            key = self.keys[username]
            return key if key.matches(password, now) else None
        if username == self.sid:
            return next((k for k in self.keys.values() if k.matches(password, now)), None)
        return None

    def accepts(self, username: str, password: str, now: datetime | None = None) -> bool:
        return self.key_for(username, password, now) is not None

    def refusal(self, key: ApiKey, address: str) -> str | None:
        """Why a request from ``address`` with ``key`` is refused (403), or None if it is not."""
        if not self.allows(address):
            return f"Access denied: requests from {address} are not in this account's IP allowlist."
        if not key.allows(address):
            return (
                f"Access denied: requests from {address} are not in the IP allowlist "
                f"of API key {key.masked}."
            )
        return None


def demo_credentials(env: Mapping[str, str] | None = None) -> Credentials:
    """The demo account: EXOTEL_* values where they are set, the documented defaults elsewhere."""
    env = os.environ if env is None else env
    return Credentials(
        api_key=env.get(KEY_VAR) or DEMO_API_KEY,
        api_token=env.get(TOKEN_VAR) or DEMO_API_TOKEN,
        account_sid=env.get(SID_VAR) or DEMO_ACCOUNT_SID,
        region=region_from_env(env),
    )


def demo_account(credentials: Credentials) -> Account:
    return Account(
        credentials.account_sid, credentials.region, {credentials.api_key: credentials.api_token}
    )
