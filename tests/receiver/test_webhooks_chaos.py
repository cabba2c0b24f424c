"""The receiver's long chaos scenarios, for ``make chaos`` (minutes, not seconds).

Each floods real receivers (child processes on loopback) with callbacks, every one delivered
twice and retried until it is acknowledged, as Exotel retries; mid-flood it breaks something:
PostgreSQL restarted, frozen, its backends terminated; SQLite's disk full; an event whose handler
kills the process every time; one of three receivers on one store SIGKILLed. Then it checks what
the receiver promises: nothing acknowledged lost, nothing handled twice beyond the event in hand
at a crash, health 503 while it cannot work and 200 again once it can.

Each scenario's figures (acknowledged, stored, handled, duplicates, lost, and how long health
took to turn and to recover) are appended to ``_build/chaos/receiver.jsonl``;
``benchmarks/chaos.py`` prints them as a table (``make chaos`` does both). The fast versions of
these faults run in ``make test`` (test_webhooks_faults.py, test_webhooks_server.py).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
import pytest

from helpers.book.paths import ROOT
from helpers.webhooks import CALL_PATH, HEALTH_PATH
from helpers.webhooks.store import DIED, open_store
from tests.support.polling import wait_for
from tests.support.receiver_process import Receiver

pytestmark = [
    pytest.mark.chaos,
    pytest.mark.skipif(
        not os.environ.get("HANDBOOK_CHAOS"),
        reason="a long chaos scenario: `make chaos` runs it (HANDBOOK_CHAOS=1)",
    ),
]

REPORT = Path(os.environ.get("HANDBOOK_CHAOS_REPORT", ROOT / "_build" / "chaos" / "receiver.jsonl"))
EVENTS = 300  # distinct events per flood, each delivered twice
HANDLER = """
import os

