"""A PostgreSQL connection kept honest: one the server has closed is noticed before it is used,
and no call waits on the server past its deadline."""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import time


def closed_by_server(db) -> bool:
    """True if the server has closed this idle connection or said why it will (readable, when
    an idle connection has nothing to read): it cannot serve another query."""
    try:
        poller = select.poll()
        poller.register(db.fileno(), select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError, Exception):  # no socket at all: as closed
        return True


class Watchdog:
    """Shuts the socket of a connection whose call has run past ``timeout`` seconds, so the
    blocked call raises instead of waiting on a server that will never answer."""

    def __init__(self, timeout: float):
        self.timeout = timeout
        self._lock = threading.Lock()
        self._calls: dict[int, tuple[float, object]] = {}
        self._fired: set[int] = set()
        self._thread: threading.Thread | None = None

    @contextlib.contextmanager
    def guard(self, db):
        key = id(db)
        with self._lock:
            self._calls[key] = (time.monotonic() + self.timeout, db)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._watch, name="webhook-store-watchdog", daemon=True
                )
                self._thread.start()
        try:
            yield
        except Exception as exc:
            if key in self._fired:
                raise TimeoutError(
                    f"the database did not answer within {self.timeout:g} s"
                ) from exc
            raise
        finally:
            with self._lock:
                self._calls.pop(key, None)
                self._fired.discard(key)

    def _watch(self) -> None:
        while True:
            time.sleep(min(0.25, self.timeout / 4))
            now = time.monotonic()
            with self._lock:
                late = [(k, db) for k, (end, db) in self._calls.items() if end < now]
                for key, _ in late:
                    del self._calls[key]
                    self._fired.add(key)
            for _, db in late:
                _shut(db)


def _shut(db) -> None:
    """Shut the connection's socket down under it (a duplicate of its descriptor, so libpq's own
    stays valid until psycopg closes it)."""
    try:
        with socket.socket(fileno=os.dup(db.fileno())) as sock:
            sock.shutdown(socket.SHUT_RDWR)
    except (OSError, ValueError, Exception):  # already closed: nothing to shut
        pass
