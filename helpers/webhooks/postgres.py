"""The exactly-once store on PostgreSQL, for receivers on several machines behind a load balancer.

Same contract as the SQLite :class:`~helpers.webhooks.store.EventStore`, which stays the
embedded default; ``python -m helpers.webhooks --store postgresql://user@host/db`` picks this one.

- **Exactly once.** ``INSERT ... ON CONFLICT (sid, status) DO NOTHING RETURNING id``: the unique
  index decides which of two concurrent copies is new, on whichever machine they arrived; a
  second copy waits for the first one's transaction and then does nothing.
- **Committed before the 200.** A batch of events is one transaction, and the receiver answers
  only once ``COMMIT`` has returned, with ``synchronous_commit`` on for this session: the
  commit is on the server's disk (and on its synchronous standbys, if it has any). Claims and
  marks are not waited for (``synchronous_commit`` off on their connection, as SQLite's
  ``synchronous=NORMAL`` for them): a killed receiver loses none, and a crash of the database
  server itself may forget its last fraction of a second of marks, whose events are then handled
  again, never lost.
- **Claims.** A dispatcher takes events with ``UPDATE ... WHERE id = ANY(ARRAY(SELECT ... FOR
  UPDATE SKIP LOCKED))``: two machines claiming at the same moment skip each other's rows
  instead of waiting, and each event gets one owner and an expiry. A claim reads only the rows
  it takes, through indexes (``INDEX_SCANS_ONLY``), however large the table. The expiry is
  written from the receiver's clock, so the machines' clocks must agree (NTP) to well within
  the lease.
- **Reconnects.** A connection the server has closed (a restart, a failover, a terminated
  backend) is noticed before it is used and opened again, so the first request after a restart
  is served, not answered 503; one that breaks mid-call raises, so the request is answered 503
  and the worker backs off, as with any store error.
- **Deadlines.** No call waits on the database for more than ``timeout`` seconds: the server
  ends a statement that waits longer (``statement_timeout``, a lock held elsewhere), and a
  watchdog shuts the socket of a call whose server does not answer at all (a frozen machine or
  process, which no server-side timeout can end), so the call raises :class:`TimeoutError`.

The table has the same columns as SQLite's, in the connection's current schema (``?options=
-csearch_path%3Dname`` in the URL picks another). psycopg 3 is an optional dependency:
``pip install 'exotel-handbook[postgres]'``.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import threading
from collections.abc import Iterable
from urllib.parse import unquote

from ..clock import Clock, SystemClock
from ..errors import ConfigurationError
from .errors import describe
from .payloads import Event
from .postgres_connections import Watchdog, closed_by_server
from .store import (
    BACKLOG,
    CLAIM_COLUMNS,
    COLUMNS,
    DIED,
    EXPECTED_COLUMNS,
    FAILING,
    GIVE_UP,
    MARK,
    _claim_arguments,
    _counts,
    _events,
    wrong_schema,
)

TABLE = """
CREATE TABLE IF NOT EXISTS events (
    id            BIGSERIAL PRIMARY KEY,
    kind          TEXT NOT NULL,
    sid           TEXT NOT NULL,
    status        TEXT NOT NULL,
    payload       TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    processed_at  TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    claimed_by    TEXT,
    claimed_until DOUBLE PRECISION,
    UNIQUE (sid, status)
)
"""
INDEX = "CREATE INDEX IF NOT EXISTS events_unprocessed ON events (id) WHERE processed_at IS NULL"
#: A whole batch in one statement (so one round trip and one commit): the rows as five arrays,
#: sent in binary (``%b``), which psycopg packs as they are; in text it escapes every element's
#: quotes with a regular expression, and each JSON payload is full of them.
INSERT = """
INSERT INTO events (kind, sid, status, payload, received_at)
SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[], %b::text[])
ON CONFLICT (sid, status) DO NOTHING RETURNING sid, status
"""
CLAIM = f"""
UPDATE events SET claimed_by = %(owner)s, claimed_until = %(until)s, attempts = attempts + 1,
    last_error = CASE WHEN claimed_by IS NULL THEN last_error ELSE %(died)s END
