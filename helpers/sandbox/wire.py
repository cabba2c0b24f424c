"""The sandbox's view of one HTTP exchange, independent of any web framework."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

#: Every sandbox answer carries this header, so no reader mistakes it for Exotel's.
SANDBOX_HEADER = "X-Handbook-Source"
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
    json: Any = None  # a JSON body (v2 requests), parsed; None if absent or not JSON
    content_type: str = ""  # the Content-Type header, if any
    body_error: str | None = None  # why the body cannot be read (a 400 once the caller is known)


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


def rest_exception(
    status: int, message: str, *, code: int | str | None = None, **headers: str
) -> SandboxResponse:
    """The v1 error body :exotel:`guide.error-body`, with a ``Code`` when there is one
    :exotel:`rate-limiting.code`."""
    body: dict[str, Any] = {"Status": status, "Message": message}
    if code is not None:
        body["Code"] = code
    return SandboxResponse(status, {"RestException": body}, headers)


#: v2's numeric error codes, from Exotel's Error Code Dictionary, for statuses that have one
#: code whatever the cause (409 has several: 1012, 10705, 10706; the sandbox names its own).
V2_ERROR_CODES: dict[int, int] = {401: 1010}


def v2_error(answer: SandboxResponse, method: str, request_id: str) -> SandboxResponse:
    """The same error in v2's envelope: ``request_id``, ``method``, ``http_code``, and a
    ``response`` whose ``error_data`` has the numeric ``code`` and a ``description``."""
    exc = answer.body.get("RestException", {}) if isinstance(answer.body, dict) else {}
    code = exc.get("Code")
    if not isinstance(code, int):
        code = V2_ERROR_CODES.get(answer.status)
    body = {
        "request_id": request_id,
        "method": method,
        "http_code": answer.status,
        "response": {
            "code": answer.status,
            "status": "failure",
            "data": None,
            "error_data": {"code": code, "description": exc.get("Message", "")},
        },
    }
    return SandboxResponse(answer.status, body, answer.headers)
