"""``python -m helpers.webhooks`` as a real server on loopback: its safety checks, and a SIGKILL.

The crash test is the issue's "done when": a stream of concurrent, duplicated deliveries; the
receiver killed with SIGKILL in the middle of it; a restart on the same store; everything that was
not acknowledged sent again; and then every distinct event stored exactly once, every event
acknowledged before the kill found in the store right after it, and the handler run once per
event (plus at most the one event it had in hand when it was killed).
"""

from __future__ import annotations

import random
import socket
import sqlite3
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from helpers.webhooks import CALL_PATH, SMS_PATH
from helpers.webhooks import __main__ as webhooks_main
from helpers.webhooks.__main__ import main
from helpers.webhooks.store import open_store
from tests.support.ports import free_port
from tests.support.receiver_process import HANDLER, Receiver

# -- refusing to start unsafely -----------------------------------------------------------------


def cli(capsys, *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    return status, capsys.readouterr().err


def test_a_non_loopback_host_is_refused_without_public(capsys, tmp_path):
    status, err = cli(
        capsys, "--host", "0.0.0.0", "--store", str(tmp_path / "s"), "--allow", "127.0.0.1/32"
    )
    assert status == 2
    assert "--host 0.0.0.0 is not a loopback address. Callbacks must reach you over HTTPS" in err


def test_public_plain_http_is_refused_without_tls_or_a_proxy(capsys, tmp_path):
    status, err = cli(
        capsys, "--host", "0.0.0.0", "--public", "--store", str(tmp_path / "s"),
        "--allow", "127.0.0.1/32",
    )  # fmt: skip
    assert status == 2
    assert "would serve callbacks over plain HTTP" in err


def test_starting_without_an_allowlist_is_refused(capsys, tmp_path):
    status, err = cli(capsys, "--store", str(tmp_path / "s"))
    assert status == 2
    assert "The allowlist is empty" in err


def test_a_handler_that_cannot_be_imported_is_refused_by_name(capsys, tmp_path):
    status, err = cli(
        capsys, "--store", str(tmp_path / "s"), "--allow", "127.0.0.1/32",
        "--handler", "no_such_module:handle",
    )  # fmt: skip
    assert status == 2
    assert "--handler no_such_module:handle: cannot import it" in err


def test_a_busy_port_is_refused_before_the_banner_naming_another(capsys, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status = main(
            ["--port", str(port), "--store", str(tmp_path / "s"), "--allow", "127.0.0.1/32"]
        )
    out, err = capsys.readouterr()
    assert status == 2
    assert f"error: Port {port} on 127.0.0.1 is in use by another program" in err
    assert f"--port {port + 1}" in err
    assert out == ""


def test_the_banner_names_the_health_endpoint(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(webhooks_main, "serve", lambda app, **options: None)
    port = free_port()
    status = main(["--port", str(port), "--store", str(tmp_path / "s"), "--allow", "127.0.0.1/32"])
    assert status == 0
    assert f"GET  http://127.0.0.1:{port}/webhooks/health" in capsys.readouterr().out


def test_the_server_ignores_x_forwarded_for_unless_a_proxy_is_trusted(tmp_path):
    receiver = Receiver(tmp_path, tmp_path / "events.sqlite3", allow="203.0.113.0/24")
    try:
        response = httpx.post(
            receiver.url + CALL_PATH,
            data={"CallSid": "a1", "Status": "completed", "DateUpdated": "2026-01-15 10:00:42"},
            headers={"X-Forwarded-For": "203.0.113.10"},
        )
    finally:
        banner = receiver.stop()
    assert response.status_code == 403
    assert response.json()["error"] == (
        "Source address 127.0.0.1 may not post status callbacks here."
    )
    assert f"POST {receiver.url}{CALL_PATH}" in banner


# -- the SIGKILL test ---------------------------------------------------------------------------


def deliveries(calls: int = 120, copies: int = 3, seed: int = 4) -> tuple[list, set]:
    """(path, fields) deliveries: each call's two statuses and an SMS, each sent ``copies`` times."""
    distinct = []
    for i in range(calls):
        sid = f"{i:032x}"
        for status in ("in-progress", "completed"):
            fields = {"CallSid": sid, "Status": status, "DateUpdated": "2026-01-15 10:00:42"}
            distinct.append((CALL_PATH, fields))
        sms = {"SmsSid": f"{i + 10_000:032x}", "To": "09820000000", "Status": "sent"}
        distinct.append((SMS_PATH, sms))
    sends = distinct * copies
    random.Random(seed).shuffle(sends)
    keys = {(f.get("CallSid") or f["SmsSid"], f["Status"]) for _, f in distinct}
    return sends, keys


def post(client: httpx.Client, url: str, path: str, fields: dict) -> bool:
    """True only for a 200: anything else is "not acknowledged"."""
    try:
        if path == CALL_PATH:  # as Exotel sends call callbacks: multipart/form-data
            response = client.post(url + path, files={k: (None, v) for k, v in fields.items()})
        else:
            response = client.post(url + path, data=fields)
    except httpx.TransportError:
        return False
    return response.status_code == 200


def stored_keys(store: Path | str) -> Counter:
    opened = open_store(str(store))
    try:
        return Counter(e.key for e in opened.events())
    finally:
        opened.close()


def stored_ids(store: Path | str) -> set[int]:
    opened = open_store(str(store))
    try:
        return {e.id for e in opened.events()}
    finally:
        opened.close()


def wait_until_processed(store: Path | str, count: int, deadline: float = 30.0) -> int:
    opened = open_store(str(store))
    end = time.monotonic() + deadline
    try:
        while True:
            done = opened.counts()["processed"]
            if done >= count or time.monotonic() > end:
                return done
            time.sleep(0.05)  # polling the store with a deadline
    finally:
        opened.close()


@pytest.mark.timeout(120)
def test_sigkill_mid_stream_then_restart_stores_every_event_exactly_once(tmp_path, store_spec):
    (tmp_path / "crash_handler.py").write_text(HANDLER)
    store = store_spec
    handler = ("--handler", "crash_handler:handle", "--lease", "1")  # a killed claim lapses in 1 s
    sends, keys = deliveries(calls=40)
    kill_after = len(sends) // 3
    acked = [False] * len(sends)
    lock = threading.Lock()
    killed = threading.Event()

    receiver = Receiver(tmp_path, store, *handler)
    limits = httpx.Limits(max_connections=16)
    with httpx.Client(timeout=10, limits=limits) as client:

        def send(i: int) -> None:
            path, fields = sends[i]
            if post(client, receiver.url, path, fields):
                with lock:
                    acked[i] = True
                    if sum(acked) >= kill_after and not killed.is_set():
                        receiver.kill()  # SIGKILL, with requests still in flight
                        killed.set()

        with ThreadPoolExecutor(16) as pool:
            list(pool.map(send, range(len(sends))))
    receiver.kill()

    assert killed.is_set()
    before_kill = {i for i, ok in enumerate(acked) if ok}
    assert kill_after <= len(before_kill) < len(sends)  # killed midway
    # Every event acknowledged before the kill is in the store, straight after it.
    after_kill = stored_keys(store)
    for i in before_kill:
        fields = sends[i][1]
        assert (fields.get("CallSid") or fields["SmsSid"], fields["Status"]) in after_kill

    receiver = Receiver(tmp_path, store, *handler)
    try:
        with httpx.Client(timeout=10, limits=limits) as client, ThreadPoolExecutor(16) as pool:
            resent = [i for i in range(len(sends)) if i not in before_kill]
            answers = list(pool.map(lambda i: post(client, receiver.url, *sends[i]), resent))
        assert all(answers)
        processed = wait_until_processed(store, len(keys))
    finally:
        receiver.stop()

    stored = stored_keys(store)
    assert set(stored) == keys
    assert set(stored.values()) == {1}
    assert processed == len(keys)
    runs = Counter(int(line) for line in (tmp_path / "handled.log").read_text().split())
    assert set(runs) == stored_ids(store)  # every event handled
    assert sum(runs.values()) - len(keys) <= 1  # again only for the one in hand at the kill


# -- several receivers on one store ---------------------------------------------------------------

SLOW_HANDLER = """
import os
import time

def handle(event):
    time.sleep(0.02)  # the handler's slow work (a CRM update)
    fd = os.open(os.environ["HANDLED_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, f"{event.id}\\n".encode())
    finally:
        os.close(fd)
"""


@pytest.mark.timeout(180)
def test_three_receivers_on_one_store_handle_each_event_once_through_a_sigkill(
    tmp_path, store_spec
):
    (tmp_path / "slow_handler.py").write_text(SLOW_HANDLER)
    store = store_spec
    options = ("--handler", "slow_handler:handle", "--lease", "1")
    sends, keys = deliveries(calls=40)
    receivers = [Receiver(tmp_path, store, *options) for _ in range(3)]
    kill_after = len(sends) // 3
    acked = 0
    lock = threading.Lock()
    killed = threading.Event()
    try:
        with httpx.Client(timeout=10, limits=httpx.Limits(max_connections=12)) as client:

            def send(i: int) -> None:
                nonlocal acked
                path, fields = sends[i]
                for attempt in range(3):  # as Exotel retries: the next receiver, until a 200
                    receiver = receivers[(i + attempt) % 3]
                    if post(client, receiver.url, path, fields):
                        break
                else:
                    raise AssertionError(f"delivery {i} was never acknowledged")
                with lock:
                    acked += 1
                    if acked >= kill_after and not killed.is_set():
                        receivers[0].kill()  # SIGKILL, its worker with an event in hand
                        killed.set()

            with ThreadPoolExecutor(12) as pool:
                list(pool.map(send, range(len(sends))))
        processed = wait_until_processed(store, len(keys), deadline=60)
    finally:
        for receiver in receivers:
            receiver.kill()

    assert killed.is_set()
    assert set(stored_keys(store)) == keys
    assert processed == len(keys)
    runs = Counter(int(line) for line in (tmp_path / "handled.log").read_text().split())
    assert set(runs) == stored_ids(store)  # every event handled
    assert sum(runs.values()) - len(keys) <= 1  # again only for the one in hand at the kill


def test_a_store_with_another_schema_exits_2_saying_what_is_wrong(capsys, tmp_path):
    store = tmp_path / "events.sqlite3"
    with sqlite3.connect(store) as db:
        db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT)")
    status, err = cli(capsys, "--store", str(store), "--allow", "127.0.0.1/32")
    assert status == 2
    assert err.startswith(f"error: {store} already has an events table, with columns (id, body)")
    assert "Traceback" not in err


# -- slow and oversized clients -------------------------------------------------------------------

HALF_A_HEADER = b"POST /webhooks/exotel/call-status HTTP/1.1\r\nHost: receiver\r\nContent-Ty"


def half_open(port: int, source: str) -> socket.socket:
    """A connection from ``source`` that sends half a request header and then waits."""
    sock = socket.socket()
    sock.bind((source, 0))
    sock.settimeout(5)
    sock.connect(("127.0.0.1", port))
    sock.sendall(HALF_A_HEADER)
    return sock


@pytest.mark.timeout(120)
def test_an_allowlisted_caller_is_answered_past_300_slow_connections(tmp_path):
    """Behaviour, not speed (a loaded machine is slow): without the shedding the caller is never
    answered; with it, well within Exotel's 15 s (the deadline is 30 s, for a busy machine)."""
    receiver = Receiver(tmp_path, tmp_path / "events.sqlite3", open_files=256)
    slow = []
    try:
        # More than the receiver can hold open files for, opened at once as a flood would be
        # (the kernel holds back some of them for a second while the receiver sheds others).
        with ThreadPoolExecutor(50) as pool:
            slow = list(pool.map(lambda _: half_open(receiver.port, "127.0.0.2"), range(300)))
        response = httpx.post(
            receiver.url + CALL_PATH,
            data={"CallSid": "a1", "Status": "completed", "DateUpdated": "2026-01-15 10:00:42"},
            timeout=30,
        )
    finally:
        for sock in slow:
            sock.close()
        receiver.stop()
    assert response.status_code == 200


def closed_by_peer(sock: socket.socket) -> bool:
    """True if the other end closes the connection (EOF or reset) within the socket's timeout."""
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return True


def test_an_allowed_connection_that_never_finishes_its_headers_is_closed(tmp_path):
    receiver = Receiver(tmp_path, tmp_path / "events.sqlite3", "--header-timeout", "0.5")
    try:
        sock = half_open(receiver.port, "127.0.0.1")
        with sock:
            assert closed_by_peer(sock)  # within the 5 s socket timeout, not never
    finally:
        receiver.stop()


def test_after_an_answer_the_next_requests_headers_have_the_header_deadline_too(tmp_path):
    """The keep-alive connection's deadline restarts with each answer (uvicorn's own keep-alive
    timeout, 5 s, would close it much later than the 0.5 s asked for)."""
    receiver = Receiver(tmp_path, tmp_path / "events.sqlite3", "--header-timeout", "0.5")
    body = b"CallSid=a1&Status=completed&DateUpdated=2026-01-15+10%3A00%3A42"
    try:
        with socket.create_connection(("127.0.0.1", receiver.port), timeout=3) as sock:
            for _ in range(2):  # two requests on one connection, then nothing
                sock.sendall(
                    b"POST /webhooks/exotel/call-status HTTP/1.1\r\nHost: receiver\r\n"
                    b"Content-Type: application/x-www-form-urlencoded\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
                )
                answer = b""
                while not answer.endswith(b"}"):  # the JSON body, however it is split
                    chunk = sock.recv(4096)
                    assert chunk, answer  # not closed before the answer
                    answer += chunk
                assert answer.startswith(b"HTTP/1.1 200 "), answer
            closed = closed_by_peer(sock)  # within the 3 s socket timeout
    finally:
        receiver.stop()
    assert closed


def test_after_a_413_for_a_huge_content_length_the_connection_is_closed(tmp_path):
    receiver = Receiver(tmp_path, tmp_path / "events.sqlite3")
    try:
        with socket.create_connection(("127.0.0.1", receiver.port), timeout=5) as sock:
            sock.sendall(
                b"POST /webhooks/exotel/call-status HTTP/1.1\r\nHost: receiver\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 300000000\r\n\r\n" + b"x" * 65536
            )
            head = sock.recv(4096)
            closed = closed_by_peer(sock)
    finally:
        receiver.stop()
    assert head.startswith(b"HTTP/1.1 413 ")
    assert b"connection: close" in head.lower()
    assert closed


def test_past_the_connection_cap_the_longest_waiting_connection_is_shed(tmp_path):
    receiver = Receiver(
        tmp_path, tmp_path / "events.sqlite3", "--max-connections", "10", "--header-timeout", "30"
    )
    slow = [half_open(receiver.port, "127.0.0.1") for _ in range(10)]  # allowed, yet slow
    try:
        with httpx.Client(base_url=receiver.url, timeout=5) as client:
            health = client.get("/webhooks/health")
        oldest_closed = closed_by_peer(slow[0])
    finally:
        for sock in slow:
            sock.close()
        receiver.stop()
    assert health.status_code == 200
    assert oldest_closed


def test_an_unreachable_postgresql_store_exits_2_without_showing_the_password(capsys):
    pytest.importorskip("psycopg", reason="psycopg is installed with the postgres extra")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    hidden = "s3cret-pw"  # not a real one, built up below so no scanner mistakes it for one
    url = "postgresql://" + f"receiver:{hidden}" + f"@127.0.0.1:{port}/events"
    status, err = cli(capsys, "--store", url, "--allow", "127.0.0.1/32")
    assert status == 2
    assert err.startswith(
        f"error: Cannot connect to the event store postgresql://receiver@127.0.0.1:{port}/events:"
    )
    assert hidden not in err


@pytest.mark.parametrize(
    "option, value, sentence",
    [
        ("--lease", "nan", "--lease nan: give a number of seconds above 0 and at most 86,400"),
        ("--lease", "-1", "--lease -1: give a number of seconds above 0"),
        ("--body-timeout", "nan", "--body-timeout nan: give a number of seconds above 0"),
        ("--header-timeout", "inf", "--header-timeout inf: give a number of seconds above 0"),
        ("--max-body", "-1", "--max-body -1: give a number of bytes from 1 to 67,108,864"),
        ("--max-connections", "0", "--max-connections 0: give a number from 1 to 1,000,000"),
    ],
)
def test_an_option_that_makes_no_sense_exits_2_with_a_sentence(
    capsys, tmp_path, option, value, sentence
):
    store = tmp_path / "events.sqlite3"
    status, err = cli(capsys, "--store", str(store), "--allow", "127.0.0.1/32", option, value)
    assert status == 2
    assert err.startswith(f"error: {sentence}")
    assert not store.exists()  # refused before anything was opened


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://receiver:{pw}@127.0.0.1:5432:x/events",
        "postgresql://receiver:{pw}@[::1/events",
        "postgresql://receiver:{pw}@127.0.0.1:1/events?sslmode=bogus",
    ],
)
def test_a_postgresql_url_libpq_cannot_parse_exits_2_without_the_password(capsys, url):
    pytest.importorskip("psycopg", reason="psycopg is installed with the postgres extra")
    hidden = "s3cret-" + "pw"  # not a real one, built up so no scanner mistakes it for one
    status, err = cli(capsys, "--store", url.format(pw=hidden), "--allow", "127.0.0.1/32")
    assert status == 2
    assert err.startswith("error: Cannot connect to the event store postgresql://")
    assert hidden not in err and "Traceback" not in err


