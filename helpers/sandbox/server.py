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
from .wire import SandboxRequest

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def create_app(sandbox: Sandbox, region: Region) -> Starlette:
    """A thin ASGI layer: every request is handed to ``sandbox`` as addressed to ``region``'s host."""

    async def handle(request: Request) -> Response:
        form = {}
        if request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        answer = sandbox.handle(
            SandboxRequest(
                method=request.method,
                host=region.subdomain,
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
        routes=[*admin_routes(sandbox), Route("/{path:path}", handle, methods=METHODS)]
    )
