"""The sandbox's status callbacks against Exotel's pages, on the frozen clock; and their tape.

Delivery goes through an httpx client with a MockTransport (or the receiver, in process), so no
socket is opened; time moves only when a test advances the sandbox's FrozenClock.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qsl

import httpx

from helpers import ExotelClient
from helpers.book import Chapter
from helpers.book.local import local_client
from helpers.clock import EPOCH
from helpers.sandbox.callbacks import SANDBOX_SENDER
from helpers.webhooks import (
    CALL,
    SMS,
    EventStore,
    SourceAllowlist,
    create_app,
    parse_callback,
    read_fields,
)

HOOK = "https://hooks.example.com/exotel"
ANSWERED = "09820000000"
BUSY = "09820000001"
SMS_FAILS = "09820000003"


class Receiver:
    """A stand-in receiver: answers from a script of statuses (200 once it runs out)."""

    def __init__(self, *answers: int | Exception):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.client = httpx.Client(transport=httpx.MockTransport(self.handle))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if self.answers else 200
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer)

    def fields(self, i: int = -1) -> dict[str, str]:
        request = self.requests[i]
        return read_fields(request.headers["content-type"], request.content)


def connect(exotel, to=ANSWERED, **extra) -> str:
    return exotel.connect_call("09810000000", to, "08010000000", **extra)["Call"]["Sid"]


def deliver_at(sandbox, seconds: float, receiver: Receiver):
    """Move the clock to ``seconds`` after the sandbox's start, then deliver what is due."""
    target = EPOCH + timedelta(seconds=seconds)
    sandbox.clock.advance((target - sandbox.clock.now()).total_seconds())
    return sandbox.callbacks.deliver_due(sandbox.clock.now(), receiver.client)


# -- when ---------------------------------------------------------------------------------------


def test_nothing_is_owed_without_a_status_callback_url(sandbox, exotel):
    connect(exotel)
    exotel.send_sms("EXOTEL", ANSWERED, "hello")
    assert sandbox.callbacks.callbacks == []


def test_a_call_callback_is_not_sent_before_the_call_ends(sandbox, exotel):
    connect(exotel, StatusCallback=HOOK)
    assert deliver_at(sandbox, 41, Receiver()) == []


def test_a_call_callback_is_sent_when_the_call_ends_after_42_seconds(sandbox, exotel):
    receiver = Receiver()
    sid = connect(exotel, StatusCallback=HOOK)
    [delivery] = deliver_at(sandbox, 42, receiver)
    assert (delivery.at.strftime("%H:%M:%S"), delivery.http_status) == ("10:00:42", 200)
    assert receiver.requests[0].url == HOOK
    assert receiver.fields() == {
        "CallSid": sid,
        "Status": "completed",
        "RecordingUrl": "",
        "DateUpdated": "2026-01-15 10:00:42",
    }


def test_an_unanswered_call_reports_its_status_when_it_stops_ringing(sandbox, exotel):
    receiver = Receiver()
    connect(exotel, to=BUSY, StatusCallback=HOOK, **{"StatusCallbackEvents[0]": "answered"})
    deliveries = deliver_at(sandbox, 20, receiver)
    assert [d.status for d in deliveries] == ["busy"]  # never answered: no answered callback


def test_a_callback_is_delivered_once_when_answered(sandbox, exotel):
    receiver = Receiver()
    connect(exotel, StatusCallback=HOOK)
    deliver_at(sandbox, 42, receiver)
    assert deliver_at(sandbox, 3600, receiver) == []
    assert len(receiver.requests) == 1


# -- what ---------------------------------------------------------------------------------------


def test_call_callbacks_are_multipart_form_data_by_default(sandbox, exotel):
    receiver = Receiver()
    connect(exotel, StatusCallback=HOOK)
    deliver_at(sandbox, 42, receiver)
    assert receiver.requests[0].headers["content-type"].startswith("multipart/form-data; boundary=")
    assert receiver.requests[0].method == "POST"


def test_answered_and_terminal_events_add_the_documented_fields(sandbox, exotel):
    receiver = Receiver()
    events = {"StatusCallbackEvents[0]": "answered", "StatusCallbackEvents[1]": "terminal"}
    sid = connect(exotel, StatusCallback=HOOK, CustomField="ticket-42", **events)
    deliver_at(sandbox, 0, receiver)
    deliver_at(sandbox, 42, receiver)
    answered, terminal = receiver.fields(0), receiver.fields(1)
    assert (answered["EventType"], answered["Status"], answered["EndTime"]) == (
        "answered",
        "in-progress",
        "",
    )
    assert terminal == {
        "CallSid": sid,
        "Status": "completed",
        "RecordingUrl": "",
        "DateUpdated": "2026-01-15 10:00:42",
        "EventType": "terminal",
        "DateCreated": "2026-01-15 10:00:00",
        "To": ANSWERED,
        "From": "09810000000",
        "PhoneNumberSid": "08010000000",
        "StartTime": "2026-01-15 10:00:00",
        "EndTime": "2026-01-15 10:00:42",
        "ConversationDuration": "42",
        "Direction": "outbound-api",
        "CustomField": "ticket-42",
    }


