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
- **Claims.** ``claimed_by`` and ``claimed_until`` say which dispatcher is handling an event and
  until when (:meth:`EventStore.claim`), so several receivers on one file handle each event once.
  A store made before claims existed gains the two columns when it is opened; a table with any
  other shape is refused, by name, rather than written into.

For receivers on several machines, :mod:`~helpers.webhooks.postgres` keeps the same contract on
PostgreSQL; :func:`open_store` picks the store from what ``--store`` names.

>>> import tempfile, pathlib
>>> folder = tempfile.TemporaryDirectory()
>>> store = EventStore(pathlib.Path(folder.name) / "events.sqlite3")
>>> event = Event("call", "4f2a", "completed", {"CallSid": "4f2a", "Status": "completed"})
>>> store.record(event), store.record(event)
(True, False)
>>> store.close(); folder.cleanup()
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from ..clock import Clock, SystemClock
from ..errors import ConfigurationError
from .errors import describe
from .payloads import Event

TABLE = """
CREATE TABLE IF NOT EXISTS events (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,            -- 'call' or 'sms'
    sid           TEXT NOT NULL,            -- CallSid or SmsSid
    status        TEXT NOT NULL,
    payload       TEXT NOT NULL,            -- the fields as received, as JSON
    received_at   TEXT NOT NULL,
    processed_at  TEXT,                     -- NULL until the handler has run
    attempts      INTEGER NOT NULL DEFAULT 0, -- times handed to a handler
    last_error    TEXT,
    claimed_by    TEXT,                     -- the dispatcher handling it now, if any
    claimed_until REAL,                     -- its claim lapses then (Unix seconds)
    UNIQUE (sid, status)
)
"""
INDEX = "CREATE INDEX IF NOT EXISTS events_unprocessed ON events (id) WHERE processed_at IS NULL"
#: The columns of the table, in order; a store made before claims lacks the last two.
EXPECTED_COLUMNS = (
    "id", "kind", "sid", "status", "payload", "received_at", "processed_at", "attempts",
    "last_error", "claimed_by", "claimed_until",
)  # fmt: skip
CLAIM_COLUMNS = {"claimed_by": "TEXT", "claimed_until": "REAL"}
INSERT = (
    "INSERT INTO events (kind, sid, status, payload, received_at) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (sid, status) DO NOTHING"
)
COLUMNS = "id, kind, sid, status, payload, received_at"
#: What an event's row says when its handler never returned (its claim lapsed, unmarked).
DIED = (
    "The handler did not return: the process handling this event ended (killed, crashed or out "
    "of memory), or the handler ran past its lease."
)
#: One statement, so one transaction: the events no live claim holds become this owner's. A
#: lapsed claim (``claimed_by`` still set) means the last attempt died: that is recorded.
CLAIM = f"""
UPDATE events SET claimed_by = :owner, claimed_until = :until, attempts = attempts + 1,
    last_error = CASE WHEN claimed_by IS NULL THEN last_error ELSE :died END
WHERE id IN (
    SELECT id FROM events
    WHERE processed_at IS NULL AND attempts < :max_attempts AND id > :after
      AND (claimed_until IS NULL OR claimed_until <= :now)
    ORDER BY id LIMIT :limit
)
RETURNING {COLUMNS}
"""

#: :data:`CLAIM` that also finishes the event the owner has just handled (``:done``): marked
#: processed (``:error`` NULL) or failed, its claim ended, in the same statement, so the
#: dispatcher writes once per event, not twice. Its row is returned too; the caller drops it.
FINISH_AND_CLAIM = f"""
UPDATE events SET
    processed_at = CASE WHEN id = :done AND :error IS NULL THEN :finished_at ELSE processed_at END,
    last_error = CASE WHEN id = :done THEN :error
        WHEN claimed_by IS NULL THEN last_error ELSE :died END,
    claimed_by = CASE WHEN id = :done THEN NULL ELSE :owner END,
    claimed_until = CASE WHEN id = :done THEN NULL ELSE :until END,
    attempts = CASE WHEN id = :done THEN attempts ELSE attempts + 1 END
WHERE id = :done OR id IN (
    SELECT id FROM events
    WHERE processed_at IS NULL AND attempts < :max_attempts AND id > :after AND id <> :done
      AND (claimed_until IS NULL OR claimed_until <= :now)
    ORDER BY id LIMIT :limit
)
RETURNING {COLUMNS}
"""

#: Events whose last allowed attempt died: failing, with :data:`DIED` as their error.
GIVE_UP = """
UPDATE events SET last_error = ?, claimed_by = NULL, claimed_until = NULL
WHERE processed_at IS NULL AND attempts >= ? AND claimed_by IS NOT NULL AND claimed_until <= ?
"""
# The handler has finished with an event (a time it was processed, no error) or raised (no
# time, the error; a time already there stays); either way its claim ends.
MARK = """
UPDATE events SET processed_at = coalesce(?, processed_at), last_error = ?, claimed_by = NULL,
    claimed_until = NULL
WHERE id = ?
"""


