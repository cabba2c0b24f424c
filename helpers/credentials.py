"""The three values every Exotel request needs, read from the environment.

Exotel's Authentication & Security guide: the API Key is the username, the API Token the password, and the Account SID
appears in every path. They live in environment variables, never in code.

>>> creds = Credentials.from_env({"EXOTEL_API_KEY": "k1234", "EXOTEL_API_TOKEN": "t",
...                               "EXOTEL_ACCOUNT_SID": "acme"})
>>> creds
Credentials(api_key='k123…', account_sid='acme', region='singapore', api_token=<hidden>)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from .errors import MissingCredentialsError, UnknownRegionError
from .regions import DEFAULT_REGION, Region, get_region

KEY_VAR = "EXOTEL_API_KEY"
TOKEN_VAR = "EXOTEL_API_TOKEN"
SID_VAR = "EXOTEL_ACCOUNT_SID"
REGION_VAR = "EXOTEL_REGION"
SUBDOMAIN_VAR = "EXOTEL_SUBDOMAIN"
REQUIRED = (KEY_VAR, TOKEN_VAR, SID_VAR)


@dataclass(frozen=True)
class Credentials:
    """An API key and token for one account; the token never appears in repr, str or logs."""

    api_key: str
    api_token: str = field(repr=False)
    account_sid: str
    region: Region = DEFAULT_REGION

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Credentials:
        """Read ``EXOTEL_API_KEY``, ``EXOTEL_API_TOKEN``, ``EXOTEL_ACCOUNT_SID`` and the region.

        Raises MissingCredentialsError naming every variable that is missing or malformed.
        """
        env = os.environ if env is None else env
        missing = [name for name in REQUIRED if not env.get(name, "").strip()]
        problems = [
            f"{name} has leading or trailing whitespace; remove it."
            for name in REQUIRED
            if name not in missing and env[name] != env[name].strip()
        ]
        if missing or problems:
            raise MissingCredentialsError(missing, problems)
        return cls(env[KEY_VAR], env[TOKEN_VAR], env[SID_VAR], region_from_env(env))

    def with_changes(self, **changes) -> Credentials:
        """A copy with some fields changed (a wrong token for a demonstration, say)."""
        return replace(self, **changes)

    def __repr__(self) -> str:
        return (
            f"Credentials(api_key={mask(self.api_key)!r}, account_sid={self.account_sid!r}, "
            f"region={self.region.name!r}, api_token=<hidden>)"
        )

    __str__ = __repr__


def region_from_env(env: Mapping[str, str]) -> Region:
    """``EXOTEL_REGION`` (name) or ``EXOTEL_SUBDOMAIN`` (host); Singapore when neither is set."""
    by_name = env.get(REGION_VAR, "").strip()
    by_host = env.get(SUBDOMAIN_VAR, "").strip()
    if not by_name and not by_host:
        return DEFAULT_REGION
    regions = {
        var: get_region(value)
        for var, value in ((REGION_VAR, by_name), (SUBDOMAIN_VAR, by_host))
        if value
    }
    if len(set(regions.values())) > 1:
        raise UnknownRegionError(
            f"{REGION_VAR}={by_name!r} and {SUBDOMAIN_VAR}={by_host!r} name different data "
            "centres; set only one of them."
        )
    return next(iter(regions.values()))


def mask(secret: str, shown: int = 4) -> str:
    """The first few characters and an ellipsis: enough to tell keys apart, not to use one."""
    return secret[:shown] + "…" if len(secret) > shown else "…"
