"""The receivers a reader copies from "Secure your receiver" (``book/snippets/webhooks/receiver/``,
in Python and Node.js), each run as a reader runs it, on loopback, against the status callbacks
the loopback sandbox delivers: each event stored once and handled once, forgeries refused, and a
restart that forgets nothing.

The Node.js receiver needs ``node`` and Express (``make node``); without them its tests skip and
say why. It reads JSON and form callbacks, so its calls ask for JSON call callbacks; the Python
one reads Exotel's default, ``multipart/form-data``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from helpers.book.paths import ROOT
from helpers.book.snippets import Snippet
from helpers.sandbox import DEMO_ACCOUNT_SID
from tests.support.polling import wait_for
from tests.support.ports import free_port
from tests.support.served_sandbox import AUTH, ServedSandbox

RECEIVERS = ROOT / "book" / "snippets" / "webhooks" / "receiver"
CALL_PATH, SMS_PATH = "/webhooks/exotel/call-status", "/webhooks/exotel/sms-status"
START_DEADLINE = 20.0
#: The stand-in for Exotel's ranges when the sender is a proxy on this machine.
EXOTEL_RANGE, EXOTEL_ADDRESS = "203.0.113.0/24", "203.0.113.10"


class Language:
    """How to run one language's receiver, and how to read what it stored."""

    def __init__(self, name: str, path: Path, command: list[str], call_content_type: dict):
        self.name, self.path, self.command = name, path, command
        self.call_content_type = call_content_type  # what its calls ask Exotel to send

    def store_path(self, folder: Path) -> Path:
        return folder / ("events.sqlite3" if self.name == "python" else "events")

    def stored(self, store: Path) -> list[tuple[str, str]]:
        """Every (Sid, Status) the receiver stored, sorted."""
        if self.name == "python":
            with sqlite3.connect(store) as db:
                return sorted(db.execute("SELECT sid, status FROM events").fetchall())
        events = [json.loads(p.read_text()) for p in store.glob("*.json")]
        return sorted((e["sid"], e["status"]) for e in events)


PYTHON = Language("python", RECEIVERS / "receiver.py", [sys.executable], {})
NODE = Language(
    "node",
    RECEIVERS / "receiver.mjs",
    ["node"],
    {"StatusCallbackContentType": "application/json"},
)


def node_missing() -> str | None:
    return Snippet(NODE.path).missing_tool()


LANGUAGES = [
    pytest.param(PYTHON, id="python"),
    pytest.param(
        NODE,
        id="node",
        marks=pytest.mark.skipif(node_missing() is not None, reason=str(node_missing())),
    ),
]


