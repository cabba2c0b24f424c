"""Talk to an ASGI app in this process, with a synchronous httpx client: no socket, no port.

``local_client(app, source_ip="203.0.113.10")`` is an ``httpx.Client`` whose requests go straight
into ``app``, which sees ``source_ip`` as the connection's address. The chapter uses it to post
callbacks to the receiver (and to the port of the Express example in Exotel's Authentication & Security guide) inside the notebook, where
opening sockets is not allowed.

How: httpx's :class:`~httpx.ASGITransport` is asynchronous; a blocking portal (anyio) runs it on
an event loop in a helper thread, the way Starlette's TestClient does, so it also works inside
Jupyter, whose own loop is already running. In the in-browser lab, which has no threads, Pyodide's
``run_sync`` waits for it on the page's own loop instead.

These requests never go through a chapter's transport, so nothing records or replays them: the
receiver's local traffic is the notebook's own, not the API's.
"""

from __future__ import annotations

import contextlib

import httpx
from anyio.from_thread import start_blocking_portal

from .browser import IN_BROWSER


class LocalASGITransport(httpx.BaseTransport):
    """A synchronous httpx transport into an ASGI app, from ``source_ip``."""

    def __init__(self, app, source_ip: str = "127.0.0.1", port: int = 50000):
        # An exception in the app becomes a 500, as a server would answer, not an error here.
        self._asgi = httpx.ASGITransport(app, raise_app_exceptions=False, client=(source_ip, port))
        self._stack = contextlib.ExitStack()
        self._portal = None if IN_BROWSER else self._stack.enter_context(start_blocking_portal())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Run ``request`` through the app on the portal's event loop; return its response."""
        content = request.read()

        async def send() -> httpx.Response:
            headers = [
                (k, v)
                for k, v in request.headers.multi_items()
                if k.lower() not in ("content-length", "transfer-encoding")
            ]
            forwarded = httpx.Request(request.method, request.url, headers=headers, content=content)
            response = await self._asgi.handle_async_request(forwarded)
            body = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=body)

        if self._portal is None:
            from pyodide.ffi import run_sync  # the in-browser lab: no threads, one loop

            return run_sync(send())
        return self._portal.call(send)

    def close(self) -> None:
        """Stop the portal's event loop and its thread."""
        self._stack.close()


def local_client(
    app, source_ip: str = "127.0.0.1", base_url: str = "http://receiver.local"
) -> httpx.Client:
    """An ``httpx.Client`` into ``app`` in this process; close it (or use ``with``) when done."""
    return httpx.Client(
        transport=LocalASGITransport(app, source_ip), base_url=base_url, timeout=15.0
    )