def handle(event):
    if event.fields.get("CustomField") == "poison":
        os._exit(1)  # the process dies with the event in hand, every time
    fd = os.open(os.environ["HANDLED_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, f"{event.id}\\n".encode())
    finally:
        os.close(fd)
"""
OPTIONS = ("--handler", "chaos_handler:handle", "--lease", "1", "--store-timeout", "2")


@dataclass
class Tally:
    """One scenario's figures, as ``benchmarks/chaos.py`` prints them."""

    scenario: str
    store: str
    acknowledged: int
    stored: int
    handled: int
    duplicates: int
    lost: int
    turned: float | None  # seconds from the fault to health's first answer that is not 200
    recovered: float | None  # seconds from the fault's end to health's next 200
    note: str = ""
    load: float = field(default_factory=lambda: round(os.getloadavg()[0], 1))  # when it ran

    def record(self) -> None:
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        with REPORT.open("a") as report:
            report.write(json.dumps(asdict(self)) + "\n")


@dataclass
class Marks:
    """When the fault began and ended (time.monotonic())."""

    fault: float | None = None
    clear: float | None = None


class Health:
    """Asks a receiver's health every 0.1 s from a thread; an answer that does not come within
    2 s counts as not 200."""

    def __init__(self, url: Callable[[], str]):
        self.url = url
        self.samples: list[tuple[float, int | None, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        with httpx.Client(timeout=2) as client:
            while not self._stop.is_set():
                asked = time.monotonic()
                try:
                    answer = client.get(self.url() + HEALTH_PATH)
                    sample = (asked, answer.status_code, answer.json().get("status", ""))
                except (httpx.HTTPError, ValueError):
                    sample = (asked, None, "no answer")
                self.samples.append(sample)
                self._stop.wait(0.1)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def turned(self, since: float | None, status: str | None = None) -> float | None:
        """Seconds from ``since`` to the first answer that is not 200 (or whose status is
        ``status``)."""
        if since is None:
            return None
        return next(
            (
                t - since
                for t, code, said in self.samples
                if t >= since and (code != 200 if status is None else said == status)
            ),
            None,
        )

    def recovered(self, since: float | None) -> float | None:
        if since is None or self.turned(since - 3600) is None:
            return None  # it never turned: nothing to recover from
        return next((t - since for t, code, _ in self.samples if t >= since and code == 200), None)

    def last(self) -> tuple[int | None, str]:
        return self.samples[-1][1:] if self.samples else (None, "")


def events(count: int = EVENTS, *, poison: int | None = None) -> list[dict]:
    found = []
    for i in range(count):
        fields = {
            "CallSid": f"c{i:07d}",
            "Status": "completed",
            "DateUpdated": "2026-01-15 10:00:42",
        }
        if i == poison:
            fields["CustomField"] = "poison"
        found.append(fields)
    return found


def flood(
    urls: Callable[[], list[str]],
    sent: list[dict],
    fault: Callable[[Marks], None],
    *,
    at: float = 0.3,
    deadline: float = 300.0,
) -> tuple[set[str], Marks]:
    """Deliver each event twice, each delivery retried (on the next receiver) until a 200 or
    the deadline; ``fault`` runs in its own thread once ``at`` of the deliveries are
    acknowledged. The sids acknowledged, and when the fault began and ended."""
    deliveries = [fields for fields in sent for _ in range(2)]
    marks = Marks()
    acked: set[str] = set()
    done = 0
    lock = threading.Lock()
    started = threading.Event()
    breaker = threading.Thread(target=lambda: (started.wait(), fault(marks)), daemon=True)
    breaker.start()
    end = time.monotonic() + deadline

    def deliver(i: int) -> None:
        nonlocal done
        fields = deliveries[i]
        attempt = 0
        with httpx.Client(timeout=10) as client:
            while time.monotonic() < end:
                choices = urls()
                url = choices[(i + attempt) % len(choices)]
                attempt += 1
                try:
                    answer = client.post(url + CALL_PATH, data=fields)
                except httpx.HTTPError:
                    answer = None
                if answer is not None and answer.status_code == 200:
                    with lock:
                        acked.add(fields["CallSid"])
                        done += 1
                        if done >= at * len(deliveries):
                            started.set()
                    return
                time.sleep(0.2)  # Exotel's retry, sooner

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(deliver, range(len(deliveries))))
    started.set()
    breaker.join(120)
    return acked, marks


def settle(spec: str, expected: int, deadline: float = 180.0) -> dict:
    """Wait until ``expected`` events are processed or failing; the store's counts then."""
    store = open_store(spec)
    end = time.monotonic() + deadline
    try:
        while True:
            counts = store.counts()
            if counts["processed"] + counts["failing"] >= expected or time.monotonic() > end:
                return counts
            time.sleep(0.1)  # polling the store, with a deadline
    finally:
        store.close()


def tally(
    scenario: str,
    spec: str,
    tmp_path: Path,
    sent: list[dict],
    acked: set[str],
    health: Health,
    marks: Marks,
    note: str = "",
    turned_to: str | None = None,
) -> Tally:
    store = open_store(spec)
    try:
        stored = {e.sid: e.id for e in store.events()}
    finally:
        store.close()
    log = tmp_path / "handled.log"
    runs = Counter(int(line) for line in log.read_text().split()) if log.exists() else Counter()
    result = Tally(
        scenario=scenario,
        store="PostgreSQL" if spec.startswith("postgresql") else "SQLite",
        acknowledged=len(acked),
        stored=len(stored),
        handled=len(runs),
        duplicates=sum(runs.values()) - len(runs),
        lost=len(acked - set(stored)),
        turned=health.turned(marks.fault, turned_to),
        recovered=health.recovered(marks.clear),
        note=note,
    )
    result.record()
    print(result)
    return result


@pytest.fixture
def scene(tmp_path, postgres_server):
    """A handler module in ``tmp_path`` and a fresh PostgreSQL schema for one scenario."""
    (tmp_path / "chaos_handler.py").write_text(HANDLER)
    return postgres_server.schema_url(f"chaos_{uuid.uuid4().hex[:12]}")


def check(result: Tally, events_sent: int, *, duplicates: int = 0) -> None:
    assert result.lost == 0, result
    assert result.acknowledged == result.stored == events_sent, result
    assert result.handled == events_sent, result
    assert result.duplicates <= duplicates, result


def one_receiver_through(fault, scene: str, tmp_path) -> tuple[list[dict], dict, Marks, Health]:
    """One receiver on ``scene`` flooded while ``fault`` runs, until every event is handled;
    then a last health sample after the backlog is done."""
    receiver = Receiver(tmp_path, scene, *OPTIONS)
    health = Health(lambda: receiver.url)
    try:
        sent = events()
        acked, marks = flood(lambda: [receiver.url], sent, fault)
        settle(scene, len(sent))
        time.sleep(1)
    finally:
        health.stop()
        receiver.stop()
    return sent, acked, marks, health


@pytest.mark.timeout(900)
def test_a_postgresql_restart_mid_flood_loses_nothing(scene, tmp_path, postgres_server):
    def restart(marks: Marks) -> None:
        marks.fault = time.monotonic()
        postgres_server.restart()
        marks.clear = time.monotonic()

    sent, acked, marks, health = one_receiver_through(restart, scene, tmp_path)
    check(tally("PostgreSQL restart", scene, tmp_path, sent, acked, health, marks), len(sent))


@pytest.mark.timeout(900)
def test_a_frozen_postgresql_turns_health_503_and_loses_nothing(scene, tmp_path, postgres_server):
    def freeze(marks: Marks) -> None:
        pids = postgres_server.processes()
        marks.fault = time.monotonic()
        try:
            for pid in pids:
                os.kill(pid, signal.SIGSTOP)
            time.sleep(8)  # frozen: no answer, no error, for longer than the store timeout
        finally:
            for pid in pids:
                os.kill(pid, signal.SIGCONT)
        marks.clear = time.monotonic()

    sent, acked, marks, health = one_receiver_through(freeze, scene, tmp_path)
    result = tally("PostgreSQL frozen 8 s", scene, tmp_path, sent, acked, health, marks)
    check(result, len(sent))
    assert result.turned is not None and result.recovered is not None, health.samples[-20:]


@pytest.mark.timeout(900)
def test_terminated_postgresql_backends_lose_nothing(scene, tmp_path, postgres_server):
    import psycopg

    def terminate(marks: Marks) -> None:
        marks.fault = time.monotonic()
        with psycopg.connect(postgres_server.url, autocommit=True) as admin:
            for _ in range(3):
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
                )
                time.sleep(0.5)
        marks.clear = time.monotonic()

    sent, acked, marks, health = one_receiver_through(terminate, scene, tmp_path)
    check(tally("backends terminated ×3", scene, tmp_path, sent, acked, health, marks), len(sent))


@pytest.mark.timeout(900)
def test_a_full_disk_under_sqlite_answers_503_then_stores_everything(tmp_path):
    (tmp_path / "chaos_handler.py").write_text(HANDLER)
    spec = str(tmp_path / "events.sqlite3")
    receiver = Receiver(tmp_path, spec, *OPTIONS)
    health = Health(lambda: receiver.url)
    codes: Counter = Counter()

    def fill(marks: Marks) -> None:
        pid = receiver.process.pid
        marks.fault = time.monotonic()
        # The receiver may write nothing more: every write past a file's first byte fails
        # (EFBIG, which SQLite reports as a full disk), as on a full disk.
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (1, resource.RLIM_INFINITY))
        try:
            with httpx.Client(timeout=10) as client:
                for i in range(5):
                    fields = {**events(1)[0], "CallSid": f"full{i}"}
                    codes[client.post(receiver.url + CALL_PATH, data=fields).status_code] += 1
            time.sleep(5)
        finally:
            resource.prlimit(pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2)
        marks.clear = time.monotonic()

    try:
        sent = events()
        acked, marks = flood(lambda: [receiver.url], sent, fill)
        settle(spec, len(sent))
        time.sleep(1)
    finally:
        health.stop()
        receiver.stop()
    result = tally(
        "disk full 5 s",
        spec,
        tmp_path,
        sent,
        acked,
        health,
        marks,
        note=f"while full: {dict(codes)}",
    )
    check(result, len(sent))
    assert set(codes) == {503}, codes
    assert len(receiver.err) < 64 * 1024, receiver.err[-2000:]  # a few lines, counted, not a flood
    assert result.turned is not None and result.recovered is not None, health.samples[-20:]


@pytest.mark.timeout(900)
def test_a_poison_event_ends_failing_after_three_deaths_and_the_rest_is_handled(scene, tmp_path):
    options = (*OPTIONS, "--max-attempts", "3")
    receiver = Receiver(tmp_path, scene, *options)
    port = receiver.port
    crashes = 0
    stop = threading.Event()

    def supervise() -> None:  # as systemd would: start it again whenever it dies
        nonlocal receiver, crashes
        while not stop.is_set():
            if receiver.process.poll() is not None:
                crashes += 1
                if crashes == 3:
                    marks.fault = time.monotonic()  # the last death: now it is a poison event
                # Not waiting for it to listen: a start slower than the lease (a busy machine)
                # claims the poison event and dies before it listens, a death like any other.
                receiver = Receiver(tmp_path, scene, *options, port=port, wait=False)
            time.sleep(0.05)

    marks = Marks()
    supervisor = threading.Thread(target=supervise, daemon=True)
    supervisor.start()
    health = Health(lambda: receiver.url)
    poison = EVENTS // 2
    try:
        sent = events(poison=poison)
        acked, _ = flood(lambda: [receiver.url], sent, lambda _: None, at=0.0)
        # Until its third death it is retried (failing with DIED already, after the first):
        # under load each restart takes seconds, so the wait is generous.
        assert wait_for(lambda: crashes >= 3, 300, every=0.1)
        assert wait_for(lambda: health.last() == (503, "events failing"), 120, every=0.1)
        counts = settle(scene, len(sent))
    finally:
        stop.set()
        supervisor.join(30)
        health.stop()
        receiver.stop()
    store = open_store(scene)
    try:
        failing = [(e.sid, error) for e, error in store.failing()]
    finally:
        store.close()
    result = tally(
        "poison event (3 deaths)", scene, tmp_path, sent, acked, health, marks,
        note=f"{crashes} deaths; turned: from the last death to 'events failing', which stays "
        "(a person decides)",
        turned_to="events failing",
    )  # fmt: skip
    assert crashes == 3
    assert failing == [(f"c{poison:07d}", DIED)]
    assert counts["failing"] == 1
    assert result.lost == 0 and result.acknowledged == result.stored == len(sent)
    assert result.handled == len(sent) - 1  # all but the poison
    assert result.duplicates <= crashes


@pytest.mark.timeout(900)
def test_three_receivers_one_killed_handle_each_event_once(scene, tmp_path):
    receivers = [Receiver(tmp_path, scene, *OPTIONS) for _ in range(3)]
    alive = list(receivers)
    health = Health(lambda: receivers[1].url)

    def kill_one(marks: Marks) -> None:
        marks.fault = time.monotonic()
        alive.remove(receivers[0])
        receivers[0].kill()  # SIGKILL, requests and an event in hand
        marks.clear = time.monotonic()

    try:
        sent = events()
        acked, marks = flood(lambda: [r.url for r in alive], sent, kill_one)
        settle(scene, len(sent))
        time.sleep(1)
    finally:
        health.stop()
        for receiver in receivers:
            receiver.kill()
    result = tally(
        "3 receivers, 1 SIGKILLed", scene, tmp_path, sent, acked, health, marks,
        note="health of a survivor",
    )  # fmt: skip
    check(result, len(sent), duplicates=1)