class RunningReceiver:
    """One receiver file in a child process on a loopback port, as a reader starts it."""

    def __init__(self, language: Language, folder: Path, store: Path, port: int | None, **env: str):
        self.language, self.store = language, store
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.out = folder / f"receiver-{self.port}.out"
        self.err = folder / f"receiver-{self.port}.err"
        environment = {
            **os.environ,
            "PORT": str(self.port),
            "EXOTEL_EVENTS": str(store),
            "EXOTEL_SOURCES": "127.0.0.1/32",
            **env,
        }
        with self.out.open("w") as out, self.err.open("w") as err:
            self.process = subprocess.Popen(
                [*language.command, str(language.path)],
                cwd=folder,
                env=environment,
                stdout=out,
                stderr=err,
            )
        deadline = time.monotonic() + START_DEADLINE
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the receiver exited: {self.err.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)  # polling the port with a deadline, not timing anything
        self.stop()
        raise AssertionError(f"nothing listened on {self.port}: {self.err.read_text()}")

    def handled(self) -> list[str]:
        """The handler's lines so far: ``handled <sid> <status>``."""
        return [line for line in self.out.read_text().splitlines() if line.startswith("handled")]

    def post(self, path: str, sender: str = "127.0.0.1", **request) -> httpx.Response:
        transport = httpx.HTTPTransport(local_address=sender)
        with httpx.Client(transport=transport, timeout=10) as client:
            return client.post(self.url + path, **request)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Exotel:
    """The loopback sandbox, driven as the book drives it: place calls and send SMS through the
    API, move its clock, and have it deliver the callbacks that are due."""

    def __init__(self, sandbox: ServedSandbox):
        self.origin = sandbox.origin
        self.client = httpx.Client(base_url=sandbox.origin, auth=AUTH, timeout=30)

    def connect_call(self, callback: str, **form: str) -> str:
        answer = self.client.post(
            f"/v1/Accounts/{DEMO_ACCOUNT_SID}/Calls/connect.json",
            data={
                "From": "09810000000",
                "To": "09820000000",
                "CallerId": "08010000000",
                "StatusCallback": callback,
                **form,
            },
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["Call"]["Sid"]

    def send_sms(self, callback: str) -> str:
        answer = self.client.post(
            f"/v1/Accounts/{DEMO_ACCOUNT_SID}/Sms/send.json",
            data={
                "From": "EXOTEL",
                "To": "09820000000",
                "Body": "Your OTP is 123456",
                "StatusCallback": callback,
            },
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["SMSMessage"]["Sid"]

    def advance(self, seconds: int) -> None:
        answer = self.client.post("/_sandbox/admin/clock/advance", data={"seconds": seconds})
        assert answer.status_code == 200, answer.text

    def deliver(self) -> list[dict]:
        answer = self.client.post("/_sandbox/admin/callbacks/deliver")
        assert answer.status_code == 200, answer.text
        return answer.json()["deliveries"]


@pytest.fixture
def exotel(tmp_path):
    with ServedSandbox(tmp_path / "sandbox.log", "--frozen-clock") as sandbox:
        driver = Exotel(sandbox)
        yield driver
        driver.client.close()


@pytest.fixture
def start(tmp_path):
    """``start(language, **env)``: a receiver on its own store in ``tmp_path``; stopped after."""
    started = []

    def starting(
        language: Language, store: Path | None = None, port: int | None = None, **env
    ) -> RunningReceiver:
        store = store or language.store_path(tmp_path)
        receiver = RunningReceiver(language, tmp_path, store, port, **env)
        started.append(receiver)
        return receiver

    yield starting
    for receiver in started:
        receiver.stop()


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_callback_the_sandbox_delivers_is_stored_once_and_handled_once(
    exotel, start, language
):
    receiver = start(language)
    call = exotel.connect_call(
        receiver.url + CALL_PATH,
        **{"StatusCallbackEvents[0]": "answered", "StatusCallbackEvents[1]": "terminal"},
        **language.call_content_type,
    )
    sms = exotel.send_sms(receiver.url + SMS_PATH)
    deliveries = []
    for seconds in (0, 5, 37):  # answered now, the SMS after 5 s, the call's end 37 s later
        exotel.advance(seconds)
        deliveries += exotel.deliver()
    assert [(d["sid"], d["status"], d["http_status"]) for d in deliveries] == [
        (call, "in-progress", 200),
        (sms, "sent", 200),
        (call, "completed", 200),
    ]
    # A retry of the call's end, as Exotel sends one when an answer is lost: a duplicate.
    again = receiver.post(CALL_PATH, data={"CallSid": call, "Status": "completed"})
    assert (again.status_code, again.json()) == (200, {"stored": "duplicate"})

    expected = sorted([(call, "in-progress"), (call, "completed"), (sms, "sent")])
    assert language.stored(receiver.store) == expected
    assert wait_for(lambda: len(receiver.handled()) >= 3)
    receiver.stop()  # so nothing is still being handled when the lines are counted
    assert sorted(receiver.handled()) == sorted(f"handled {s} {t}" for s, t in expected)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_forged_callback_from_another_address_is_refused(exotel, start, language):
    receiver = start(language)
    forged = {"CallSid": "0f0f0f0f0f0f0f0f", "Status": "completed"}
    stranger = receiver.post(CALL_PATH, sender="127.0.0.2", data=forged)
    claiming = receiver.post(
        CALL_PATH, sender="127.0.0.2", data=forged, headers={"X-Forwarded-For": "127.0.0.1"}
    )
    assert (stranger.status_code, claiming.status_code) == (403, 403)
    assert "127.0.0.2" in stranger.json()["error"]
    assert language.stored(receiver.store) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_malformed_callbacks_are_refused_with_a_reason_and_never_stored(start, language):
    receiver = start(language)
    json_type = {"Content-Type": "application/json"}
    refused = {
        "unknown status": receiver.post(CALL_PATH, data={"CallSid": "c1", "Status": "paid"}),
        "no sid": receiver.post(CALL_PATH, data={"Status": "completed"}),
        "not a sid": receiver.post(CALL_PATH, data={"CallSid": "c 1", "Status": "completed"}),
        "broken JSON": receiver.post(CALL_PATH, content=b"{", headers=json_type),
        "a JSON list": receiver.post(CALL_PATH, content=b"[1]", headers=json_type),
        "a number for a sid": receiver.post(
            CALL_PATH, content=b'{"CallSid": 7, "Status": "completed"}', headers=json_type
        ),
        "too large": receiver.post(
            CALL_PATH, data={"CallSid": "c1", "Status": "completed", "Note": "x" * 20_000}
        ),
    }
    statuses = {what: answer.status_code for what, answer in refused.items()}
    assert statuses == {**dict.fromkeys(refused, 400), "too large": 413}
    assert all(answer.json()["error"] for answer in refused.values())
    assert language.stored(receiver.store) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_callback_missed_while_down_is_taken_on_the_retry_and_a_restart_forgets_nothing(
    exotel, start, language, tmp_path
):
    store = language.store_path(tmp_path)
    port = free_port()  # nothing listens there yet: the receiver is down
    call = exotel.connect_call(f"http://127.0.0.1:{port}{CALL_PATH}", **language.call_content_type)
    exotel.advance(42)
    [missed] = exotel.deliver()
    assert missed["http_status"] is None and missed["next_attempt"] is not None

    first = start(language, store, port)
    exotel.advance(30)
    [retry] = exotel.deliver()
    assert (retry["sid"], retry["http_status"]) == (call, 200)
    assert wait_for(lambda: first.handled() == [f"handled {call} completed"])
    first.stop()

    restarted = start(language, store, port)
    again = restarted.post(CALL_PATH, data={"CallSid": call, "Status": "completed"})
    assert again.json() == {"stored": "duplicate"}
    restarted.stop()
    assert restarted.handled() == []
    assert language.stored(store) == [(call, "completed")]


@pytest.mark.parametrize("language", LANGUAGES)
def test_behind_a_named_proxy_only_its_forwarded_address_counts(start, language):
    receiver = start(language, EXOTEL_SOURCES=EXOTEL_RANGE, EXOTEL_PROXIES="127.0.0.1")
    event = {"CallSid": "c1", "Status": "completed"}

    def post(sender: str, forwarded_for: str) -> int:
        headers = {"X-Forwarded-For": forwarded_for}
        return receiver.post(CALL_PATH, sender=sender, data=event, headers=headers).status_code

    assert post("127.0.0.2", EXOTEL_ADDRESS) == 403  # not the proxy: the header is not read
    assert post("127.0.0.1", f"{EXOTEL_ADDRESS}, 198.51.100.7") == 403  # padded by a stranger
    assert post("127.0.0.1", EXOTEL_ADDRESS) == 200
    assert language.stored(receiver.store) == [("c1", "completed")]