def test_a_comma_separated_events_value_is_understood(sandbox, exotel):
    receiver = Receiver()
    connect(exotel, StatusCallback=HOOK, StatusCallbackEvents="answered,terminal")
    assert [d.status for d in deliver_at(sandbox, 42, receiver)] == ["in-progress", "completed"]


def test_status_callback_content_type_json_sends_json_with_null(sandbox, exotel):
    receiver = Receiver()
    connect(exotel, StatusCallback=HOOK, StatusCallbackContentType="application/json")
    deliver_at(sandbox, 42, receiver)
    assert receiver.requests[0].headers["content-type"] == "application/json"
    assert b'"RecordingUrl":null' in receiver.requests[0].content


def test_an_sms_callback_is_a_urlencoded_form_sent_after_5_seconds(sandbox, exotel):
    receiver = Receiver()
    sid = exotel.send_sms("EXOTEL", ANSWERED, "Your OTP is 123456", StatusCallback=HOOK)
    sid = sid["SMSMessage"]["Sid"]
    assert deliver_at(sandbox, 4, receiver) == []
    [delivery] = deliver_at(sandbox, 5, receiver)
    request = receiver.requests[0]
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(request.content.decode(), keep_blank_values=True)) == {
        "SmsSid": sid,
        "To": ANSWERED,
        "Status": "sent",
        "SmsUnits": "1",
        "DetailedStatus": "DELIVERED_TO_HANDSET",
        "DetailedStatusCode": "20005",
        "DateSent": "2026-01-15 10:00:05",
        "DateUpdated": "2026-01-15 10:00:05",
    }


def test_a_failed_sms_reports_its_detailed_status_and_no_date_sent(sandbox, exotel):
    receiver = Receiver()
    exotel.send_sms("EXOTEL", SMS_FAILS, "hi", StatusCallback=HOOK, CustomField="order-7")
    deliver_at(sandbox, 5, receiver)
    fields = receiver.fields()
    assert (fields["Status"], fields["DetailedStatusCode"], fields["DateSent"]) == (
        "failed",
        "24990",
        "",
    )
    assert fields["CustomField"] == "order-7"


def test_a_long_sms_counts_its_units(sandbox, exotel):
    receiver = Receiver()
    exotel.send_sms("EXOTEL", ANSWERED, "x" * 320, StatusCallback=HOOK)
    deliver_at(sandbox, 5, receiver)
    assert receiver.fields()["SmsUnits"] == "3"


def test_every_callback_the_sandbox_sends_passes_the_receivers_rules(sandbox, exotel):
    receiver = Receiver()
    events = {"StatusCallbackEvents[0]": "answered", "StatusCallbackEvents[1]": "terminal"}
    connect(exotel, StatusCallback=HOOK + "/call", **events)
    connect(
        exotel, to=BUSY, StatusCallback=HOOK + "/call", StatusCallbackContentType="application/json"
    )
    exotel.send_sms("EXOTEL", ANSWERED, "ok", StatusCallback=HOOK + "/sms")
    exotel.send_sms("EXOTEL", SMS_FAILS, "ko", StatusCallback=HOOK + "/sms")
    deliver_at(sandbox, 42, receiver)
    assert len(receiver.requests) == 5
    for request in receiver.requests:
        kind = SMS if request.url.path.endswith("/sms") else CALL
        parse_callback(kind, request.headers["content-type"], request.content)


def test_the_same_run_sends_the_same_bytes(new_sandbox):
    bodies = []
    for _ in range(2):
        sandbox = new_sandbox()
        with ExotelClient(sandbox.demo, transport=sandbox.transport()) as exotel:
            connect(exotel, StatusCallback=HOOK)
        receiver = Receiver()
        deliver_at(sandbox, 42, receiver)
        bodies.append(receiver.requests[0].content)
    assert bodies[0] == bodies[1]


def test_the_sandbox_callbacks_reach_the_receiver_and_are_stored(sandbox, exotel, tmp_path):
    store = EventStore(tmp_path / "events.sqlite3", clock=sandbox.clock)
    app = create_app(store, SourceAllowlist(["203.0.113.0/24"]))
    connect(exotel, StatusCallback="https://hooks.example.com/webhooks/exotel/call-status")
    sandbox.clock.advance(42)
    with local_client(app, SANDBOX_SENDER) as client:
        [delivery] = sandbox.callbacks.deliver_due(sandbox.clock.now(), client)
    assert delivery.ok
    assert [e.status for e in store.events()] == ["completed"]


# -- retries ------------------------------------------------------------------------------------


