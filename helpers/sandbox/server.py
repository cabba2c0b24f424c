"""The sandbox on a loopback socket (Starlette on uvicorn), for curl and workshop exercises.

Besides the API paths it serves ``/_sandbox/admin/``, the dashboard's key management (not an
Exotel API; see :mod:`.admin`)."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..regions import Region
from .admin import admin_routes
from .core import Sandbox
from .wire import SandboxRequest

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


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


def local_port(request: Request) -> int | None:
    """The port of this machine the request arrived on (None on a Unix socket)."""
    server = request.scope.get("server")
    return server[1] if server else None


def create_app(
    sandbox: Sandbox, region: Region, regions_by_port: Mapping[int, Region] | None = None
) -> Starlette:
    """A thin ASGI layer: every request is handed to ``sandbox`` as addressed to ``region``'s host,
    or, when it arrives on a port ``regions_by_port`` names, to that port's region's host (one
    server can then play both data centres, so calling the wrong one is a curl away)."""

    async def handle(request: Request) -> Response:
        form = {}
        if request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        answer = sandbox.handle(
            SandboxRequest(
                method=request.method,
                host=(regions_by_port or {}).get(local_port(request), region).subdomain,
                path=request.url.path,
                query=dict(request.query_params),
                form=form,
                authorization=request.headers.get("authorization"),
                client_ip=request.client.host if request.client else "127.0.0.1",
            )
        )
        body, headers = answer.encoded()
        return Response(body, status_code=answer.status, headers=headers)

    return Starlette(
        routes=[*admin_routes(sandbox), Route("/{path:path}", handle, methods=METHODS)],
        middleware=[Middleware(TrailingNewline)],
    )
