"""Serving an app on uvicorn without letting slow clients shut everyone out; both servers use it.

A client that opens a connection and sends half a header, then waits, costs the attacker
nothing and the server one open file. uvicorn has no header timeout of its own, and its
``limit_concurrency`` answers 503 to whoever comes *next* (the caller you wanted) while the slow
connections stay. So connections are guarded in the HTTP protocol itself, before any request
exists:

- **a header deadline**: a connection that has not completed a request's headers within
  ``header_timeout`` seconds of opening (or of its previous answer) is closed; one from an
  address the server does not admit gets ``stranger_timeout`` instead;
- **a connection cap** below the process's open-file limit: when a new connection would pass
  ``max_connections``, the connection that has waited longest for its headers or for the rest
  of its body is shed, strangers first. A new caller always gets in; an attacker's connections
  (slow headers or slow bodies, from any address) make room for it;
- **a half-close is answered**: a client that sends its request and then shuts its side of the
  connection (``shutdown(SHUT_WR)``) still gets its answer before the connection closes;
- **logs that do not flood**: a message repeated within :data:`QUIET_SECONDS` is counted, not
  written again (:class:`OncePerInterval`).

Body deadlines and size limits are each app's own (they answer 408 and 413). This module is
shared by the sandbox (:mod:`helpers.sandbox.serving`) and the receiver
(:mod:`helpers.webhooks.serving`), which import it and never each other.
"""

from __future__ import annotations

import logging
import resource
import time
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("helpers.serving")

#: Seconds a connection may take to send a request's headers.
DEFAULT_HEADER_TIMEOUT = 5.0
#: The same, for a peer the server does not admit (its request only earns a 403).
STRANGER_TIMEOUT = 1.0
#: Largest request head (request line and headers) h11 buffers; an Exotel request's is < 1 KB.
MAX_HEAD = 16 * 1024
#: Open files kept free for the store, logs, the listening sockets and outgoing connections.
SPARE_FILES = 32
#: A log message repeated within this many seconds is counted instead of written.
QUIET_SECONDS = 10.0
#: The loggers a server's flood would come through: uvicorn's, asyncio's (accept errors).
NOISY_LOGGERS = ("uvicorn.error", "asyncio")


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

    _header_timer: Any = None  # armed at most once at a time, and not re-armed per request
    _awaiting_headers: bool = False
    _waiting_since: float = 0.0
    _stranger: bool = False
    _half_closed: bool = False

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._stranger = not self.admits(self.client[0] if self.client else None)
        self._wait_for_headers()
        if len(self.connections) > self.max_connections:
            self._shed()

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_arrived()
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        super().connection_lost(exc)

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:  # a request's headers are complete: it is now the app's
            self._headers_arrived()
            self._waiting_since = self.loop.time()  # and its body, if any, is awaited from now

    def eof_received(self) -> bool | None:
        """The client shut its side: answer a request already received in full, then close
        (returning True keeps the transport open for that answer); otherwise close now."""
        cycle = self.cycle
        if cycle is not None and not cycle.more_body and not cycle.response_complete:
            self._half_closed = True
            return True
        return None

    def on_response_complete(self) -> None:
        if self._half_closed:
            super().on_response_complete()
            self.transport.close()  # after the answer, which the transport still sends
            return
        if not self.transport.is_closing():
            self._wait_for_headers()  # of the next request on this connection (keep-alive)
        super().on_response_complete()  # may start a pipelined request: handle_events disarms

    def _wait_for_headers(self) -> None:
        """From now, the next request's headers have ``header_timeout`` seconds. The timer is
        not cancelled and armed again for every request on a keep-alive connection: one armed
        earlier is left to fire, and then looks at when the current wait began."""
        self._awaiting_headers = True
        self._waiting_since = self.loop.time()
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self._timeout, self._headers_too_slow)

    @property
    def _timeout(self) -> float:
        return self.stranger_timeout if self._stranger else self.header_timeout

    def _headers_arrived(self) -> None:
        self._awaiting_headers = False

    @property
    def waiting_for_headers(self) -> bool:
        return self._awaiting_headers

    @property
    def waiting_for_body(self) -> bool:
        """Headers in, the body not yet complete, nothing answered: as sheddable as slow headers."""
        cycle = self.cycle
        return (
            cycle is not None
            and cycle.more_body
            and not cycle.response_started
            and not cycle.disconnected
        )

    @property
    def waiting(self) -> bool:
        return self.waiting_for_headers or self.waiting_for_body

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self._awaiting_headers or self.transport.is_closing():
            return  # they came in time (the next wait arms the timer again)
        left = self._waiting_since + self._timeout - self.loop.time()
        if left > 0:  # an earlier wait's timer: this wait began later
            self._header_timer = self.loop.call_later(left, self._headers_too_slow)
            return
        log.debug("closing %s: no request headers in time", self.client)
        self.transport.close()

    def _shed(self) -> None:
        """Close the connection that has waited longest for its headers or its body, strangers
        first."""
        waiting = [c for c in self.connections if getattr(c, "waiting", False)]
        if not waiting:  # every connection is busy with a request: this one waits its turn
            waiting = [self]
        slowest = min(waiting, key=lambda c: (not c._stranger, c._waiting_since))
        log.debug("over %d connections: shedding %s", self.max_connections, slowest.client)
        slowest._headers_arrived()
        slowest.transport.close()


