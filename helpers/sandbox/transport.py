"""The sandbox as an in-process httpx transport (no socket, no thread)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

import httpx

from .inputs import json_body
from .wire import SandboxRequest

if TYPE_CHECKING:
    from .core import Sandbox


def sandbox_transport(sandbox: Sandbox, client_ip: str = "127.0.0.1") -> httpx.MockTransport:
    """An ``httpx.MockTransport`` answering from ``sandbox`` (a chapter's runtime wraps it)."""

    def handle(request: httpx.Request) -> httpx.Response:
        url = request.url
        content_type = request.headers.get("content-type", "")
        form, body, error = {}, None, None
        if content_type.startswith("application/x-www-form-urlencoded"):
            form = dict(parse_qsl(request.content.decode(), keep_blank_values=True))
        elif content_type.startswith("application/json"):
            body, error = json_body(request.content)
        answer = sandbox.handle(
            SandboxRequest(
                method=request.method,
                host=url.host,
                path=url.path,
                query=dict(url.params),
                form=form,
                authorization=request.headers.get("authorization"),
                userinfo=(url.username, url.password) if url.userinfo else None,
                client_ip=client_ip,
                json=body,
                content_type=content_type,
                body_error=error,
            )
        )
        body, headers = answer.encoded()
        return httpx.Response(answer.status, content=body, headers=headers)

    return httpx.MockTransport(handle)
