"""API keys: one key/token pair of an account, with its permissions and its IP allowlist.

The 2019 post *Access Control For Exotel APIs* describes several key/token pairs per account
:exotel:`blog.several-keys`, each with access to all APIs by default and optionally restricted
to some APIs :exotel:`blog.permissions` and to some IP addresses :exotel:`blog.allowlist-per-key`,
and a Regenerate that keeps the old token working for two days :exotel:`blog.regenerate-48h`
(it can be deleted before then). The *Security & Compliance FAQs* says Regenerate invalidates
the old token at once :exotel:`faq.regenerate-immediate`. :class:`RegenerateRule` names both; the sandbox can play either.

Permission names are the sandbox's own (Exotel publishes none): see :data:`PERMISSIONS`.
Tokens are kept only as SHA-256 digests :exotel:`faq.token-hashed`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from ..credentials import mask
from ..endpoints import Endpoint, permissions, route
from ..rotation import RegenerateRule
from .api_allowlist import Network, address_in

#: The APIs a key may be allowed to call (sandbox names), and the requests each one covers:
#: the ``permission`` column of :data:`helpers.endpoints.ENDPOINTS`.
PERMISSIONS: dict[str, str] = permissions()
ALL_PERMISSIONS: frozenset[str] = frozenset(PERMISSIONS)


def permission_for(method: str, version: str, rest: str) -> str | None:
    """The permission a request needs, or None for a path the sandbox does not serve.

    >>> permission_for("POST", "v1", "Calls/connect.json")
    'calls:write'
    """
    found = route(method, version, rest)
    return found[0].permission if found else None


def check_permissions(names: Iterable[str]) -> frozenset[str]:
    """The names as a set, or a ValueError naming the unknown ones and the valid ones."""
    if isinstance(names, str):
        raise ValueError(f"Pass a list of permission names, such as [{names!r}], not one string.")
    chosen = frozenset(names)
    unknown = sorted(chosen - ALL_PERMISSIONS)
    if unknown:
        raise ValueError(
            f"Unknown permission {', '.join(map(repr, unknown))}; "
            f"the sandbox's permissions are {', '.join(sorted(ALL_PERMISSIONS))}."
        )
    return chosen


def describe_permissions(permissions: frozenset[str]) -> str:
    """``all``, ``none``, or the names in a stable order."""
    if permissions == ALL_PERMISSIONS:
        return "all"
    return " ".join(p for p in PERMISSIONS if p in permissions) or "none"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class OldToken:
    """A token replaced under the 48-hour rule, still accepted until ``expires``."""

    digest: str = field(repr=False)
    expires: datetime


@dataclass
class ApiKey:
    """One API key of an account: its current token (as a digest), permissions and allowlist."""

    key: str
    digest: str = field(repr=False)
    label: str = "default"
    permissions: frozenset[str] = ALL_PERMISSIONS
    allowlist: tuple[Network, ...] = ()
    old_tokens: list[OldToken] = field(default_factory=list, repr=False)

    @classmethod
    def issue(cls, key: str, token: str, **settings) -> ApiKey:
        """A key whose current token is ``token`` (only its digest is kept)."""
        return cls(key, token_digest(token), **settings)

    @property
    def masked(self) -> str:
        """The first characters of the key: enough to tell keys apart in a message."""
        return mask(self.key)

    def matches(self, token: str, now: datetime | None = None) -> bool:
        """The current token, or (given ``now``) an old token whose grace period has not ended."""
        digest = token_digest(token)
        if hmac.compare_digest(digest, self.digest):
            return True
        return now is not None and any(
            now < old.expires and hmac.compare_digest(digest, old.digest) for old in self.old_tokens
        )

    def replace_token(self, token: str, now: datetime, rule: RegenerateRule) -> None:
        """Make ``token`` current. IMMEDIATE drops every earlier token; GRACE_48H keeps the
        one it replaces until ``now`` + 48 hours."""
        if rule.grace:
            live = [old for old in self.old_tokens if now < old.expires]
            self.old_tokens = [*live, OldToken(self.digest, now + rule.grace)]
        else:
            self.old_tokens = []
        self.digest = token_digest(token)

    def old_token_expires(self, now: datetime) -> datetime | None:
        """When the last old token still accepted stops working, or None if there is none."""
        live = [old.expires for old in self.old_tokens if now < old.expires]
        return max(live) if live else None

    def allows(self, address: str) -> bool:
        return address_in(address, self.allowlist)

    def refusal(self, endpoint: Endpoint, rest: str) -> str | None:
        """Why this key may not make a request to ``endpoint`` (at ``rest``, the path after
        the account's base URL), or None if it may."""
        needed = endpoint.permission
        if needed in self.permissions:
            return None
        path = rest if endpoint.version == "v1" else f"/v2/accounts/<sid>/{rest}"
        return (
            f"Access denied: API key {self.masked} does not have the {needed} permission, "
            f"which {endpoint.method} {path} needs (it has: "
            f"{describe_permissions(self.permissions)})."
        )
