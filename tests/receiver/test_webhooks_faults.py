"""The receiver when things go wrong (issue 25), in process: nothing invisible, no 500, health
that tells the truth, no internals in a response.

The same faults on a real server and a real PostgreSQL are in test_webhooks_chaos.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import threading
import time
import uuid

import pytest

from helpers.book.local import local_client
from helpers.clock import FrozenClock
from helpers.webhooks import CALL_PATH, HEALTH_PATH, Dispatcher, Event, SourceAllowlist, create_app
from helpers.webhooks.app import STORE_UNAVAILABLE
from helpers.webhooks.errors import MAX_ERROR, describe
from helpers.webhooks.store import DIED, open_store
from tests.support.polling import wait_for

EXOTEL = "203.0.113.10"
CALL = {"CallSid": "3f6e0c2a", "Status": "completed", "DateUpdated": "2026-01-15 10:00:42"}


def event(sid: str = "3f6e0c2a", status: str = "completed") -> Event:
    return Event("call", sid, status, {"CallSid": sid, "Status": status})


class Rude(Exception):
    """An exception whose message cannot be shown: its ``__str__`` raises its own type."""

    def __str__(self) -> str:
        raise Rude()


def health_of(store, dispatcher=None, **options):
    app = create_app(store, SourceAllowlist(["127.0.0.1/32"]), dispatcher=dispatcher, **options)
    with local_client(app, "127.0.0.1") as client:
        return client.get(HEALTH_PATH)


# -- 2: an event never vanishes from processing ------------------------------------------------


def test_a_handler_error_whose_message_raises_is_recorded_and_the_event_is_failing(store_spec):
    store = open_store(store_spec)
    store.record(event())

    def rude(e: Event) -> None:
        raise Rude()

    dispatcher = Dispatcher(store, rude, max_attempts=2)
    outcomes = dispatcher.run_pending() + dispatcher.run_pending()
    assert [o.error for o in outcomes] == ["Rude: (its message could not be shown: Rude)"] * 2
    assert [error for _, error in store.failing()] == [outcomes[0].error]
    answer = health_of(store, dispatcher)
    assert (answer.status_code, answer.json()["status"], answer.json()["failed"]) == (
        503,
        "events failing",
        1,
    )


def test_an_event_whose_handler_kills_the_process_every_time_ends_failing_and_counted(store_spec):
    clock = FrozenClock()
    store = open_store(store_spec, clock=clock)
    store.record(event())
    for attempt in range(3):  # each receiver claims it, starts the handler, and dies
        assert [e.sid for e in store.claim(f"receiver-{attempt}", lease=60, max_attempts=3)]
        clock.advance(61)  # its claim lapses
    handled = []
    dispatcher = Dispatcher(store, handled.append, max_attempts=3)
    assert dispatcher.run_pending() == []
    assert handled == []
    assert [(e.sid, error) for e, error in store.failing()] == [("3f6e0c2a", DIED)]
    assert store.counts() == {"stored": 1, "processed": 0, "unprocessed": 1, "failing": 1}
    body = health_of(store, dispatcher).json()
    assert (body["status"], body["backlog"], body["failed"]) == ("events failing", 0, 1)
    assert body["reason"].startswith("1 event(s) failed 3 times and will not be tried again")


def test_a_death_before_a_later_success_is_recorded_then_cleared(store_spec):
    clock = FrozenClock()
    store = open_store(store_spec, clock=clock)
    store.record(event())
    store.claim("killed", lease=60, max_attempts=5)
    clock.advance(61)
    seen = []
    dispatcher = Dispatcher(store, lambda e: seen.append(store.failing()))
    assert [o.ok for o in dispatcher.run_pending()] == [True]
    assert [error for _, error in seen[0]] == [DIED]  # while it ran, the death was on record
    assert store.failing() == []
    assert store.counts()["processed"] == 1


def test_a_huge_handler_error_is_stored_cut_to_a_readable_length(store_spec):
    store = open_store(store_spec)
    store.record(event())

    def verbose(e: Event) -> None:
        raise ValueError("x" * 5_000_000 + "\x00\ud800")

    Dispatcher(store, verbose, max_attempts=1).run_pending()
    [(_, error)] = store.failing()
    assert len(error) == MAX_ERROR
    assert error.startswith("ValueError: xxx") and error.endswith(" [truncated]")


def test_an_error_with_nul_and_a_lone_surrogate_is_stored_readably(store_spec):
    store = open_store(store_spec)
    store.record(event())

    def odd(e: Event) -> None:
        raise ValueError("nul \x00 and \ud800")

    Dispatcher(store, odd, max_attempts=1).run_pending()
    assert [error for _, error in store.failing()] == ["ValueError: nul \\x00 and \\ud800"]


# -- 11: the worker thread cannot die -----------------------------------------------------------


def test_the_worker_outlives_an_exception_whose_message_raises_and_goes_on(store_spec):
    store = open_store(store_spec)
    store.record_many([event(), event(status="failed")])
    handled = []

    def handler(e: Event) -> None:
        if e.status == "completed":
            raise Rude()
        handled.append(e.status)

    dispatcher = Dispatcher(store, handler, idle_wait=30, max_attempts=1)
    dispatcher.start()
    try:
        assert wait_for(lambda: handled)
        state = dispatcher.health()["worker"]
    finally:
        dispatcher.stop()
    assert (state, handled) == ("running", ["failed"])
    assert [error for _, error in store.failing()] == [describe(Rude())]


def test_a_worker_thread_that_ended_is_started_again_by_the_next_event(store_spec):
    store = open_store(store_spec)
    handled = []
    dispatcher = Dispatcher(store, handled.append, idle_wait=30)
    dispatcher.start()
    dispatcher._stop.set()  # the thread ends, as if something had killed it
    dispatcher._wake.set()
    dispatcher._thread.join(10)
    dispatcher._stop.clear()
    try:
        store.record(event())
        dispatcher.notify()
        assert wait_for(lambda: handled)
        assert dispatcher.health()["worker"] == "running"
    finally:
        dispatcher.stop()


# -- 3: health tells the truth ------------------------------------------------------------------


def test_a_handler_that_never_returns_turns_health_to_stalled_after_its_lease(store_spec):
    store = open_store(store_spec)
    store.record(event())
    release = threading.Event()
    dispatcher = Dispatcher(store, lambda e: release.wait(30), lease=0.2, idle_wait=30)
    dispatcher.start()
    try:
        assert wait_for(lambda: dispatcher.in_hand is not None)
        assert wait_for(lambda: dispatcher.health()["worker"] == "stalled")
        stalled = health_of(store, dispatcher)
        release.set()
        assert wait_for(lambda: store.counts()["processed"] == 1)
        recovered = health_of(store, dispatcher)
    finally:
        release.set()
        dispatcher.stop()
    assert (stalled.status_code, stalled.json()["status"]) == (503, "stalled")
    assert "past its lease of 0.2 s" in stalled.json()["reason"]
    assert recovered.status_code == 200


def test_an_event_waiting_past_stall_after_turns_health_to_stalled(store_spec):
    clock = FrozenClock()
    store = open_store(store_spec, clock=clock)
    store.record(event())
    clock.advance(121)
    answer = health_of(store, Dispatcher(store, print, lease=60))
    assert (answer.status_code, answer.json()["status"]) == (503, "stalled")
    assert answer.json()["reason"] == (
        "The oldest unprocessed event has waited 121 s (more than 120 s)."
    )


class FlakyStore:
    """A store whose claims fail ``failures`` times (a dropped connection), then work."""

    def __init__(self, store, failures: int):
        self.store = store
        self.failures = failures

    def __getattr__(self, name):
        return getattr(self.store, name)

    def claim(self, *args, **kwargs):
        if self.failures:
            self.failures -= 1
            raise ConnectionError("server closed the connection unexpectedly")
        return self.store.claim(*args, **kwargs)


def test_health_is_200_again_as_soon_as_the_store_answers_not_when_the_backlog_drains(
    store_spec,
):
    store = FlakyStore(open_store(store_spec), failures=1)
    store.record_many([event(sid=f"a{i}") for i in range(20)])
    release = threading.Event()
    dispatcher = Dispatcher(store, lambda e: release.wait(30), idle_wait=30, backoff=0.01)
    dispatcher.start()
    try:
        assert wait_for(lambda: dispatcher.in_hand is not None)  # the store answered again
        answer = health_of(store, dispatcher)
    finally:
        release.set()
        dispatcher.stop()
    assert answer.status_code == 200, answer.json()
    assert answer.json()["backlog"] == 20  # still draining, and healthy


def test_health_says_the_store_is_unavailable_without_its_internals(store_spec, caplog):
    store = open_store(store_spec)

    class Broken:
        clock = store.clock

        def backlog(self, **_):
            raise OSError('connection to "db.internal" port 5432 user "rcv_admin" refused')

        def describe_error(self, exc):
            return store.describe_error(exc)

    answer = health_of(Broken())
    assert (answer.status_code, answer.json()["status"]) == (503, "store unavailable")
    assert "db.internal" not in answer.text and "rcv_admin" not in answer.text
    assert "db.internal" in caplog.text  # the operator's log has it


def test_health_is_never_cached(store_spec):
    store = open_store(store_spec)
    assert health_of(store).json()["backlog"] == 0
    store.record(event())
    assert health_of(store).json()["backlog"] == 1


# -- 4: no 500 from a body ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, error",
    [
        (
            b'{"\\ud800":"x","\\ud800":"y","CallSid":"a1"}',
            "Field \\ud800 appears more than once.",
        ),
        (
            b'{"CallSid":"a1","Status":"completed","DateUpdated":"2026-01-15 10:00:42","Legs":'
            + b"[" * 400
            + b"]" * 400
            + b"}",
            "The JSON body is nested more than 4 levels deep.",
        ),
    ],
    ids=["duplicate-lone-surrogate", "legs-400-deep"],
)
def test_a_json_body_that_used_to_be_a_500_is_a_400(store_spec, body, error):
    app = create_app(open_store(store_spec), SourceAllowlist(["203.0.113.0/24"]))
    with local_client(app, EXOTEL) as client:
        response = client.post(
            CALL_PATH, content=body, headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 400
    assert json.loads(response.content)["error"] == error


# -- 13 and 15: who may read health; what a 503 says --------------------------------------------


def test_behind_a_loopback_proxy_a_local_health_probe_is_answered(store_spec):
    allowlist = SourceAllowlist(["203.0.113.0/24"], trusted_proxies=["127.0.0.1"])
    app = create_app(open_store(store_spec), allowlist)
    with local_client(app, "127.0.0.1") as local:
        probe = local.get(HEALTH_PATH)
        forwarded = local.get(HEALTH_PATH, headers={"X-Forwarded-For": "198.51.100.7"})
        exotel = local.get(HEALTH_PATH, headers={"X-Forwarded-For": EXOTEL})
    assert (probe.status_code, forwarded.status_code, exotel.status_code) == (200, 403, 200)


def test_a_503_for_a_store_error_names_no_host_user_or_library_text(store_spec, caplog):
    store = open_store(store_spec)

    class Down:
        def __getattr__(self, name):
            return getattr(store, name)

        def record_many(self, events):
            raise OSError('connection to server at "db.internal", port 5432 failed for "receiver"')

    app = create_app(Down(), SourceAllowlist(["203.0.113.0/24"]))
    with local_client(app, EXOTEL) as client:
        answer = client.post(CALL_PATH, data=CALL)
    assert answer.status_code == 503
    assert answer.json()["error"] == STORE_UNAVAILABLE
    assert "db.internal" not in answer.text and "5432" not in answer.text
    assert 'connection to server at "db.internal"' in caplog.text


# -- 3: deadlines: nothing waits on a stuck database --------------------------------------------


@pytest.fixture
def postgres_spec(postgres_server) -> str:
    return postgres_server.schema_url(f"t_{uuid.uuid4().hex[:12]}")


def backend_pid(store, name: str) -> int:
    """The server process behind one of a PostgreSQL store's connections."""
    with store._use(name) as db:
        return db.execute("SELECT pg_backend_pid()").fetchone()[0]