def _claim_arguments(owner: str, clock: Clock, lease: float, finished=None, **where) -> dict:
    """The arguments of :data:`CLAIM` (``where``: ``max_attempts``, ``after``, ``limit``), or of
    :data:`FINISH_AND_CLAIM` given ``finished``, by name: each store spells them its own way."""
    now = clock.now()
    done, error = finished or (None, None)
    return {
        "owner": owner, "until": now.timestamp() + lease, "now": now.timestamp(), "died": DIED,
        "done": done, "error": error, "finished_at": now.isoformat(timespec="seconds"), **where,
    }  # fmt: skip


def wrong_schema(where: str, found: list[str]) -> ConfigurationError:
    return ConfigurationError(
        f"{where} already has an events table, with columns ({', '.join(found)}), not the "
        f"receiver's ({', '.join(EXPECTED_COLUMNS)}). It was made by something else: give --store "
        "a new file (or database) for the receiver, or move that table aside."
    )


class EventStore:
    """Events in a SQLite file at ``path``; safe to share between threads and processes.

    Three connections: one for the receiver's inserts (``synchronous=FULL``: fsync'd before the
    commit returns), one for the dispatcher's claims and marks (``synchronous=NORMAL``: in WAL
    mode that survives a killed process; the next insert's fsync takes it to disk), one for
    reads, which WAL lets run beside a write. One lock orders this process's writes, so they
    queue in Python and never in SQLite's sleeping busy handler; other processes on the same
    file wait in that handler, up to ``busy_timeout`` seconds.
    """

    def __init__(self, path: str | Path, *, clock: Clock | None = None, busy_timeout: float = 30.0):
        self.path = Path(path)
        self.clock = clock or SystemClock()
        self._writer = self._connect(busy_timeout, "FULL")
        self._create_schema()
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
            raise ConfigurationError(
                f"Cannot open the event store {self.path}: {exc}. Give --store a SQLite file the "
                "receiver may create or already uses."
            ) from None
        if mode.lower() != "wal":
            raise ConfigurationError(
                f"{self.path} cannot use SQLite's WAL journal (got {mode!r}); put the store on a "
                "local file system."
            )
        db.execute(f"PRAGMA synchronous={synchronous}")
        return db

    def _create_schema(self) -> None:
        """The table and its index; a store from before claims gains their two columns."""
        db = self._writer
        try:
            db.execute(TABLE)
            found = [row[1] for row in db.execute("PRAGMA table_info(events)")]
            missing = [c for c in EXPECTED_COLUMNS if c not in found]
            if found[: len(EXPECTED_COLUMNS) - len(CLAIM_COLUMNS)] != list(
                EXPECTED_COLUMNS[: -len(CLAIM_COLUMNS)]
            ) or (missing and set(missing) != set(CLAIM_COLUMNS)):
                raise wrong_schema(str(self.path), found)
            for column in missing:
                db.execute(f"ALTER TABLE events ADD COLUMN {column} {CLAIM_COLUMNS[column]}")
            if not self._has_unique_sid_status():
                raise wrong_schema(str(self.path), found)
            db.execute(INDEX)
        except sqlite3.Error as exc:
            raise ConfigurationError(
                f"Cannot set up the event store {self.path}: {exc}. Give --store a SQLite file "
                "the receiver may create or already uses."
            ) from None

    def _has_unique_sid_status(self) -> bool:
        for index in self._writer.execute("PRAGMA index_list(events)").fetchall():
            if index[2]:  # unique
                columns = self._writer.execute(f"PRAGMA index_info('{index[1]}')").fetchall()
                if [c[2] for c in columns] == ["sid", "status"]:
                    return True
        return False

    def __repr__(self) -> str:
        return f"EventStore({str(self.path)!r})"

    def close(self) -> None:
        with self._write_lock, self._read_lock:
            for db in (self._writer, self._marker, self._reader):
                db.close()

    def _now(self) -> str:
        return self.clock.now().isoformat(timespec="seconds")

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
        received = self._now()
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

    def claim(
        self,
        owner: str,
        *,
        lease: float,
        max_attempts: int,
        after: int = 0,
        limit: int = 1,
        finished: tuple[int, str | None] | None = None,
    ) -> list[Event]:
        """Up to ``limit`` unprocessed events no live claim holds, now ``owner``'s for ``lease`` s.

        One UPDATE, so one transaction: two dispatchers, in this process or another, never get
        the same event while its claim lasts. A claim lapses after ``lease`` seconds, so the
        events a killed process held are claimed again after that. Each claim counts as an
        attempt; events with ``max_attempts`` attempts are left alone. Oldest first.

        ``finished=(event_id, error)`` also marks the event this owner has just handled, in the
        same statement: processed if ``error`` is None (as :meth:`mark_processed`), else failed
        with that error (as :meth:`mark_failed`).
        """
        where = {"max_attempts": max_attempts, "after": after, "limit": limit}
        args = _claim_arguments(owner, self.clock, lease, finished, **where)
        with self._write_lock:
            rows = self._marker.execute(FINISH_AND_CLAIM if finished else CLAIM, args).fetchall()
        rows = [row for row in rows if row[0] != args["done"]]  # the finished one comes back too
        return sorted(_events(rows), key=lambda e: e.id)

    def give_up(self, *, max_attempts: int) -> int:
        """Events whose last allowed attempt died (claim lapsed, unmarked) become failing, with
        :data:`DIED` as their error; how many."""
        with self._write_lock:
            return self._marker.execute(
                GIVE_UP, (DIED, max_attempts, self.clock.now().timestamp())
            ).rowcount

    def mark_processed(self, event_id: int) -> None:
        """The handler has finished with this event; its claim ends."""
        with self._write_lock:
            self._marker.execute(MARK, (self._now(), None, event_id))

    def mark_failed(self, event_id: int, error: str) -> None:
        """The handler raised ``error`` on this event: it stays unprocessed, its claim ends."""
        with self._write_lock:
            self._marker.execute(MARK, (None, error, event_id))

    # -- reading -----------------------------------------------------------------------------

    def unprocessed(self, *, max_attempts: int, after: int = 0, limit: int = 100) -> list[Event]:
        """Stored events the handler has not yet finished, oldest first (claimed or not)."""
        return self._select(
            "WHERE processed_at IS NULL AND attempts < ? AND id > ? ORDER BY id LIMIT ?",
            (max_attempts, after, limit),
        )

    def failing(self) -> list[tuple[Event, str]]:
        """Unprocessed events whose handler raised, with the last error: for a person to read."""
        with self._read_lock:
            rows = self._reader.execute(FAILING).fetchall()
        return list(zip(_events(r[:-1] for r in rows), (r[-1] for r in rows), strict=True))

    def events(self) -> list[Event]:
        """Every stored event, oldest first."""
        return self._select("ORDER BY id", ())

    def counts(self) -> dict[str, int]:
        """``{"stored": ..., "processed": ..., "unprocessed": ..., "failing": ...}``."""
        with self._read_lock:
            stored, processed, failing = self._reader.execute(COUNTS).fetchone()
        return _counts(stored, processed, failing)

    def backlog(self, *, max_attempts: int) -> tuple[int, str | None, int]:
        """How many events still wait for the handler, when the oldest was received, and how
        many have failed ``max_attempts`` times."""
        with self._read_lock:
            count, oldest, failed = self._reader.execute(
                BACKLOG, (max_attempts, max_attempts, max_attempts)
            ).fetchone()
        return count, oldest, failed

    def describe_error(self, exc: BaseException) -> str:
        """The store's error for the operator's log (a client is told only that the store is
        unavailable)."""
        return describe(exc)

    def execute(self, statement: str, args: tuple = ()) -> list[tuple]:
        """One statement in a transaction of its own, fsync'd, and the rows it returns: for the
        operator's commands (:mod:`~helpers.webhooks.recovery`)."""
        with self._write_lock:
            return self._writer.execute(statement, args).fetchall()

    def _select(self, where: str, args: tuple) -> list[Event]:
        with self._read_lock:
            rows = self._reader.execute(f"SELECT {COLUMNS} FROM events {where}", args).fetchall()
        return _events(rows)