def guarded_protocol(
    admits: Callable[[str | None], bool] = lambda peer: True,
    *,
    header_timeout: float = DEFAULT_HEADER_TIMEOUT,
    stranger_timeout: float = STRANGER_TIMEOUT,
    max_connections: int | None = None,
    name: str = "GuardedH11Protocol",
) -> type[GuardedH11Protocol]:
    """A :class:`GuardedH11Protocol` for uvicorn's ``http=`` with these limits."""
    return type(
        name,
        (GuardedH11Protocol,),
        {
            "admits": staticmethod(admits),
            "header_timeout": header_timeout,
            "stranger_timeout": min(stranger_timeout, header_timeout),
            "max_connections": max_connections or default_max_connections(),
        },
    )


def guarded_options(
    admits: Callable[[str | None], bool] = lambda peer: True,
    *,
    header_timeout: float = DEFAULT_HEADER_TIMEOUT,
    max_connections: int | None = None,
    name: str = "GuardedH11Protocol",
) -> dict[str, Any]:
    """``uvicorn.Config`` options that run an app with the guards above."""
    max_connections = max_connections or default_max_connections()
    return {
        "http": guarded_protocol(
            admits, header_timeout=header_timeout, max_connections=max_connections, name=name
        ),
        "h11_max_incomplete_event_size": MAX_HEAD,
        "timeout_keep_alive": 5,  # an idle keep-alive connection is closed after 5 s
        "backlog": accept_backlog(),
        # uvicorn's own cap answers 503 to whoever asks next; the shedding above keeps the
        # connections near max_connections, so this only bounds requests in flight (a backstop).
        "limit_concurrency": 2 * max_connections,
        "proxy_headers": False,  # the TCP peer is the client unless the app decides otherwise
        "log_level": "warning",
    }


class OncePerInterval(logging.Filter):
    """Lets a message through once per ``seconds``; the repeats in between are counted, and the
    next one that passes says how many there were (without their tracebacks)."""

    def __init__(self, seconds: float = QUIET_SECONDS, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.seconds = seconds
        self.clock = clock
        self._last: dict[tuple[str, str], float] = {}
        self._held: dict[tuple[str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg)[:200])
        now = self.clock()
        if now - self._last.get(key, -self.seconds) < self.seconds:
            self._held[key] = self._held.get(key, 0) + 1
            return False
        if len(self._last) > 1000:  # many different messages: start counting afresh
            self._last.clear()
            self._held.clear()
        self._last[key] = now
        held = self._held.pop(key, 0)
        if held:
            record.msg = f"{record.msg} ({held} more like it in the last {self.seconds:g} s)"
            record.exc_info = record.exc_text = None
        return True


def quiet_logs(names: tuple[str, ...] = NOISY_LOGGERS, seconds: float = QUIET_SECONDS) -> None:
    """Put one :class:`OncePerInterval` on each of these loggers (once, however often called)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, OncePerInterval) for f in logger.filters):
            logger.addFilter(OncePerInterval(seconds))
