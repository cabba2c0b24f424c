"""Removing secrets from anything that will be written down: cassettes, error messages, logs."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

from ..credentials import Credentials

#: What a live Account SID becomes in a cassette: the sandbox's demo SID, so playback matches.
SID_PLACEHOLDER = "handbookdemo"
REDACTED = "REDACTED"
USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


@dataclass(frozen=True)
class Redactor:
    """Replaces each secret and its Basic-auth encodings, and the Account SID, in text."""

    secrets: tuple[str, ...] = ()
    account_sid: str | None = None

    @classmethod
    def for_credentials(cls, credentials: Iterable[Credentials]) -> Redactor:
        creds = list(credentials)
        secrets: set[str] = set()
        for c in creds:
            secrets |= {c.api_key, c.api_token, basic_value(c.api_key, c.api_token)}
            secrets.add(basic_value(c.account_sid, c.api_token))
            # As they appear in a form body or query string, if the token has +, / or =.
            secrets |= {quote(c.api_token, safe=""), quote_plus(c.api_token, safe="")}
        sids = {c.account_sid for c in creds}
        # The SID is not secret, but a live one is replaced so cassettes are the same for everyone.
        sid = next(iter(sids)) if len(sids) == 1 else None
        return cls(tuple(sorted((s for s in secrets if s), key=len, reverse=True)), sid)

    def text(self, value: str) -> str:
        value = USERINFO.sub("", value)
        for secret in self.secrets:
            value = value.replace(secret, REDACTED)
        if self.account_sid and self.account_sid != SID_PLACEHOLDER:
            value = re.sub(
                rf"(?<![\w.-]){re.escape(self.account_sid)}(?![\w.-])", SID_PLACEHOLDER, value
            )
        return value

    def data(self, value: bytes | str) -> bytes | str:
        if isinstance(value, bytes):
            try:
                return self.text(value.decode()).encode()
            except UnicodeDecodeError:
                return value
        return self.text(value)


def basic_value(username: str, password: str) -> str:
    """The base64 part of ``Authorization: Basic ...`` for this pair."""
    return base64.b64encode(f"{username}:{password}".encode()).decode()


def strip_userinfo(url: str) -> str:
    """``https://key:token@host/path`` -> ``https://host/path``."""
    return USERINFO.sub("", url)