COUNTS = (
    "SELECT count(*), count(processed_at), "
    "count(CASE WHEN processed_at IS NULL AND last_error IS NOT NULL THEN 1 END) FROM events"
)
FAILING = (
    f"SELECT {COLUMNS}, last_error FROM events "
    "WHERE processed_at IS NULL AND last_error IS NOT NULL ORDER BY id"
)
BACKLOG = """
SELECT count(CASE WHEN attempts < ? THEN 1 END), min(CASE WHEN attempts < ? THEN received_at END),
    count(CASE WHEN attempts >= ? THEN 1 END)
FROM events WHERE processed_at IS NULL
"""


def _counts(stored: int, processed: int, failing: int) -> dict[str, int]:
    return {
        "stored": stored,
        "processed": processed,
        "unprocessed": stored - processed,
        "failing": failing,
    }


def _events(rows) -> list[Event]:
    return [
        Event(kind, sid, status, json.loads(payload), id=id_, received_at=received_at)
        for id_, kind, sid, status, payload, received_at in rows
    ]


def open_store(spec: str, *, clock: Clock | None = None, timeout: float | None = None):
    """The store ``--store`` names: a ``postgresql://`` URL, or else a SQLite file's path.
    ``timeout``: how long a call may wait on the database (a lock, a stalled server)."""
    if spec.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore

        return PostgresStore(spec, clock=clock, **({"timeout": timeout} if timeout else {}))
    return EventStore(spec, clock=clock, **({"busy_timeout": timeout} if timeout else {}))
