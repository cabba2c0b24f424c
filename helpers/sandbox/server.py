"""The sandbox on a loopback socket (Starlette on uvicorn), for curl and workshop exercises.

Besides the API paths it serves ``/_sandbox/admin/``, the dashboard's key management (not an
Exotel API; see :mod:`.admin`).

What a page in the reader's browser must not be able to do with it:

- **Admin paths** answer only requests addressed to a loopback ``Host`` (a DNS-rebinding page
  sends its own name) and carrying no foreign ``Origin`` (a cross-site form or fetch); anything
  else is 403 (:func:`~helpers.sandbox.admin.cross_site_refusal`).
- **API paths** check the host, the credentials and the IP allowlists before the body is read
  (:meth:`Sandbox.gate <helpers.sandbox.core.Sandbox.gate>`); a form is read only up to
  ``MAX_FORM_BYTES`` and ``MAX_FORM_FIELDS``, and every refusal is a ``RestException``.
- The client address is the TCP peer: ``python -m helpers.sandbox`` turns uvicorn's
  ``X-Forwarded-For`` handling off, so a header cannot pass a key's IP allowlist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..regions import Region
from .admin import ADMIN_PREFIX, admin_routes, cross_site_refusal
from .core import MAX_FORM_FIELDS, Sandbox
from .transport import parse_json
from .wire import SandboxRequest, SandboxResponse, rest_exception

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
#: Largest form body read: Exotel's requests are a few hundred bytes, an SMS Body 2,000 characters.
MAX_FORM_BYTES = 64 * 1024


async def read_body(request: Request) -> bytes | SandboxResponse:
    """The request's body, at most :data:`MAX_FORM_BYTES`; or the RestException refusing it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        return rest_exception(
            413,
            f"The body is {int(declared):,} bytes; the sandbox reads at most {MAX_FORM_BYTES:,}.",
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return rest_exception(413, f"The body is over {MAX_FORM_BYTES:,} bytes.")
    return bytes(body)


async def read_form(request: Request) -> dict[str, str] | SandboxResponse:
    """The request's form fields, bounded in size and number; or the RestException refusing it."""
    body = await read_body(request)
    if isinstance(body, SandboxResponse):
        return body
    request._body = body  # Starlette's form parser reads the cached body
    try:
        form = await request.form(
            max_files=0, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FORM_BYTES
        )
    except HTTPException as exc:  # python-multipart's complaint, e.g. no boundary
        return rest_exception(400, f"The form could not be read: {exc.detail}")
    return {k: v for k, v in form.items() if isinstance(v, str)}


def respond(answer: SandboxResponse) -> Response:
    body, headers = answer.encoded()
    return Response(body, status_code=answer.status, headers=headers)


class AdminGuard:
    """403 for admin requests with a foreign ``Origin`` or a non-loopback ``Host``."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(ADMIN_PREFIX):
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            refusal = cross_site_refusal(headers.get("host"), headers.get("origin"))
            if refusal:
                await JSONResponse({"error": refusal}, status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


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
    centres, so calling the wrong one is a curl away)."""

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
        form, body = {}, None
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(FORM_TYPES):
            form = await read_form(request)
            if isinstance(form, SandboxResponse):
                return respond(form)
        elif content_type.startswith("application/json"):  # v2 requests
            raw = await read_body(request)
            if isinstance(raw, SandboxResponse):
                return respond(raw)
            body = parse_json(raw)
        answer = sandbox.handle(replace(addressed, form=form, json=body, content_type=content_type))
        return respond(answer)

    app = Starlette(routes=[*admin_routes(sandbox), Route("/{path:path}", handle, methods=METHODS)])
    app.add_middleware(AdminGuard)
    app.add_middleware(TrailingNewline)  # outermost: the guard's refusals end with one too
    return app