def test_a_failed_attempt_is_retried_30_then_60_seconds_later_then_given_up(sandbox, exotel):
    receiver = Receiver(503, 500, 404)
    connect(exotel, StatusCallback=HOOK)
    [first] = deliver_at(sandbox, 42, receiver)
    assert deliver_at(sandbox, 71, receiver) == []
    [second] = deliver_at(sandbox, 72, receiver)
    assert deliver_at(sandbox, 131, receiver) == []
    [third] = deliver_at(sandbox, 132, receiver)
    assert deliver_at(sandbox, 86_400, receiver) == []
    assert [d.summary() for d in (first, second, third)] == [
        f"10:00:42 call {first.sid[:4]}… completed, attempt 1: 503, retry at 10:01:12",
        f"10:01:12 call {first.sid[:4]}… completed, attempt 2: 500, retry at 10:02:12",
        f"10:02:12 call {first.sid[:4]}… completed, attempt 3: 404, given up",
    ]
    assert sandbox.callbacks.callbacks[0].state == "abandoned"


def test_a_2xx_ends_the_retries(sandbox, exotel):
    receiver = Receiver(503, 204)
    connect(exotel, StatusCallback=HOOK)
    deliver_at(sandbox, 42, receiver)
    [retry] = deliver_at(sandbox, 72, receiver)
    assert retry.ok and retry.next_attempt is None
    assert deliver_at(sandbox, 86_400, receiver) == []
    assert sandbox.callbacks.callbacks[0].state == "delivered"


def test_no_answer_counts_as_a_failure_and_is_retried(sandbox, exotel):
    receiver = Receiver(httpx.ReadTimeout("slow"), httpx.ConnectError("refused"))
    connect(exotel, StatusCallback=HOOK)
    [timed_out] = deliver_at(sandbox, 42, receiver)
    [refused] = deliver_at(sandbox, 72, receiver)
    assert (timed_out.http_status, timed_out.error) == (None, "no answer within 15 s")
    assert refused.error == "no answer (ConnectError)"
    assert refused.next_attempt is not None


def test_every_attempt_is_recorded_with_what_was_sent(sandbox, exotel):
    receiver = Receiver(503)
    connect(exotel, StatusCallback=HOOK)
    exotel.send_sms("EXOTEL", ANSWERED, "hello", StatusCallback=HOOK)
    deliver_at(sandbox, 42, receiver)
    deliver_at(sandbox, 72, receiver)
    recorded = sandbox.callbacks.deliveries
    assert [(d.kind, d.attempt, d.http_status) for d in recorded] == [
        ("sms", 1, 503),
        ("call", 1, 200),
        ("sms", 2, 200),
    ]
    assert recorded[0].body == recorded[2].body


# -- in a chapter's playback: the sandbox saw the replayed call, so it owes its callbacks --------


def chapter(mode: str, cassettes) -> Chapter:
    env = {"EXOTEL_HANDBOOK_MODE": mode, "EXOTEL_HANDBOOK_CASSETTES": str(cassettes)}
    return Chapter("callbacks", live=False, env=env)


def receiver_client(tmp_path, name: str, *answers: int):
    """The real receiver in process; ``answers`` are statuses a front proxy returns first."""
    store = EventStore(tmp_path / f"{name}.sqlite3")
    app = create_app(store, SourceAllowlist(["203.0.113.0/24"]))
    inner = local_client(app, SANDBOX_SENDER)
    script = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        if script:
            return httpx.Response(script.pop(0))
        response = inner.post(str(request.url), content=request.content, headers=request.headers)
        return httpx.Response(response.status_code, content=response.content)

    return httpx.Client(transport=httpx.MockTransport(handle)), store


def deliveries(tmp_path, mode: str, cassettes) -> tuple[list[str], EventStore]:
    """A chapter's call with a status callback, then what its sandbox delivers (one 503 first)."""
    book = chapter(mode, cassettes)
    book.runtime.begin_cell("connect(exotel, StatusCallback=...)")
    with book.client() as exotel:
        connect(exotel, StatusCallback="https://hooks.example.com/webhooks/exotel/call-status")
    book.runtime.end_cell()
    client, store = receiver_client(tmp_path, mode, 503)
    made = []
    for seconds in (42, 30):
        book.sandbox.clock.advance(seconds)
        made += book.sandbox.callbacks.deliver_due(book.sandbox.clock.now(), client)
    return [d.summary() for d in made], store


def test_playback_delivers_the_callbacks_of_a_replayed_call_as_recording_did(tmp_path):
    cassettes = tmp_path / "cassettes"
    recorded, _ = deliveries(tmp_path, "record", cassettes)
    replayed, store = deliveries(tmp_path, "playback", cassettes)
    assert len(recorded) == 2
    assert replayed == recorded
    assert [e.status for e in store.events()] == ["completed"]  # the receiver really got it
