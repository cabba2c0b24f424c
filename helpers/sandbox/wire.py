"""The sandbox's view of one HTTP exchange, independent of any web framework."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..client import SANDBOX_HEADER

SANDBOX_NOTICE = "sandbox (not the live Exotel API)"


@dataclass(frozen=True)
class SandboxRequest:
    method: str
    host: str  # the API host the request was addressed to, e.g. api.exotel.com
    path: str
    query: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    authorization: str | None = None  # the Authorization header, if any
    userinfo: tuple[str, str] | None = None  # user:password from the URL, if any
    client_ip: str = "127.0.0.1"


@dataclass(frozen=True)
class SandboxResponse:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        """The JSON body and headers, with the marker saying this came from the sandbox."""
        headers = {
            "Content-Type": "application/json",
            SANDBOX_HEADER: SANDBOX_NOTICE,
            **self.headers,
        }
        return json.dumps(self.body, indent=None, separators=(",", ":")).encode(), headers


def rest_exception(status: int, message: str, **headers: str) -> SandboxResponse:
    """Exotel's error body: ``{"RestException": {"Status": ..., "Message": ...}}``."""
    return SandboxResponse(
        status, {"RestException": {"Status": status, "Message": message}}, headers
    )
