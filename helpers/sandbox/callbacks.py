"""Status callbacks: the sandbox POSTs them as Exotel does, when its clock says they are due.

A call or SMS created with a ``StatusCallback`` URL gets a callback when it reaches its terminal
state on the sandbox clock (a call after :data:`~helpers.sandbox.resources.CALL_SECONDS`, or
``RING_SECONDS`` if unanswered; an SMS after ``SMS_DELIVERY_SECONDS``), and a call made with
``StatusCallbackEvents`` including ``answered`` also gets one when it is answered.

Nothing is sent by a timer. Delivery is driven explicitly: ``outbox.deliver_due(now, client)``
posts every callback due at ``now`` through the httpx ``client`` you pass (in the book, one whose
transport leads straight into the receiver in the notebook), records each attempt as a
:class:`Delivery`, and schedules a retry for any attempt not answered with a 2xx.

What the sandbox follows, and where it had to choose:

- Call callback fields ``CallSid``, ``Status``, ``RecordingUrl``, ``DateUpdated``; with
  ``StatusCallbackEvents`` also ``EventType``, ``DateCreated``, ``To``, ``From``,
  ``PhoneNumberSid``, ``StartTime``, ``EndTime``, ``ConversationDuration``, ``Direction``,
  ``CustomField``: https://developer.exotel.com/docs/voice-v1/api-reference/status-callback and
  https://developer.exotel.com/api/statuscallback. ``Legs`` is not sent (**choice**: the sandbox
  has no per-leg model). ``RecordingUrl`` is empty in a form and ``null`` in JSON (the sandbox
  records nothing).
- Call callbacks are ``multipart/form-data``, or JSON when the call was made with
  ``StatusCallbackContentType=application/json``:
  https://developer.exotel.com/docs/voice-v1/api-reference/connect-two-numbers
  and https://support.exotel.com/support/solutions/articles/48278-outbound-call-to-connect-a-customer-to-an-app
- The ``answered`` callback's ``Status`` is ``in-progress``, the status of an answered call in
  https://developer.exotel.com/api-console/bulk-call-details-api-console (**choice**: the pages
  do not print one).
- ``StatusCallbackEvents`` is read from indexed form keys (``StatusCallbackEvents[0]=answered``,
  ``StatusCallbackEvents[1]=terminal``) or one comma-separated value (**choice**: the sandbox's
  form keeps one value per key, so the documented repeated ``StatusCallbackEvents[]`` keeps only
  the last).
- SMS callbacks are ``application/x-www-form-urlencoded`` with ``SmsSid``, ``To``, ``Status``,
  ``SmsUnits``, ``DetailedStatus``, ``DetailedStatusCode``, ``DateSent`` and ``CustomField`` if
  set: https://developer.exotel.com/api-console/send-sms-api-console; ``DateUpdated`` as in
  `<https://support.exotel.com/support/solutions/articles/3000007217-how-to-monitor-the-status-of-your-sms->`__
  ``SmsUnits`` counts 160 characters for one SMS and 153 per part after that (**choice**).
- Deliveries go through the client you pass; a client that verifies certificates (the book's
  HTTPS receiver, :mod:`helpers.book.https_receiver`) makes a certificate it cannot verify a
  failed attempt, "certificate refused", retried like any other: the SMS webhooks page asks for
  a valid certificate :exotel:`sms-webhooks.certificate` (for call callbacks too: **choice**).
- Retries: a 200 within 15 seconds :exotel:`webhooks.15s-200`, or up to 2 retries
  :exotel:`webhooks.retries`. The sandbox waits 15 s for an answer to a call callback and 10 s
  to an SMS callback :exotel:`sms-webhooks.10s-2xx`, and retries 30 s, then 60 s after a failed
  attempt (**choice**: no page gives the delays).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

import httpx

from .resources import CALL_SECONDS, Call, Sms, exotel_time
from .wire import SANDBOX_HEADER, SANDBOX_NOTICE

RETRY_DELAYS = (30, 60)  # seconds after the 1st and 2nd failed attempt; then the sandbox gives up
ANSWER_TIMEOUT = 15.0  # Exotel's "respond with HTTP 200 within 15 seconds"
#: An SMS callback's answer budget: "Must respond within 10 seconds" (SMS webhooks page,
#: https://developer.exotel.com/docs/sms-support/sms-webhooks).
SMS_ANSWER_TIMEOUT = 10.0


def answer_timeout(kind: str) -> float:
    """How long the sender waits for an answer to a ``call`` or ``sms`` callback."""
    return SMS_ANSWER_TIMEOUT if kind == "sms" else ANSWER_TIMEOUT


#: The address the book's receivers see the sandbox's callbacks come from: a documentation
#: address (RFC 5737) standing in for Exotel's ranges, which Exotel gives out only on request.
SANDBOX_SENDER = "203.0.113.10"
MULTIPART = "multipart/form-data"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
_EVENTS_KEY = re.compile(r"^StatusCallbackEvents(\[\d*\])?$")


@dataclass
class Callback:
    """One status callback the sandbox owes a receiver."""

    id: int
    kind: str  # "call" or "sms"
    sid: str
    status: str  # the Status field it carries
    url: str
    content_type: str
    body: bytes
    due: datetime
    attempts: int = 0
    state: str = "pending"  # "pending", "delivered" or "abandoned"


@dataclass(frozen=True)
class Delivery:
    """One attempt to deliver a callback: what was sent, when, and how the receiver answered."""

    callback: int
    attempt: int
    at: datetime
    kind: str
    sid: str
    status: str
    url: str
    content_type: str
    body: bytes = field(repr=False)
    http_status: int | None  # None: no answer at all
    error: str | None = None
    next_attempt: datetime | None = None  # None: delivered, or given up

    @property
    def ok(self) -> bool:
        return self.http_status is not None and 200 <= self.http_status < 300

    def summary(self) -> str:
        """``10:00:42 call 3f6e… completed, attempt 1: 503, retry at 10:01:12``"""
        answer = str(self.http_status) if self.http_status is not None else self.error
        line = (
            f"{self.at:%H:%M:%S} {self.kind} {self.sid[:4]}… {self.status}, "
            f"attempt {self.attempt}: {answer}"
        )
        if self.next_attempt is not None:
            line += f", retry at {self.next_attempt:%H:%M:%S}"
        elif not self.ok:
            line += ", given up"
        return line


# -- payloads ----------------------------------------------------------------------------------


def requested_events(extra: dict[str, str]) -> set[str]:
    """The ``StatusCallbackEvents`` a call was made with (``terminal``, ``answered``)."""
    events = set()
    for key, value in extra.items():
        if _EVENTS_KEY.match(key):
            events |= {v.strip() for v in value.split(",") if v.strip()}
    return events


def call_fields(call: Call, event: str, detailed: bool) -> dict[str, str | int | None]:
    """The documented fields of a call's ``answered`` or ``terminal`` callback."""
    answered = event == "answered"
    fields: dict[str, str | int | None] = {
        "CallSid": call.sid,
        "Status": "in-progress" if answered else call.outcome,
        "RecordingUrl": None,
        "DateUpdated": exotel_time(call.created if answered else call.ended),
    }
    if detailed:
        talked = CALL_SECONDS if call.outcome == "completed" and not answered else 0
        fields |= {
            "EventType": event,
            "DateCreated": exotel_time(call.created),
            "To": call.to,
            "From": call.from_,
            "PhoneNumberSid": call.caller_id,
            "StartTime": exotel_time(call.created),
            "EndTime": None if answered else exotel_time(call.ended),
            "ConversationDuration": talked,
            "Direction": "outbound-api",
        }
        if call.extra.get("CustomField"):
            fields["CustomField"] = call.extra["CustomField"]
    return fields


