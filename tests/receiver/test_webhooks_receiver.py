"""The receiver app, the exactly-once store and the dispatcher, in process (no socket).

Every test that takes ``store`` or ``store_spec`` runs twice: on SQLite and on PostgreSQL (a
throwaway server; skipped, saying why, where PostgreSQL is not installed).
"""

from __future__ import annotations

import re
import sqlite3
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import anyio
import httpx
import pytest

from helpers.book.local import local_client
from helpers.clock import FrozenClock
from helpers.errors import ConfigurationError
from helpers.webhooks import (
    CALL_PATH,
    HEALTH_PATH,
    SMS_PATH,
    Dispatcher,
    Event,
    EventStore,
    SourceAllowlist,
    create_app,
)
from helpers.webhooks.app import STORE_UNAVAILABLE
from helpers.webhooks.batching import BatchWriter
from helpers.webhooks.store import _claim_arguments, open_store
from tests.support.polling import wait_for

EXOTEL = "203.0.113.10"
STRANGER = "198.51.100.7"
CALL = {"CallSid": "3f6e0c2a", "Status": "completed", "DateUpdated": "2026-01-15 10:00:42"}
SMS = {"SmsSid": "9a1c", "To": "09820000000", "Status": "sent", "SmsUnits": "1"}


@pytest.fixture
def store(store_spec) -> EventStore:
    store = open_store(store_spec, clock=FrozenClock())
    yield store
    store.close()


@pytest.fixture
def sqlite_store(tmp_path) -> EventStore:
    """For what only SQLite has: its pragmas and its file."""
    store = EventStore(tmp_path / "events.sqlite3", clock=FrozenClock())
    yield store
    store.close()


@pytest.fixture
def handled() -> list[Event]:
    return []


@pytest.fixture
def dispatcher(store, handled) -> Dispatcher:
    return Dispatcher(store, handled.append)


@pytest.fixture
def app(store, dispatcher):
    return create_app(store, SourceAllowlist(["203.0.113.0/24"]), dispatcher=dispatcher)


@pytest.fixture
def sender(app):
    with local_client(app, EXOTEL) as client:
        yield client


def execute_in_store(spec: str, sql: str) -> None:
    """Run ``sql`` on the store behind ``spec`` through a connection of its own."""
    if spec.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(spec, autocommit=True) as db:
            db.execute(sql)
    else:
        with sqlite3.connect(spec) as db:
            db.execute(sql)


def event(sid: str = "3f6e0c2a", status: str = "completed") -> Event:
    return Event("call", sid, status, {"CallSid": sid, "Status": status})


def record_all(store_spec: str, events: list[Event]) -> list[Event]:
    """Store ``events`` through a connection of their own; the stored events, with their ids."""
    store = open_store(store_spec)
    store.record_many(events)
    stored = store.events()
    store.close()
    return stored


# -- refusals, each with its status and a readable body ---------------------------------------


def test_a_stranger_gets_403_on_any_path_saying_what_to_fix(app):
    with local_client(app, STRANGER) as stranger:
        for path in (CALL_PATH, SMS_PATH, "/secret-admin"):
            response = stranger.post(path, data=CALL)
            assert response.status_code == 403
            assert response.json() == {
                "error": "Source address 198.51.100.7 may not post status callbacks here.",
                "fix": "If this is Exotel, add its range to the receiver's allowlist; if the "
                "receiver sits behind a reverse proxy, add the proxy to its trusted proxies so "
                "the client address in X-Forwarded-For is used.",
            }


def test_a_stranger_writing_x_forwarded_for_is_still_refused(app):
    with local_client(app, STRANGER) as stranger:
        response = stranger.post(CALL_PATH, data=CALL, headers={"X-Forwarded-For": EXOTEL})
    assert response.status_code == 403