@contextlib.contextmanager
def frozen(*pids: int):
    """The processes stopped (SIGSTOP) as a frozen machine would be: no answer, no error."""
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


def test_a_frozen_database_gets_a_callback_answered_503_within_the_store_timeout(postgres_spec):
    store = open_store(postgres_spec, timeout=1.0)
    app = create_app(store, SourceAllowlist(["203.0.113.0/24"]), store_timeout=1.0)
    with local_client(app, EXOTEL) as client:
        with frozen(backend_pid(store, "writer")):
            started = time.monotonic()
            frozen_answer = client.post(CALL_PATH, data=CALL)
            waited = time.monotonic() - started
        # Exotel's retry is stored on a new connection (the watchdog shut the frozen one).
        stored = wait_for(lambda: client.post(CALL_PATH, data=CALL).status_code == 200)
    assert (frozen_answer.status_code, frozen_answer.json()["error"]) == (503, STORE_UNAVAILABLE)
    assert waited < 5  # not the minutes a frozen server would hold it
    assert stored


def test_health_answers_503_when_the_database_is_frozen_and_200_once_it_thaws(
    postgres_spec, postgres_server
):
    """The whole server frozen, as a frozen machine would be. (With only the reader's backend
    frozen, the second probe, if it came after the watchdog had shut the frozen connection,
    would open a new one to a backend that answers, and rightly be 200.)"""
    store = open_store(postgres_spec, timeout=1.0)
    app = create_app(store, SourceAllowlist(["127.0.0.1/32"]), store_timeout=1.0)
    with local_client(app, "127.0.0.1") as client:
        assert client.get(HEALTH_PATH).status_code == 200
        with frozen(*postgres_server.processes()):
            stuck = client.get(HEALTH_PATH)
            again = client.get(HEALTH_PATH)  # the first query still waits, or no new one starts
        thawed = wait_for(lambda: client.get(HEALTH_PATH).status_code == 200)
    assert (stuck.status_code, stuck.json()["status"]) == (503, "store unavailable")
    assert (again.status_code, again.json()["status"]) == (503, "store unavailable")
    assert thawed


