"""The sandbox on a loopback socket (Starlette on uvicorn), for curl and workshop exercises.

Besides the API paths it serves ``/_sandbox/admin/``, the dashboard's key management (not an
Exotel API; see :mod:`.admin`).

What a page in the reader's browser must not be able to do with it:

- **Admin paths** answer only requests addressed to a loopback ``Host`` (a DNS-rebinding page
  sends its own name) and carrying no foreign ``Origin`` or ``Sec-Fetch-Site`` (a cross-site
  form or fetch), and never the sandbox's own callbacks; anything else is 403
  (:mod:`~helpers.sandbox.guard`).
- **API paths** check the host, the credentials and the IP allowlists before the body is read
  (:meth:`Sandbox.gate <helpers.sandbox.core.Sandbox.gate>`); a body is read only up to
  its size, field and time limits (:mod:`~helpers.sandbox.bodies`), a JSON body only to a
  bounded depth, and every refusal is a ``RestException``.
- The client address is the TCP peer: the sandbox's serving (:mod:`~helpers.sandbox.serving`) turns uvicorn's
  ``X-Forwarded-For`` handling off, so a header cannot pass a key's IP allowlist; it also
  bounds how long a client may take over its headers and how many connections it holds.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..regions import Region
from .admin import AnyMethod, admin_routes
from .bodies import Refused, read_body, read_form
from .core import Sandbox
from .guard import AdminGuard
from .inputs import json_body
from .wire import SandboxRequest, SandboxResponse, rest_exception

log = logging.getLogger("helpers.sandbox")


def respond(answer: SandboxResponse, *, close: bool = False) -> Response:
    body, headers = answer.encoded()
    if close:  # a refused body is not read: nothing more comes from this connection
        headers = {**headers, "Connection": "close"}
    return Response(body, status_code=answer.status, headers=headers)


def refused(refusal: Refused) -> Response:
    return respond(rest_exception(refusal.status, refusal.message), close=True)


class TrailingNewline:
    """ASGI middleware: JSON bodies end with a newline, so curl's output does not run into the
    shell prompt. Only on this socket layer: the in-process transport, which the cassettes record,
    sends the body exactly as ``SandboxResponse.encoded()`` makes it."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        json = False

        async def send_with_newline(message: Message) -> None:
            nonlocal json
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                json = any(
                    k.lower() == b"content-type" and v.startswith(b"application/json")
                    for k, v in headers
                )
                if json:
                    message = {
                        **message,
                        "headers": [
                            (k, str(int(v) + 1).encode() if k.lower() == b"content-length" else v)
                            for k, v in headers
                        ],
                    }
            elif message["type"] == "http.response.body" and json:
                if not message.get("more_body", False):
                    message = {**message, "body": message.get("body", b"") + b"\n"}
            await send(message)

        await self.app(scope, receive, send_with_newline)


def served_host(region: Region, path: str) -> str:
    """The host a request to ``path`` plays: Voice v2 (CCM)'s for ``/v2/``, else v1's."""
    return region.ccm_subdomain if path.startswith("/v2/") else region.subdomain


def local_port(request: Request) -> int | None:
    """The port of this machine the request arrived on (None on a Unix socket)."""
    server = request.scope.get("server")
    return server[1] if server else None


def create_app(
    sandbox: Sandbox, region: Region, regions_by_port: Mapping[int, Region] | None = None
) -> Starlette:
    """A thin ASGI layer: every request is handed to ``sandbox`` as addressed to ``region``'s host
    (v2 paths to its CCM host, the rest to its v1 host), or, when it arrives on a port
    ``regions_by_port`` names, to that port's region's hosts (one server can then play both data
    centres, so calling the wrong one is a curl away). Those ports are the sandbox's own: its
    callbacks are never sent to them."""

    async def handle(request: Request) -> Response:
        addressed = SandboxRequest(
            method=request.method,
            host=served_host(
                (regions_by_port or {}).get(local_port(request), region), request.url.path
            ),
            path=request.url.path,
            query=dict(request.query_params),
            authorization=request.headers.get("authorization"),
            client_ip=request.client.host if request.client else "127.0.0.1",
        )
        refusal = sandbox.gate(addressed)  # before the body: a stranger's form is never read
        if refusal is not None:
            return respond(refusal)
        form, body, error = {}, None, None
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):  # v2 requests
            raw = await read_body(request)
            if isinstance(raw, Refused):
                return refused(raw)
            body, error = json_body(raw)
        else:
            fields = await read_form(request)
            if isinstance(fields, Refused):
                return refused(fields)
            form = {k: v for k, v in fields.items() if isinstance(v, str)}
        answer = sandbox.handle(
            replace(addressed, form=form, json=body, content_type=content_type, body_error=error)
        )
        return respond(answer)

    async def failed(request: Request, exc: Exception) -> Response:
        """A bug, not the caller's fault: one log line, and a RestException rather than a page."""
        log.error(
            "%s %s failed: %s: %s", request.method, request.url.path[:200], type(exc).__name__, exc
        )
        message = f"The sandbox failed ({type(exc).__name__}). This is a bug in the sandbox."
        return respond(rest_exception(500, message), close=True)

    app = Starlette(
        routes=[
            *admin_routes(sandbox, frozenset(regions_by_port or ())),
            Route("/{path:path}", AnyMethod(handle)),  # the sandbox answers every method
        ],
        exception_handlers={Exception: failed},
    )
    app.add_middleware(AdminGuard)
    app.add_middleware(TrailingNewline)  # outermost: the guard's refusals end with one too
    return app
