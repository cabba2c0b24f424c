"""The exactly-once store: every distinct event ``(Sid, Status)`` is one row in SQLite.

Why this, and not the ``Set`` of the Express example in Exotel's Authentication & Security guide:

- **Identity.** The key is the resource's Sid *and* its Status, so a call's ``in-progress`` and
  ``completed`` updates are two events, while a retried ``completed`` is the same one.
- **Memory that survives.** The rows live in a file, so a restarted receiver still knows what
  it has seen.
- **No check-then-add.** Recording is one ``INSERT ... ON CONFLICT (sid, status) DO NOTHING``:
  SQLite's unique index decides, atomically, which of two concurrent copies is new. There is no
  moment between a check and an add for another request to slip into.
- **Durable before the 200.** :meth:`EventStore.record` returns only once the INSERT is
  committed, and the receiver answers only after that. The journal is WAL with
  ``synchronous=FULL``: a commit is on disk (fsync'd), not just handed to the operating system,
  so an acknowledged event survives a killed process and a power cut. The receiver batches
  concurrent requests into one commit (:mod:`~helpers.webhooks.batching`), so the fsync is paid
  once per batch, not once per callback.
- **Work left over is visible.** ``processed_at`` stays NULL until the handler has run, so
  events stored just before a crash are picked up after the restart.

>>> import tempfile, pathlib
>>> store = EventStore(pathlib.Path(tempfile.mkdtemp()) / "events.sqlite3")
>>> event = Event("call", "4f2a", "completed", {"CallSid": "4f2a", "Status": "completed"})
>>> store.record(event), store.record(event)
(True, False)
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from ..clock import Clock, SystemClock
from ..errors import ConfigurationError
from .payloads import Event

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,             -- 'call' or 'sms'
    sid          TEXT NOT NULL,             -- CallSid or SmsSid
    status       TEXT NOT NULL,
    payload      TEXT NOT NULL,             -- the fields as received, as JSON
    received_at  TEXT NOT NULL,
    processed_at TEXT,                      -- NULL until the handler has run
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    UNIQUE (sid, status)
);
CREATE INDEX IF NOT EXISTS events_unprocessed ON events (id) WHERE processed_at IS NULL;
"""
INSERT = (
    "INSERT INTO events (kind, sid, status, payload, received_at) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (sid, status) DO NOTHING"
)
COLUMNS = "id, kind, sid, status, payload, received_at"


class EventStore:
    """Events in a SQLite file at ``path``; safe to share between threads.

    Three connections: one for the receiver's inserts (``synchronous=FULL``: fsync'd before the
    commit returns), one for the dispatcher's "processed" marks (``synchronous=NORMAL``: in WAL
    mode that survives a killed process; the next insert's fsync takes it to disk), one for
    reads, which WAL lets run beside a write. One lock orders the writes, so they queue in
    Python and never in SQLite's sleeping busy handler.
    """

    def __init__(self, path: str | Path, *, clock: Clock | None = None, busy_timeout: float = 30.0):
        self.path = Path(path)
        self.clock = clock or SystemClock()
        self._writer = self._connect(busy_timeout, "FULL")
        self._writer.executescript(SCHEMA)
        self._marker = self._connect(busy_timeout, "NORMAL")
        self._reader = self._connect(busy_timeout, "NORMAL")
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()

    def _connect(self, busy_timeout: float, synchronous: str) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=busy_timeout
            )
            mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        except sqlite3.Error as exc:
            raise ConfigurationError(f"Cannot open the event store {self.path}: {exc}.") from None
        if mode.lower() != "wal":
            raise ConfigurationError(
                f"{self.path} cannot use SQLite's WAL journal (got {mode!r}); put the store on a "
                "local file system."
            )
        db.execute(f"PRAGMA synchronous={synchronous}")
        return db

    def __repr__(self) -> str:
        return f"EventStore({str(self.path)!r})"

    def close(self) -> None:
        with self._write_lock, self._read_lock:
            for db in (self._writer, self._marker, self._reader):
                db.close()

    # -- writing -----------------------------------------------------------------------------

    def record(self, event: Event) -> bool:
        """Store ``event`` unless its ``(sid, status)`` is already stored; True if it was new.

        Committed (and fsync'd) before this returns.
        """
        return self.record_many([event])[0]

    def record_many(self, events: Iterable[Event]) -> list[bool]:
        """Store several events in one transaction (one fsync); True for each that was new.

        A second copy of an event in the same batch is a duplicate like any other.
        """
        received = self.clock.now().isoformat(timespec="seconds")
        rows = [
            (e.kind, e.sid, e.status, json.dumps(e.fields, separators=(",", ":")), received)
            for e in events
        ]
        with self._write_lock:
            try:
                self._writer.execute("BEGIN IMMEDIATE")
                new = [self._writer.execute(INSERT, row).rowcount == 1 for row in rows]
                self._writer.execute("COMMIT")
            except BaseException:
                if self._writer.in_transaction:
                    self._writer.execute("ROLLBACK")
                raise
        return new

    def mark_processed(self, event_id: int) -> None:
        """The handler has finished with this event."""
        at = self.clock.now().isoformat(timespec="seconds")
        with self._write_lock:
            self._marker.execute(
                "UPDATE events SET processed_at = ?, attempts = attempts + 1, last_error = NULL "
                "WHERE id = ?",
                (at, event_id),
            )

    def mark_failed(self, event_id: int, error: str) -> None:
        """The handler raised ``error`` on this event; it stays unprocessed."""
        with self._write_lock:
            self._marker.execute(
                "UPDATE events SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                (error, event_id),
            )

    # -- reading -----------------------------------------------------------------------------

    def unprocessed(self, *, max_attempts: int, after: int = 0, limit: int = 100) -> list[Event]:
        """Stored events the handler has not yet finished, oldest first."""
        return self._select(
            "WHERE processed_at IS NULL AND attempts < ? AND id > ? ORDER BY id LIMIT ?",
            (max_attempts, after, limit),
        )

    def events(self) -> list[Event]:
        """Every stored event, oldest first."""
        return self._select("ORDER BY id", ())

    def counts(self) -> dict[str, int]:
        """``{"stored": ..., "processed": ..., "unprocessed": ..., "failing": ...}``."""
        with self._read_lock:
            stored, processed, failing = self._reader.execute(
                "SELECT count(*), count(processed_at), "
                "count(CASE WHEN processed_at IS NULL AND last_error IS NOT NULL THEN 1 END) "
                "FROM events"
            ).fetchone()
        return {
            "stored": stored,
            "processed": processed,
            "unprocessed": stored - processed,
            "failing": failing,
        }

    def _select(self, where: str, args: tuple) -> list[Event]:
        with self._read_lock:
            rows = self._reader.execute(f"SELECT {COLUMNS} FROM events {where}", args).fetchall()
        return [
            Event(kind, sid, status, json.loads(payload), id=id_, received_at=received_at)
            for id_, kind, sid, status, payload, received_at in rows
        ]
