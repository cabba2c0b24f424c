"""The sandbox on a loopback socket (Starlette on uvicorn), for curl and workshop exercises.

Besides the API paths it serves ``/_sandbox/admin/``, the dashboard's key management (not an
Exotel API; see :mod:`.admin`)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..regions import Region
from .admin import admin_routes
from .core import Sandbox
from .transport import parse_json
from .wire import SandboxRequest

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def create_app(sandbox: Sandbox, region: Region) -> Starlette:
    """A thin ASGI layer: every request is handed to ``sandbox`` as addressed to ``region``'s
    host: v2 paths to its CCM host, the rest to its v1 host."""

    async def handle(request: Request) -> Response:
        form, body = {}, None
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        elif content_type.startswith("application/json"):
            body = parse_json(await request.body())
        answer = sandbox.handle(
            SandboxRequest(
                method=request.method,
                host=region.ccm_subdomain
                if request.url.path.startswith("/v2/")
                else region.subdomain,
                path=request.url.path,
                query=dict(request.query_params),
                form=form,
                authorization=request.headers.get("authorization"),
                client_ip=request.client.host if request.client else "127.0.0.1",
                json=body,
            )
        )
        body, headers = answer.encoded()
        return Response(body, status_code=answer.status, headers=headers)

    return Starlette(
        routes=[*admin_routes(sandbox), Route("/{path:path}", handle, methods=METHODS)]
    )
