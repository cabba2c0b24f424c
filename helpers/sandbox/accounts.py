"""Sandbox accounts: who may call, with which key and token, on which regional host."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..credentials import KEY_VAR, SID_VAR, TOKEN_VAR, Credentials, region_from_env
from ..regions import Region

# Documented, sandbox-only defaults (README, chapter 1); they open nothing at Exotel.
DEMO_ACCOUNT_SID = "handbookdemo"
DEMO_API_KEY = "sandbox-demo-key"  # pragma: allowlist secret
DEMO_API_TOKEN = "sandbox-demo-token"  # pragma: allowlist secret


@dataclass
class Account:
    """One account in one data centre, with its API key/token pairs."""

    sid: str
    region: Region
    keys: dict[str, str] = field(default_factory=dict)  # API key -> token
    #: Account-level IP allowlist (FAQ: "API requests from non-allowed IPs receive a 403").
    #: Empty means every address is allowed.
    allowlist: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    def allow_only(self, cidrs: Iterable[str]) -> None:
        """Restrict API access to these addresses or CIDR ranges; an empty list lifts the limit."""
        try:
            self.allowlist = tuple(ipaddress.ip_network(c.strip(), strict=False) for c in cidrs)
        except ValueError as exc:
            raise ValueError(f"Not an IP address or CIDR range: {exc}") from None

    def allows(self, address: str) -> bool:
        if not self.allowlist:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.allowlist)

    def accepts(self, username: str, password: str) -> bool:
        """An API key and its token, or the original pair: the Account SID and a current token."""
        if username in self.keys:
            return self.keys[username] == password
        return username == self.sid and password in self.keys.values()


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
    return Account(credentials.account_sid, credentials.region, {credentials.api_key: credentials.api_token})