def test_a_client_that_leaves_mid_body_is_not_a_traceback_in_the_log(tmp_path):
    receiver = Receiver(tmp_path, tmp_path / "events.sqlite3")
    try:
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", receiver.port), timeout=5) as sock:
                sock.sendall(
                    b"POST /webhooks/exotel/call-status HTTP/1.1\r\nHost: receiver\r\n"
                    b"Content-Type: application/x-www-form-urlencoded\r\n"
                    b"Content-Length: 100\r\n\r\nCallSid=a1&"
                )
        with httpx.Client(base_url=receiver.url, timeout=5) as client:
            assert client.get("/webhooks/health").status_code == 200
    finally:
        receiver.stop()
    assert "Traceback" not in receiver.err, receiver.err


def slow_body(port: int) -> socket.socket:
    """An allowed connection whose headers are complete and whose body trickles (5 of 100 bytes)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(
        b"POST /webhooks/exotel/call-status HTTP/1.1\r\nHost: receiver\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nCallS"
    )
    return sock


def test_slow_bodies_from_allowed_addresses_are_shed_for_a_real_caller(tmp_path):
    receiver = Receiver(
        tmp_path, tmp_path / "events.sqlite3",
        "--max-connections", "20", "--header-timeout", "30", "--body-timeout", "30",
    )  # fmt: skip
    slow = []
    try:
        for _ in range(20):
            slow.append(slow_body(receiver.port))
            time.sleep(0.01)  # one after another, so the first is the longest waiting
        answers = [
            httpx.post(receiver.url + CALL_PATH, data={**FIELDS, "CallSid": f"a{i}"}, timeout=10)
            for i in range(5)
        ]
        oldest_closed = closed_by_peer(slow[0])
    finally:
        for sock in slow:
            sock.close()
        receiver.stop()
    assert [a.status_code for a in answers] == [200] * 5
    assert oldest_closed


FIELDS = {"CallSid": "a1", "Status": "completed", "DateUpdated": "2026-01-15 10:00:42"}


def test_a_client_that_half_closes_after_its_request_gets_its_answer(tmp_path):
    receiver = Receiver(tmp_path, tmp_path / "events.sqlite3")
    body = b"CallSid=h1&Status=completed&DateUpdated=2026-01-15+10%3A00%3A42"
    try:
        with socket.create_connection(("127.0.0.1", receiver.port), timeout=10) as sock:
            sock.sendall(
                b"POST /webhooks/exotel/call-status HTTP/1.1\r\nHost: receiver\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
            )
            sock.shutdown(socket.SHUT_WR)  # nothing more from this client
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
    finally:
        receiver.stop()
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
    assert b'"result":"accepted"' in answer