def test_behind_a_trusted_proxy_the_forwarded_client_is_checked(store):
    app = create_app(store, SourceAllowlist(["203.0.113.0/24"], trusted_proxies=["127.0.0.1"]))
    with local_client(app, "127.0.0.1") as proxy:
        allowed = proxy.post(CALL_PATH, data=CALL, headers={"X-Forwarded-For": EXOTEL})
        refused = proxy.post(CALL_PATH, data=CALL, headers={"X-Forwarded-For": STRANGER})
    assert (allowed.status_code, refused.status_code) == (200, 403)


def test_a_wrong_content_type_gets_415_naming_it(sender):
    response = sender.post(CALL_PATH, content=b"CallSid=x", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert response.json()["error"] == "Content-Type text/plain is not accepted."


def test_a_declared_oversized_body_gets_413_before_it_is_read(sender):
    response = sender.post(CALL_PATH, data={**CALL, "CustomField": "x" * 20_000})
    assert response.status_code == 413
    assert response.json()["error"].startswith("The body is 20,")
    assert response.json()["error"].endswith("this receiver accepts at most 16,384 bytes.")


def test_an_oversized_body_without_content_length_gets_413_while_streaming(app):
    async def chunks():
        for _ in range(40):
            yield b"x" * 1024

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app, client=(EXOTEL, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as client:
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            return await client.post(CALL_PATH, content=chunks(), headers=headers)

    response = anyio.run(post)
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json()["error"] == (
        "The body is more than 16,384 bytes; this receiver accepts at most 16,384 bytes."
    )


def test_a_malformed_payload_gets_400_listing_what_is_wrong(sender):
    response = sender.post(CALL_PATH, data={"CallSid": "3f6e0c2a", "Status": "done"})
    assert response.status_code == 400
    assert response.json()["error"] == (
        "Malformed call status callback: missing DateUpdated; Status 'done' is not a call "
        "status Exotel documents (queued, ringing, in-progress, completed, failed, busy, "
        "no-answer, canceled)."
    )


def test_an_sms_callback_posted_to_the_call_path_is_refused_with_400(sender):
    response = sender.post(CALL_PATH, data=SMS)
    assert response.status_code == 400
    assert "missing CallSid, Status" not in response.json()["error"]
    assert "missing CallSid, DateUpdated" in response.json()["error"]


def test_refused_requests_store_nothing(sender, store):
    sender.post(CALL_PATH, content=b"x", headers={"Content-Type": "text/plain"})
    sender.post(CALL_PATH, data={"CallSid": "3f6e0c2a"})
    assert store.counts()["stored"] == 0


def test_a_store_that_cannot_write_answers_503_so_exotel_retries(sender, store, store_spec):
    execute_in_store(store_spec, "DROP TABLE events")  # the store "fails"
    response = sender.post(CALL_PATH, data=CALL)
    assert response.status_code == 503
    assert "Nothing was acknowledged; Exotel retries." in response.json()["fix"]


# -- accepted and duplicate ---------------------------------------------------------------------


def test_a_new_event_is_accepted_and_its_copy_is_a_duplicate(sender):
    first = sender.post(CALL_PATH, data=CALL)
    again = sender.post(CALL_PATH, data=CALL)
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json() == {"result": "accepted", "event": "call 3f6e0c2a completed"}
    assert again.json() == {"result": "duplicate", "event": "call 3f6e0c2a completed"}


def test_a_second_status_of_the_same_call_is_a_new_event(sender, store):
    sender.post(CALL_PATH, data={**CALL, "Status": "in-progress"})
    response = sender.post(CALL_PATH, data=CALL)
    assert response.json()["result"] == "accepted"
    assert [e.key for e in store.events()] == [
        ("3f6e0c2a", "in-progress"),
        ("3f6e0c2a", "completed"),
    ]


def test_call_callbacks_are_accepted_in_all_three_encodings(sender, store):
    sender.post(CALL_PATH, data=CALL)
    sender.post(CALL_PATH, files={k: (None, v) for k, v in {**CALL, "Status": "busy"}.items()})
    sender.post(CALL_PATH, json={**CALL, "Status": "failed", "RecordingUrl": None})
    assert [e.status for e in store.events()] == ["completed", "busy", "failed"]


def test_the_event_is_committed_when_the_200_arrives(sender, store, store_spec):
    sender.post(SMS_PATH, data=SMS)
    other_connection = open_store(store_spec)
    assert [e.key for e in other_connection.events()] == [("9a1c", "sent")]
    other_connection.close()


def test_concurrent_copies_through_the_app_store_one_event(app, store):
    with local_client(app, EXOTEL) as client, ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda _: client.post(CALL_PATH, data=CALL).json(), range(32)))
    results = sorted(a["result"] for a in answers)
    assert results == ["accepted"] + ["duplicate"] * 31
    assert store.counts()["stored"] == 1


