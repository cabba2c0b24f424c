"""Serving the receiver on uvicorn without letting slow clients shut everyone out.

A client that opens a connection and sends half a header, then waits, costs the attacker
nothing and the server one open file. uvicorn has no header timeout of its own, and its
``limit_concurrency`` answers 503 to whoever comes *next* (the caller you wanted) while the slow
connections stay. So the receiver's connections are guarded in the HTTP protocol itself, before
any request exists:

- **a header deadline**: a connection that has not completed a request's headers within
  ``header_timeout`` seconds of opening (or of its previous answer) is closed; one from an
  address the allowlist does not admit gets ``stranger_timeout`` (1 s) instead;
- **a connection cap** below the process's open-file limit: when a new connection would pass
  ``max_connections``, the connection that has waited longest for its headers is shed,
  strangers first. A new caller always gets in; an attacker's connections make room for it;
- **a body deadline** (408) and the size limit (413) in the app, and every refusal closes the
  connection, so a refused body is never read;
- the source-address check stays in the app's first middleware (403, before the body), because
  the allowlist may judge the client a trusted proxy names in ``X-Forwarded-For``, which only the
  headers tell.

:func:`serve` runs an app this way; ``python -m helpers.webhooks`` uses it.
"""

from __future__ import annotations

import logging
import resource
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("helpers.webhooks")

#: Seconds a connection may take to send a request's headers.
DEFAULT_HEADER_TIMEOUT = 5.0
#: The same, for a peer the allowlist does not admit (its request only earns a 403).
STRANGER_TIMEOUT = 1.0
#: Largest request head (request line and headers) h11 buffers; an Exotel callback's is < 1 KB.
MAX_HEAD = 16 * 1024
#: Open files kept free for the store, logs and the listening socket.
SPARE_FILES = 32


def open_file_limit() -> int:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return 65536 if soft == resource.RLIM_INFINITY else soft


def accept_backlog(open_files: int | None = None) -> int:
    """The listen backlog, which is also how many connections asyncio accepts in one go.

    uvicorn's default (2,048) lets one burst of connections take every open file before a single
    ``connection_made`` can shed one; asyncio then stops accepting for a second at a time.
    """
    return max(8, min(128, (open_files or open_file_limit()) // 8))


def default_max_connections(open_files: int | None = None) -> int:
    """Connections to hold at most: the open-file limit less spare files and less what accept
    bursts may open before the shedding runs (three backlogs), at most 1,000."""
    files = open_files or open_file_limit()
    return max(8, min(1000, files - SPARE_FILES - 3 * accept_backlog(files)))


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a header deadline and a cap that sheds the slowest.

    Configure a subclass with :func:`guarded_protocol`; uvicorn makes one per connection.
    """

    admits: Callable[[str | None], bool] = staticmethod(lambda peer: True)
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    stranger_timeout: float = STRANGER_TIMEOUT
    max_connections: int = 1000

    _header_timer: Any = None
    _waiting_since: float = 0.0
    _stranger: bool = False

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._stranger = not self.admits(self.client[0] if self.client else None)
        self._wait_for_headers()
        if len(self.connections) > self.max_connections:
            self._shed()

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_arrived()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:  # a request's headers are complete: it is now the app's
            self._headers_arrived()

    def on_response_complete(self) -> None:
        if not self.transport.is_closing():
            self._wait_for_headers()  # of the next request on this connection (keep-alive)
        super().on_response_complete()  # may start a pipelined request: handle_events disarms

    def _wait_for_headers(self) -> None:
        self._headers_arrived()
        self._waiting_since = self.loop.time()
        timeout = self.stranger_timeout if self._stranger else self.header_timeout
        self._header_timer = self.loop.call_later(timeout, self._headers_too_slow)

    def _headers_arrived(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    @property
    def waiting_for_headers(self) -> bool:
        return self._header_timer is not None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            log.debug("closing %s: no request headers in time", self.client)
            self.transport.close()

    def _shed(self) -> None:
        """Close the connection that has waited longest for its headers, strangers first."""
        waiting = [c for c in self.connections if getattr(c, "waiting_for_headers", False)]
        if not waiting:  # every connection is busy with a request: this one waits its turn
            waiting = [self]
        slowest = min(waiting, key=lambda c: (not c._stranger, c._waiting_since))
        log.debug("over %d connections: shedding %s", self.max_connections, slowest.client)
        slowest._headers_arrived()
        slowest.transport.close()


def guarded_protocol(
    admits: Callable[[str | None], bool],
    *,
    header_timeout: float = DEFAULT_HEADER_TIMEOUT,
    stranger_timeout: float = STRANGER_TIMEOUT,
    max_connections: int | None = None,
) -> type[GuardedH11Protocol]:
    """A :class:`GuardedH11Protocol` for uvicorn's ``http=`` with these limits."""
    return type(
        "ReceiverH11Protocol",
        (GuardedH11Protocol,),
        {
            "admits": staticmethod(admits),
            "header_timeout": header_timeout,
            "stranger_timeout": min(stranger_timeout, header_timeout),
            "max_connections": max_connections or default_max_connections(),
        },
    )


def serve(
    app,
    *,
    host: str,
    port: int,
    admits: Callable[[str | None], bool],
    header_timeout: float = DEFAULT_HEADER_TIMEOUT,
    max_connections: int | None = None,
    **uvicorn_options,
) -> None:
    """Run ``app`` on uvicorn with the guards above (blocks until the server stops)."""
    import uvicorn

    max_connections = max_connections or default_max_connections()
    uvicorn.run(
        app,
        host=host,
        port=port,
        http=guarded_protocol(
            admits, header_timeout=header_timeout, max_connections=max_connections
        ),
        h11_max_incomplete_event_size=MAX_HEAD,
        timeout_keep_alive=5,  # an idle keep-alive connection is closed after 5 s
        backlog=accept_backlog(),
        # uvicorn's own cap answers 503 to whoever asks next; the shedding above keeps the
        # connections near max_connections, so this only bounds requests in flight (a backstop).
        limit_concurrency=2 * max_connections,
        proxy_headers=False,  # only --trust-proxy decides whose X-Forwarded-For counts
        log_level="warning",
        **uvicorn_options,
    )