def sms_units(body: str) -> int:
    return 1 if len(body) <= 160 else math.ceil(len(body) / 153)


def sms_fields(sms: Sms) -> dict[str, str | int | None]:
    """The documented fields of an SMS's terminal callback."""
    status, code, detail = sms.detailed(sms.delivered)
    fields: dict[str, str | int | None] = {
        "SmsSid": sms.sid,
        "To": sms.to,
        "Status": status,
        "SmsUnits": sms_units(sms.body),
        "DetailedStatus": detail,
        "DetailedStatusCode": code,
        "DateSent": exotel_time(sms.delivered) if status == "sent" else None,
        "DateUpdated": exotel_time(sms.delivered),
    }
    if sms.extra.get("CustomField"):
        fields["CustomField"] = sms.extra["CustomField"]
    return fields


def encode(fields: dict[str, str | int | None], media_type: str) -> tuple[str, bytes]:
    """(Content-Type header, body): JSON keeps ``null``; a form sends an empty value."""
    if media_type == JSON:
        return JSON, json.dumps(fields, separators=(",", ":")).encode()
    text = {k: "" if v is None else str(v) for k, v in fields.items()}
    if media_type == FORM:
        return FORM, urlencode(text).encode()
    # A boundary derived from the content: the same callback is the same bytes on every run.
    boundary = "sandbox" + hashlib.sha256(repr(sorted(text.items())).encode()).hexdigest()[:24]
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in text.items()
    ]
    return f"{MULTIPART}; boundary={boundary}", ("".join(parts) + f"--{boundary}--\r\n").encode()


# -- sending -----------------------------------------------------------------------------------