# -- the store alone -----------------------------------------------------------------------------


def test_concurrent_duplicates_from_separate_connections_are_stored_exactly_once(store_spec):
    stores = [open_store(store_spec) for _ in range(8)]
    start = threading.Barrier(32)

    def record(i: int) -> bool:
        start.wait()
        return stores[i % 8].record(event())

    with ThreadPoolExecutor(32) as pool:
        new = list(pool.map(record, range(32)))
    assert new.count(True) == 1
    assert len(stores[0].events()) == 1


def test_a_batch_with_two_copies_of_one_event_stores_it_once(store):
    assert store.record_many([event(), event(), event(status="failed")]) == [True, False, True]


def test_the_store_remembers_after_it_is_reopened(store_spec):
    first = open_store(store_spec)
    first.record(event())
    first.close()
    assert open_store(store_spec).record(event()) is False


def test_the_store_uses_wal_and_a_unique_sid_status_pair(sqlite_store):
    with sqlite3.connect(sqlite_store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        indexes = db.execute("PRAGMA index_list(events)").fetchall()
        unique = [i[1] for i in indexes if i[2] == 1]
        columns = [db.execute(f"PRAGMA index_info({name})").fetchall() for name in unique]
    assert [[c[2] for c in cols] for cols in columns] == [["sid", "status"]]


# -- the dispatcher ------------------------------------------------------------------------------


def test_the_handler_runs_once_per_stored_event_not_per_delivery(sender, dispatcher, handled):
    for _ in range(3):
        sender.post(CALL_PATH, data=CALL)
    sender.post(SMS_PATH, data=SMS)
    dispatcher.run_pending()
    dispatcher.run_pending()
    assert [str(e) for e in handled] == ["call 3f6e0c2a completed", "sms 9a1c sent"]


def test_the_handler_does_not_run_on_the_request_path(sender, handled):
    sender.post(CALL_PATH, data=CALL)
    assert handled == []


def test_events_stored_before_a_restart_are_handled_after_it(store_spec):
    before = open_store(store_spec)
    before.record(event())
    before.close()  # the process ends before its dispatcher ran
    handled = []
    outcomes = Dispatcher(open_store(store_spec), handled.append).run_pending()
    assert [str(e) for e in handled] == ["call 3f6e0c2a completed"]
    assert all(o.ok for o in outcomes)


def test_a_failing_handler_is_retried_then_left_with_its_error(store):
    store.record(event())
    calls = []

    def broken(e: Event) -> None:
        calls.append(e.id)
        raise RuntimeError("CRM unreachable")

    dispatcher = Dispatcher(store, broken, max_attempts=3)
    outcomes = [o for _ in range(5) for o in dispatcher.run_pending()]
    assert len(calls) == 3
    assert outcomes[0].error == "RuntimeError: CRM unreachable"
    assert store.counts() == {"stored": 1, "processed": 0, "unprocessed": 1, "failing": 1}


def test_the_worker_thread_handles_events_as_they_are_stored(store):
    done = threading.Event()
    handled = []

    def handler(e: Event) -> None:
        handled.append(e)
        done.set()

    dispatcher = Dispatcher(store, handler, idle_wait=30)
    dispatcher.start()
    try:
        store.record(event())
        dispatcher.notify()
        assert done.wait(10)
    finally:
        dispatcher.stop()
    assert [str(e) for e in handled] == ["call 3f6e0c2a completed"]


def test_run_pending_still_works_after_the_worker_was_stopped(store, dispatcher, handled):
    dispatcher.start()
    dispatcher.stop()
    store.record(event())
    dispatcher.run_pending()
    assert [str(e) for e in handled] == ["call 3f6e0c2a completed"]


def test_the_group_commit_thread_ends_when_idle_and_a_later_event_is_still_stored(store):
    writer = BatchWriter(store, idle_exit=0.01)
    assert anyio.run(writer.record, event()) is True
    # It ends on its own once nothing has come for idle_exit seconds (it may have already).
    assert writer.wait_until_idle(10)
    assert anyio.run(writer.record, event(status="failed")) is True
    assert anyio.run(writer.record, event(status="failed")) is False
    writer.stop()
    assert [e.status for e in store.events()] == ["completed", "failed"]


def test_waiting_for_a_writer_whose_thread_has_already_ended_returns_true_at_once(store):
    """The thread clears itself when idle: a wait that starts after that is not an error."""
    writer = BatchWriter(store, idle_exit=0.01)
    assert anyio.run(writer.record, event()) is True
    assert writer.wait_until_idle(10)
    assert writer.wait_until_idle(0)  # nothing left to wait for
    writer.stop()


# -- claims: several dispatchers on one store -------------------------------------------------


def test_an_event_claimed_by_one_dispatcher_is_not_handed_to_another(store_spec):
    clock = FrozenClock()
    first = open_store(store_spec, clock=clock)
    second = open_store(store_spec, clock=clock)
    first.record_many([event(), event(status="failed")])
    claimed = first.claim("receiver-a", lease=60, max_attempts=5)
    handled = []
    Dispatcher(second, handled.append, owner="receiver-b").run_pending()
    assert [e.status for e in claimed] == ["completed"]
    assert [e.status for e in handled] == ["failed"]


def test_finishing_an_event_and_claiming_the_next_is_one_statement_that_does_both(store_spec):
    store = open_store(store_spec)
    store.record_many([event(), event(status="failed"), event(status="busy")])
    first = store.claim("receiver-a", lease=60, max_attempts=5)[0]
    second = store.claim(
        "receiver-a", lease=60, max_attempts=5, after=first.id, finished=(first.id, None)
    )
    third = store.claim(
        "receiver-a", lease=60, max_attempts=5, after=second[0].id, finished=(second[0].id, "E: no")
    )
    assert [e.status for e in second + third] == ["failed", "busy"]
    assert store.counts() == {"stored": 3, "processed": 1, "unprocessed": 2, "failing": 1}
    assert [(e.status, error) for e, error in store.failing()] == [("failed", "E: no")]
    store.claim(
        "receiver-a", lease=60, max_attempts=5, after=third[0].id, finished=(third[0].id, None)
    )
    assert store.counts()["processed"] == 2
    assert store.unprocessed(max_attempts=5) == [second[0]]  # failed once: tried again later


def test_a_dispatcher_writes_one_statement_per_event(store):
    store.record_many([event(f"{i:x}") for i in range(5)])
    writes = []

    class Counting:
        def __getattr__(self, name):
            attribute = getattr(store, name)
            if name in ("claim", "mark_processed", "mark_failed"):
                writes.append(name)
            return attribute

    handled = Dispatcher(Counting(), lambda e: None).run_pending()
    assert len(handled) == 5
    assert writes == ["claim"] * 6  # five claims, each marking the one before; then the last mark
    assert store.counts()["processed"] == 5


def test_a_claim_left_by_a_killed_process_is_taken_over_once_it_lapses(store_spec):
    clock = FrozenClock()
    store = open_store(store_spec, clock=clock)
    store.record(event())
    store.claim("killed-receiver", lease=60, max_attempts=5)  # then the process dies
    handled = []
    survivor = Dispatcher(store, handled.append, owner="survivor", lease=60)
    survivor.run_pending()
    clock.advance(61)
    survivor.run_pending()
    assert [str(e) for e in handled] == ["call 3f6e0c2a completed"]


def prepared_plan(db, statement: str, args) -> str:
    """The plan PostgreSQL keeps for ``statement`` once it is prepared (psycopg prepares what it
    has run five times) and planned for any arguments, as it is after a few more runs."""
    from psycopg import sql

    names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", statement)))
    for n, name in enumerate(names, 1):
        statement = statement.replace(f"%({name})s", f"${n}")
    values = sql.SQL(", ").join(sql.Literal(args[name]) for name in names).as_string(db)
    db.execute(f"PREPARE claim AS {statement}")
    db.execute("SET plan_cache_mode TO force_generic_plan")
    try:
        return "\n".join(row[0] for row in db.execute(f"EXPLAIN EXECUTE claim({values})"))
    finally:
        db.execute("RESET plan_cache_mode")
        db.execute("DEALLOCATE claim")


def test_a_postgresql_claim_reads_the_rows_it_takes_not_the_whole_table(postgres_server):
    from helpers.webhooks import postgres

    store = open_store(postgres_server.schema_url(f"t_{uuid.uuid4().hex[:12]}"))
    store.record_many([event(f"{i:x}") for i in range(3000)])
    with store._use("writer") as db:
        db.execute("ANALYZE events")  # a backlog of 3,000, and statistics that know it
    where = {"max_attempts": 5, "after": 0, "limit": 1}
    with store._use("marker") as db:
        plans = [
            prepared_plan(db, postgres.CLAIM, _claim_arguments("a", FrozenClock(), 60, **where)),
            prepared_plan(
                db,
                postgres.FINISH_AND_CLAIM,
                _claim_arguments("a", FrozenClock(), 60, (1, None), **where),
            ),
        ]
    store.close()
    scans = [line.strip() for plan in plans for line in plan.splitlines()]
    assert [line for line in scans if re.search("Seq Scan|Bitmap|Sort", line)] == []
    assert sum("Index Scan using events_unprocessed" in line for line in scans) == 2


def test_dispatchers_racing_on_one_store_handle_each_event_once(store_spec):
    ids = [e.id for e in record_all(store_spec, [event(f"{i:x}") for i in range(200)])]
    handled = []
    lock = threading.Lock()

    def handler(e: Event) -> None:
        with lock:
            handled.append(e.id)

    dispatchers = [Dispatcher(open_store(store_spec), handler) for _ in range(4)]
    start = threading.Barrier(len(dispatchers))

    def run(d: Dispatcher) -> None:
        start.wait()
        d.run_pending()

    with ThreadPoolExecutor(len(dispatchers)) as pool:
        list(pool.map(run, dispatchers))
    assert sorted(handled) == ids


def test_a_store_from_before_claims_gains_the_claim_columns(tmp_path):
    path = tmp_path / "events.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)
        db.execute(
            "INSERT INTO events (kind, sid, status, payload, received_at) "
            "VALUES ('call', 'a1', 'completed', '{}', '2026-01-15T10:00:00+05:30')"
        )
    handled = []
    Dispatcher(EventStore(path), handled.append).run_pending()
    assert [e.sid for e in handled] == ["a1"]


OLD_SCHEMA = """
CREATE TABLE events (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, sid TEXT NOT NULL, status TEXT NOT NULL,
    payload TEXT NOT NULL, received_at TEXT NOT NULL, processed_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, UNIQUE (sid, status)
);
"""


def test_a_store_whose_events_table_has_another_schema_is_refused_naming_it(store_spec):
    execute_in_store(store_spec, "CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT)")
    with pytest.raises(ConfigurationError) as caught:
        open_store(store_spec)
    assert "already has an events table, with columns (id, body), not the receiver's" in str(
        caught.value
    )
    assert "give --store a new file (or database) for the receiver" in str(caught.value)


def test_a_file_that_is_not_a_database_is_refused_with_a_readable_error(tmp_path):
    path = tmp_path / "events.sqlite3"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(ConfigurationError, match="file is not a database. Give --store"):
        EventStore(path)


# -- the worker survives, and says how it is doing --------------------------------------------


class FailingStore:
    """A store whose disk is "full" while ``full`` is set: claims and marks fail."""

    full = False

    def __init__(self, store):
        self.store = store

    def __getattr__(self, name):
        return getattr(self.store, name)

    def _check(self) -> None:
        if self.full:
            raise sqlite3.OperationalError("database or disk is full")

    def claim(self, *args, **kwargs):
        self._check()
        return self.store.claim(*args, **kwargs)

    def mark_processed(self, event_id: int) -> None:
        self._check()
        self.store.mark_processed(event_id)


def test_under_a_steady_stream_a_failed_event_behind_it_is_still_retried(store):
    """The worker's pass ends every idle_wait seconds, however busy: otherwise an event that
    failed once waits behind the stream for as long as callbacks keep coming. The event fails in
    the middle of the stream (were it first, the first pass might end right after it, under load,
    and it would be retried before the stream had begun)."""
    handled, attempts, waiting = [], [], []

    def handler(e: Event) -> None:
        if e.sid == "f1":
            attempts.append(e.id)
            if len(attempts) == 1:
                raise ConnectionError("the CRM is down, once")
            waiting.append(store.counts()["unprocessed"] - 1)  # the stream's, besides this one
            return
        handled.append(e.sid)
        if len(attempts) < 2 and len(handled) < 100_000:  # the next callback arrives meanwhile
            store.record(event(f"s{len(handled)}"))
            if len(handled) == 3:
                store.record(event("f1"))
            dispatcher.notify()

    store.record(event("s0"))
    dispatcher = Dispatcher(store, handler, idle_wait=0.05)
    dispatcher.start()
    try:
        assert wait_for(lambda: len(attempts) == 2, 60)
    finally:
        dispatcher.stop()
    # Without the pass's end, f1 would wait behind 100,000 callbacks (wait_for gives up first).
    assert handled[:4] == ["s0", "s1", "s2", "s3"]  # the stream, then f1 failed behind it
    assert waiting[0] >= 1  # retried while the stream still came
    assert store.counts()["failing"] == 0


def test_a_handler_raising_system_exit_is_recorded_and_the_next_event_handled(store):
    store.record_many([event(), event(status="failed")])
    handled = []

    def handler(e: Event) -> None:
        if e.status == "completed":
            raise SystemExit(3)
        handled.append(e)

    dispatcher = Dispatcher(store, handler, idle_wait=30)
    dispatcher.start()
    try:
        assert wait_for(lambda: handled)
        assert dispatcher.health()["worker"] == "running"
    finally:
        dispatcher.stop()
    assert [e.status for e in handled] == ["failed"]
    assert store.counts()["failing"] == 1
    assert [error for _, error in store.failing()] == ["SystemExit: 3"]


def test_a_full_disk_makes_the_worker_back_off_then_finish_without_running_twice(store):
    store.record(event())
    store = FailingStore(store)
    runs = []

    def handler(e: Event) -> None:
        runs.append(e.id)
        store.full = True  # the disk fills while the handler runs: its mark cannot be written

    dispatcher = Dispatcher(store, handler, idle_wait=30, backoff=0.01, max_backoff=0.02)
    app = create_app(store, SourceAllowlist(["127.0.0.1/32"]), dispatcher=dispatcher)
    dispatcher.start()
    try:
        with local_client(app, "127.0.0.1") as client:
            assert wait_for(lambda: dispatcher.health()["failures"] >= 2)
            full = client.get(HEALTH_PATH)
            store.full = False  # space is freed
            assert wait_for(lambda: dispatcher.health()["worker"] == "running")
            freed = client.get(HEALTH_PATH)
    finally:
        dispatcher.stop()
    assert (full.status_code, full.json()["worker"], full.json()["status"]) == (
        503,
        "failing",
        "processing stopped",
    )
    assert full.json()["reason"] == (
        "The store is unavailable to the worker; see the receiver's log."
    )
    assert (freed.status_code, freed.json()["backlog"]) == (200, 0)
    assert runs == [e.id for e in store.events()]
    assert store.counts()["processed"] == 1


def test_health_counts_the_backlog_and_the_age_of_its_oldest_event(store_spec):
    clock = FrozenClock()
    store = open_store(store_spec, clock=clock)
    store.record(event())
    clock.advance(90)
    store.record(event(status="failed"))
    app = create_app(store, SourceAllowlist(["203.0.113.0/24"]), dispatcher=None)
    with local_client(app, EXOTEL) as client:
        answer = client.get(HEALTH_PATH)
    assert answer.status_code == 200
    assert (answer.json()["backlog"], answer.json()["oldest_unprocessed_age_seconds"]) == (2, 90)


def test_health_answers_503_once_the_worker_thread_has_ended(store, dispatcher):
    app = create_app(store, SourceAllowlist(["127.0.0.1/32"]), dispatcher=dispatcher)
    dispatcher.start()
    dispatcher._stop.set()  # the thread ends, as if something had killed it
    dispatcher._wake.set()
    dispatcher._thread.join(10)
    with local_client(app, "127.0.0.1") as client:
        answer = client.get(HEALTH_PATH)
    assert (answer.status_code, answer.json()["worker"]) == (503, "stopped")


def test_health_is_refused_to_strangers_but_answers_loopback(app):
    with local_client(app, STRANGER) as stranger, local_client(app, "127.0.0.1") as local:
        assert stranger.get(HEALTH_PATH).status_code == 403
        assert local.get(HEALTH_PATH).status_code == 200


def test_a_disk_that_fills_answers_503_and_once_freed_accepts_again(sqlite_store, caplog):
    app = create_app(sqlite_store, SourceAllowlist(["203.0.113.0/24"]))
    sender = local_client(app, EXOTEL)
    db = sqlite_store._writer
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")
    big = {**CALL, "CustomField": "x" * 9000}
    answers = [sender.post(CALL_PATH, data={**big, "CallSid": f"a{i}"}) for i in range(3)]
    db.execute("PRAGMA max_page_count = 1000000")
    after = sender.post(CALL_PATH, data={**big, "CallSid": "a0"})
    assert [a.status_code for a in answers] == [503, 503, 503]
    assert answers[0].json()["error"] == STORE_UNAVAILABLE
    assert "OperationalError: database or disk is full" in caplog.text  # for the operator
    assert (after.status_code, after.json()["result"]) == (200, "accepted")


def test_a_body_that_stalls_gets_408_and_the_connection_closed(store):
    app = create_app(store, SourceAllowlist(["203.0.113.0/24"]), body_timeout=0.05)
    never = anyio.Event()

    async def stalls():
        yield b"CallSid=3f6e0c2a&"
        await never.wait()  # the rest never comes
        yield b""

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app, client=(EXOTEL, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as client:
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            return await client.post(CALL_PATH, content=stalls(), headers=headers)

    response = anyio.run(post)
    assert response.status_code == 408
    assert response.json()["error"] == "The body did not arrive within 0.05 s."
    assert response.headers["connection"] == "close"


def test_every_refusal_closes_the_connection(app):
    with local_client(app, STRANGER) as stranger:
        assert stranger.post(CALL_PATH, data=CALL).headers["connection"] == "close"


def test_json_nested_fifteen_thousand_deep_gets_400_from_the_app_not_500(store):
    app = create_app(store, SourceAllowlist(["203.0.113.0/24"]), max_body=64 * 1024)
    body = b'{"CallSid":"a1","Legs":' + b"[" * 15_000 + b"]" * 15_000 + b"}"
    with local_client(app, EXOTEL) as client:
        response = client.post(
            CALL_PATH, content=body, headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 400
    assert response.json()["error"] == "The JSON body is nested more than 4 levels deep."


def test_an_empty_batch_stores_nothing_and_says_so(store):
    assert store.record_many([]) == []