WHERE id = ANY(ARRAY(
    SELECT id FROM events
    WHERE processed_at IS NULL AND attempts < %(max_attempts)s AND id > %(after)s
      AND (claimed_until IS NULL OR claimed_until <= %(now)s)
    ORDER BY id LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
))
RETURNING {COLUMNS}
"""
#: :data:`CLAIM` that also finishes the event the owner has just handled (see the SQLite store's
#: ``FINISH_AND_CLAIM``): one statement, one round trip per event.
FINISH_AND_CLAIM = f"""
WITH finished AS (
    UPDATE events SET
        processed_at = CASE WHEN %(error)s::text IS NULL THEN %(finished_at)s::text
            ELSE processed_at END,
        last_error = %(error)s::text, claimed_by = NULL, claimed_until = NULL
    WHERE id = %(done)s
)
UPDATE events SET claimed_by = %(owner)s, claimed_until = %(until)s, attempts = attempts + 1,
    last_error = CASE WHEN claimed_by IS NULL THEN last_error ELSE %(died)s END
WHERE id = ANY(ARRAY(
    SELECT id FROM events
    WHERE processed_at IS NULL AND attempts < %(max_attempts)s AND id > %(after)s
      AND id <> %(done)s AND (claimed_until IS NULL OR claimed_until <= %(now)s)
    ORDER BY id LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
))
RETURNING {COLUMNS}
"""
# For the claims and marks: read rows through an index, never by scanning the table. The
# events table changes faster than its statistics, and from stale ones (a few unprocessed rows
# counted, thousands there) the planner chose, for a claim, to sort every unprocessed row or to
# scan the whole table, so each event cost time in proportion to the table.
INDEX_SCANS_ONLY = "SET enable_seqscan TO off; SET enable_bitmapscan TO off"
UNIQUE_SID_STATUS = """
SELECT count(*) FROM pg_index i
WHERE i.indrelid = 'events'::regclass AND i.indisunique AND (
    SELECT array_agg(a.attname::text ORDER BY k.n)
    FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
) = ARRAY['sid', 'status']
"""
#: Several receivers starting at once must not race to create the table.
SCHEMA_LOCK = "SELECT pg_advisory_xact_lock(hashtext('helpers.webhooks.events'))"


def _psycopg():
    try:
        import psycopg
    except ImportError:
        raise ConfigurationError(
            "--store postgresql://... needs psycopg 3: pip install 'exotel-handbook[postgres]' "
            "(or pip install 'psycopg[binary]')."
        ) from None
    return psycopg


def redacted(url: str) -> str:
    """The URL without its password, for banners and logs."""
    psycopg = _psycopg()
    try:
        params = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(unreadable URL)"
    user = f"{params['user']}@" if params.get("user") else ""
    port = f":{params['port']}" if params.get("port") else ""
    return f"postgresql://{user}{params.get('host', '')}{port}/{params.get('dbname', '')}"


def scrub(text: str, url: str) -> str:
    """``text`` with ``url`` shown redacted and its password, however spelt, replaced by ***.

    libpq echoes a connection string it cannot parse, password and all.

    >>> url = "postgresql://ann:pw%21@db:x/e"  # pragma: allowlist secret (a made-up one)
    >>> scrub(f'bad port in "{url}"', url)
    'bad port in "postgresql://ann@db:x/e"'
    """
    text = text.replace(url, redacted(url))
    found = re.match(r"[a-z]+://[^:/@?#]*:([^@/?#]*)@", url) or re.search(r"password=(\S+)", url)
    if found and found.group(1):
        for spelling in {found.group(1), unquote(found.group(1))}:
            text = text.replace(spelling, "***")
    return text


class PostgresStore:
    """Events in a PostgreSQL database at ``url``; safe to share between threads and machines.

    Three connections, as in the SQLite store: inserts, claims and marks, reads; each used by one
    thread at a time under its own lock.
    """

    def __init__(self, url: str, *, clock: Clock | None = None, timeout: float = 10.0):
        self.psycopg = _psycopg()
        self.url = url
        self.clock = clock or SystemClock()
        self.timeout = timeout
        self._locks = {name: threading.Lock() for name in ("writer", "marker", "reader")}
        self._connections: dict[str, object] = {}
        self._watchdog = Watchdog(timeout)
        with self._use("writer") as db:
            self._create_schema(db)

    @contextlib.contextmanager
    def _use(self, name: str):
        """The named connection, under its lock and the watchdog's deadline."""
        with self._locks[name]:
            db = self._connection(name)
            with self._watchdog.guard(db):
                yield db

    def __repr__(self) -> str:
        return f"PostgresStore({redacted(self.url)!r})"

    def _connection(self, name: str):
        """The named connection, opened again if it was closed or broke (call under its lock)."""
        db = self._connections.get(name)
        if db is not None and not db.closed and not db.broken:
            if not closed_by_server(db):
                return db
            db.close()  # the server ended it (a restart, a terminated backend): open another
        try:
            db = self.psycopg.connect(
                self.url, autocommit=True, connect_timeout=max(2, math.ceil(self.timeout))
            )
        except self.psycopg.Error as exc:
            text = scrub(str(exc).strip(), self.url)
            message = text.splitlines()[0] if text else type(exc).__name__
            raise ConfigurationError(
                f"Cannot connect to the event store {redacted(self.url)}: {message}. Check the "
                "URL, that the server runs, and that this user may log in."
            ) from None
        # Events: a commit is on disk, whatever the server's default. Claims and marks (as SQLite's
        # synchronous=NORMAL for them): not waited for; see the module's docstring.
        durable = "off" if name == "marker" else "on"
        db.execute(f"SET synchronous_commit TO {durable}")
        db.execute(f"SET statement_timeout TO {max(1, round(self.timeout * 1000))}")
        if name == "marker":
            db.execute(INDEX_SCANS_ONLY)
        self._connections[name] = db
        return db

    def _create_schema(self, db) -> None:
        try:
            with db.transaction():
                db.execute(SCHEMA_LOCK)
                db.execute(TABLE)
                found = [
                    row[0]
                    for row in db.execute(
                        "SELECT column_name FROM information_schema.columns WHERE table_name = "
                        "'events' AND table_schema = current_schema() ORDER BY ordinal_position"
                    )
                ]
                missing = [c for c in EXPECTED_COLUMNS if c not in found]
                if found[: len(EXPECTED_COLUMNS) - len(CLAIM_COLUMNS)] != list(
                    EXPECTED_COLUMNS[: -len(CLAIM_COLUMNS)]
                ) or (missing and set(missing) != set(CLAIM_COLUMNS)):
                    raise wrong_schema(redacted(self.url), found)
                for column in missing:
                    kind = "DOUBLE PRECISION" if column == "claimed_until" else "TEXT"
                    db.execute(f"ALTER TABLE events ADD COLUMN {column} {kind}")
                if db.execute(UNIQUE_SID_STATUS).fetchone()[0] == 0:
                    raise wrong_schema(redacted(self.url), found)
                db.execute(INDEX)
        except self.psycopg.Error as exc:
            raise ConfigurationError(
                f"Cannot set up the event store {redacted(self.url)}: {scrub(str(exc), self.url)}. "
                "Give --store a "
                "database (or schema) the receiver may create its events table in."
            ) from None

    def close(self) -> None:
        for name, lock in self._locks.items():
            with lock:
                db = self._connections.pop(name, None)
                if db is not None:
                    db.close()

    def _now(self) -> str:
        return self.clock.now().isoformat(timespec="seconds")

    # -- writing -----------------------------------------------------------------------------

    def record(self, event: Event) -> bool:
        """Store ``event`` unless its ``(sid, status)`` is already stored; True if it was new."""
        return self.record_many([event])[0]

    def record_many(self, events: Iterable[Event]) -> list[bool]:
        """Store several events in one statement (one transaction, one round trip); True for
        each that was new, False for a duplicate (a second copy in the batch too). Committed
        before this returns."""
        events = list(events)
        if not events:
            return []
        received = self._now()
        columns = (
            [e.kind for e in events],
            [e.sid for e in events],
            [e.status for e in events],
            [json.dumps(e.fields, separators=(",", ":")) for e in events],
            [received] * len(events),
        )
        with self._use("writer") as db:
            inserted = set(map(tuple, db.execute(INSERT, columns).fetchall()))
        new = []
        for event in events:
            new.append(event.key in inserted)
            inserted.discard(event.key)  # a second copy in this batch is a duplicate
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
        """Up to ``limit`` unprocessed events no live claim holds, now ``owner``'s for ``lease``
        seconds; ``finished=(event_id, error)`` marks the one just handled in the same statement
        (see :meth:`EventStore.claim <helpers.webhooks.store.EventStore.claim>`)."""
        where = {"max_attempts": max_attempts, "after": after, "limit": limit}
        args = _claim_arguments(owner, self.clock, lease, finished, **where)
        with self._use("marker") as db:
            rows = db.execute(FINISH_AND_CLAIM if finished else CLAIM, args).fetchall()
        return sorted(_events(rows), key=lambda e: e.id)

    def give_up(self, *, max_attempts: int) -> int:
        """Events whose last allowed attempt died become failing (see :meth:`EventStore.give_up
        <helpers.webhooks.store.EventStore.give_up>`); how many."""
        with self._use("marker") as db:
            return db.execute(
                GIVE_UP.replace("?", "%s"),
                (DIED, max_attempts, self.clock.now().timestamp()),
            ).rowcount

    def mark_processed(self, event_id: int) -> None:
        """The handler has finished with this event; its claim ends."""
        with self._use("marker") as db:
            db.execute(MARK.replace("?", "%s"), (self._now(), None, event_id))

    def mark_failed(self, event_id: int, error: str) -> None:
        """The handler raised ``error`` on this event: it stays unprocessed, its claim ends."""
        with self._use("marker") as db:
            db.execute(MARK.replace("?", "%s"), (None, error, event_id))

    # -- reading -----------------------------------------------------------------------------

    def unprocessed(self, *, max_attempts: int, after: int = 0, limit: int = 100) -> list[Event]:
        """Stored events the handler has not yet finished, oldest first (claimed or not)."""
        return self._select(
            "WHERE processed_at IS NULL AND attempts < %s AND id > %s ORDER BY id LIMIT %s",
            (max_attempts, after, limit),
        )

    def failing(self) -> list[tuple[Event, str]]:
        """Unprocessed events whose handler raised, with the last error: for a person to read."""
        with self._use("reader") as db:
            rows = db.execute(FAILING).fetchall()
        return list(zip(_events(r[:-1] for r in rows), (r[-1] for r in rows), strict=True))

    def events(self) -> list[Event]:
        """Every stored event, oldest first."""
        return self._select("ORDER BY id", ())

    def counts(self) -> dict[str, int]:
        """``{"stored": ..., "processed": ..., "unprocessed": ..., "failing": ...}``."""
        with self._use("reader") as db:
            stored, processed, failing = db.execute(
                "SELECT count(*), count(processed_at), count(*) FILTER "
                "(WHERE processed_at IS NULL AND last_error IS NOT NULL) FROM events"
            ).fetchone()
        return _counts(stored, processed, failing)

    def backlog(self, *, max_attempts: int) -> tuple[int, str | None, int]:
        """How many events still wait for the handler, when the oldest was received, and how
        many have failed ``max_attempts`` times."""
        with self._use("reader") as db:
            count, oldest, failed = db.execute(
                BACKLOG.replace("?", "%s"), (max_attempts,) * 3
            ).fetchone()
        return count, oldest, failed

    def describe_error(self, exc: BaseException) -> str:
        """The store's error for the operator's log, without the URL's password."""
        return scrub(describe(exc), self.url)

    def execute(self, statement: str, args: tuple = ()) -> list[tuple]:
        """One statement (``?`` placeholders, as SQLite's) in a transaction of its own, durable,
        and the rows it returns: for the operator's commands."""
        with self._use("writer") as db:
            cursor = db.execute(statement.replace("?", "%s"), args)
            return cursor.fetchall() if cursor.description else []

    def _select(self, where: str, args: tuple) -> list[Event]:
        with self._use("reader") as db:
            rows = db.execute(f"SELECT {COLUMNS} FROM events {where}", args).fetchall()
        return _events(rows)