def send(
    client: httpx.Client, url: str, content_type: str, body: bytes, timeout: float = ANSWER_TIMEOUT
) -> tuple[int | None, str | None]:
    """POST one callback; (HTTP status, None), or (None, why there was no answer)."""
    headers = {"Content-Type": content_type, SANDBOX_HEADER: SANDBOX_NOTICE}
    try:
        response = client.post(url, content=body, headers=headers, timeout=timeout)
    except httpx.TimeoutException:
        return None, f"no answer within {timeout:g} s"
    except httpx.TransportError as exc:
        if str(exc).startswith("not sent:"):  # the sender's own refusal (a loopback-only one)
            return None, str(exc)
        if "CERTIFICATE_VERIFY_FAILED" in str(exc):
            return None, f"certificate refused ({_verify_reason(exc)})"
        return None, f"no answer ({type(exc).__name__})"
    return response.status_code, None


def unusable(url: str) -> str | None:
    """Why a callback can never be sent to ``url`` (not an http or https URL with a host), or
    None. Such a callback is given up at once instead of being retried.

    >>> unusable("http://[::1")
    "not sent: http://[::1 is not a URL (Invalid port: ':1')"
    """
    shown = url if len(url) <= 80 else url[:80] + "..."
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        return f"not sent: {shown} is not a URL ({exc})"
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return f"not sent: {shown} is not an http:// or https:// URL with a host"
    return None


def _verify_reason(exc: Exception) -> str:
    """``unable to get local issuer certificate``, from OpenSSL's verification message."""
    text = str(exc)
    reason = text.split("certificate verify failed:", 1)[-1].split("(_ssl", 1)[0]
    return reason.strip() or "certificate verify failed"


class CallbackOutbox:
    """The callbacks the sandbox owes, and every delivery attempt it has made."""

    def __init__(self, retry_delays: tuple[float, ...] = RETRY_DELAYS):
        self.retry_delays = tuple(retry_delays)
        self.callbacks: list[Callback] = []
        self.deliveries: list[Delivery] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._delivering = threading.Lock()  # one delivery pass at a time: each callback once

    # -- registering (called by the sandbox when a call or SMS is created) ---------------------

    def register_call(self, call: Call) -> None:
        url = call.extra.get("StatusCallback", "").strip()
        if not url:
            return
        events = requested_events(call.extra)
        wanted = (
            JSON if call.extra.get("StatusCallbackContentType", "").strip() == JSON else MULTIPART
        )
        if "answered" in events and call.outcome == "completed":
            self._add(
                "call", call.sid, url, wanted, call_fields(call, "answered", True), call.created
            )
        self._add(
            "call", call.sid, url, wanted, call_fields(call, "terminal", bool(events)), call.ended
        )

    def register_sms(self, sms: Sms) -> None:
        url = sms.extra.get("StatusCallback", "").strip()
        if url:
            self._add("sms", sms.sid, url, FORM, sms_fields(sms), sms.delivered)

    def _add(self, kind, sid, url, media_type, fields, due) -> None:
        content_type, body = encode(fields, media_type)
        with self._lock:
            self.callbacks.append(
                Callback(
                    next(self._ids), kind, sid, str(fields["Status"]), url, content_type, body, due
                )
            )

    # -- delivering ----------------------------------------------------------------------------

    def due(self, now: datetime) -> list[Callback]:
        """Callbacks waiting for an attempt at ``now``, in the order they fell due."""
        with self._lock:
            waiting = [c for c in self.callbacks if c.state == "pending" and c.due <= now]
        return sorted(waiting, key=lambda c: (c.due, c.id))

    def deliver_due(self, now: datetime, client: httpx.Client) -> list[Delivery]:
        """Attempt every callback due at ``now`` through ``client``; return the attempts made.

        Each callback is attempted on its own: one whose URL can never work is given up, and
        no error in one stops the others."""
        made = []
        with self._delivering:
            for callback in self.due(now):
                why = unusable(callback.url)
                if why:
                    made.append(self._settle(callback, now, None, why, final=True))
                    continue
                try:
                    http_status, error = send(
                        client,
                        callback.url,
                        callback.content_type,
                        callback.body,
                        answer_timeout(callback.kind),
                    )
                except Exception as exc:  # a transport's own failure is one failed attempt
                    http_status, error = None, f"not sent ({type(exc).__name__})"
                made.append(self._settle(callback, now, http_status, error))
        return made

    def _settle(
        self, callback: Callback, now: datetime, http_status, error, final: bool = False
    ) -> Delivery:
        with self._lock:
            callback.attempts += 1
            ok = http_status is not None and 200 <= http_status < 300
            next_attempt = None
            if ok:
                callback.state = "delivered"
            elif callback.attempts <= len(self.retry_delays) and not final:
                next_attempt = now + timedelta(seconds=self.retry_delays[callback.attempts - 1])
                callback.due = next_attempt
            else:
                callback.state = "abandoned"
            delivery = Delivery(
                callback=callback.id,
                attempt=callback.attempts,
                at=now,
                kind=callback.kind,
                sid=callback.sid,
                status=callback.status,
                url=callback.url,
                content_type=callback.content_type,
                body=callback.body,
                http_status=http_status,
                error=error,
                next_attempt=next_attempt,
            )
            self.deliveries.append(delivery)
        return delivery