def test_the_first_health_probe_after_a_backend_is_terminated_is_200(
    postgres_spec, postgres_server
):
    psycopg = pytest.importorskip("psycopg")
    store = open_store(postgres_spec)
    app = create_app(store, SourceAllowlist(["127.0.0.1/32"]))
    with local_client(app, "127.0.0.1") as client:
        assert client.get(HEALTH_PATH).status_code == 200
        pid = backend_pid(store, "reader")
        with psycopg.connect(postgres_server.url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        assert wait_for(lambda: not _alive(pid))
        answer = client.get(HEALTH_PATH)
    assert answer.status_code == 200, answer.json()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_sqlite_lock_held_elsewhere_is_a_503_and_health_says_so(tmp_path):
    path = tmp_path / "events.sqlite3"
    store = open_store(str(path), timeout=0.5)  # SQLite gives up on the lock after 0.5 s
    app = create_app(store, SourceAllowlist(["127.0.0.1/32"]))
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with local_client(app, "127.0.0.1") as client:
            locked = client.post(CALL_PATH, data=CALL)
            health = client.get(HEALTH_PATH)
            other.execute("ROLLBACK")
            stored = wait_for(lambda: client.post(CALL_PATH, data=CALL).status_code == 200)
            recovered = client.get(HEALTH_PATH)
    finally:
        other.close()
    assert (locked.status_code, locked.json()["error"]) == (503, STORE_UNAVAILABLE)
    assert (health.status_code, health.json()["status"]) == (503, "store unavailable")
    assert stored
    assert recovered.status_code == 200, recovered.json()
