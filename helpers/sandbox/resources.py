"""Calls and SMS held by the sandbox, rendered in Exotel's v1 JSON envelopes.

Field sets follow Exotel's public developer pages:

- Call object (``{"Call": {...}}``): https://developer.exotel.com/docs/voice-v1/api-reference/call-details
  and https://developer.exotel.com/docs/voice-v1/api-reference/connect-two-numbers
- SMS object (``{"SMSMessage": {...}}``): https://developer.exotel.com/docs/sms-api/api-reference/send-sms
  and https://developer.exotel.com/docs/sms-api/api-reference/sms-details
- Timestamps ``YYYY-MM-DD HH:mm:ss`` in account-local time: https://developer.exotel.com/api/statuscallback

Where the pages are silent (the bulk ``Calls.json`` ``Metadata`` block, the v2 list) the shape is
the sandbox's own choice; ``book/sandbox_sources.md`` lists each such choice.

The sandbox scripts each call's outcome from the last digits of ``To`` so chapters can show
every status: ``...0001`` busy, ``...0002`` no-answer, ``...0003`` failed, anything else is
answered and completes after :data:`CALL_SECONDS`.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import ClassVar, Self

CALL_SECONDS = 42  # how long every answered sandbox call lasts
RING_SECONDS = 20  # how long an unanswered call rings before it ends
SMS_DELIVERY_SECONDS = 5
SCRIPTED_CALL_OUTCOMES = {"0001": "busy", "0002": "no-answer", "0003": "failed"}
SMS_FAILURE_SUFFIX = "0003"
#: A finished call's v2 status, from its scripted v1 outcome. v2 has statuses of its own,
#: ``completed``, ``agent_unanswered``, ``customer_unanswered``, ``agent_canceled``,
#: ``customer_no_dial`` and ``agent_no_dial`` :exotel:`voice-v2-overview.statuses`; which one a
#: busy, unanswered or failed customer gets is the sandbox's choice.
V2_STATUSES = {
    "completed": "completed",
    "busy": "customer_unanswered",
    "no-answer": "customer_unanswered",
    "failed": "customer_no_dial",
}


def exotel_time(moment: datetime | None) -> str | None:
    """``2026-01-15 10:00:00``: Exotel v1's timestamp format."""
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else None


class SidFactory:
    """Deterministic 32-hex-character SIDs, the shape of Exotel's CallSid and SmsSid."""

    def __init__(self, salt: str = "handbook"):
        self._salt = salt
        self._counter = itertools.count(1)

    def __call__(self, kind: str) -> str:
        return hashlib.md5(f"{self._salt}:{kind}:{next(self._counter)}".encode()).hexdigest()


@dataclass(kw_only=True)
class Resource:
    """What a call and an SMS share: the account, the numbers, when it was created, and the
    request's other form fields (``StatusCallback``, ``CustomField``, ...) in ``extra``."""

    #: The form fields a request must carry, and the attribute each one fills.
    FIELDS: ClassVar[dict[str, str]] = {"From": "from_", "To": "to"}
    KIND: ClassVar[str]  # what its SIDs are made from
    ENVELOPE: ClassVar[str]  # the key its JSON is wrapped in

    sid: str
    account_sid: str
    from_: str
    to: str
    created: datetime
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(
        cls, form: Mapping[str, str], *, sid: str, account_sid: str, created: datetime
    ) -> Self:
        """The resource a create request's ``form`` describes (every field in FIELDS present)."""
        extra = dict(form)
        named = {attribute: extra.pop(name) for name, attribute in cls.FIELDS.items()}
        return cls(sid=sid, account_sid=account_sid, created=created, extra=extra, **named)

    def to_json(self, now: datetime) -> dict:
        raise NotImplementedError


@dataclass(kw_only=True)
class Call(Resource):
    FIELDS = {**Resource.FIELDS, "CallerId": "caller_id"}
    KIND = "call"
    ENVELOPE = "Call"

    caller_id: str

    @property
    def outcome(self) -> str:
        return SCRIPTED_CALL_OUTCOMES.get(self.to[-4:], "completed")

    @property
    def ended(self) -> datetime:
        seconds = CALL_SECONDS if self.outcome == "completed" else RING_SECONDS
        return self.created + timedelta(seconds=seconds)

    def status(self, now: datetime) -> str:
        if now < self.ended:
            return "in-progress" if self.outcome == "completed" else "ringing"
        return self.outcome

    def to_json(self, now: datetime) -> dict:
        over = now >= self.ended
        answered = self.outcome == "completed"
        return {
            "Sid": self.sid,
            "ParentCallSid": None,
            "DateCreated": exotel_time(self.created),
            "DateUpdated": exotel_time(self.ended if over else self.created),
            "AccountSid": self.account_sid,
            "To": self.to,
            "From": self.from_,
            "PhoneNumberSid": self.caller_id,
            "Status": self.status(now),
            "StartTime": exotel_time(self.created),
            "EndTime": exotel_time(self.ended) if over else None,
            "Duration": str(CALL_SECONDS if answered else 0) if over else None,
            "Price": None,  # the sandbox bills nothing
            "Direction": "outbound-api",
            "AnsweredBy": None,
            "ForwardedFrom": None,
            "CallerName": None,
            "Uri": f"/v1/Accounts/{self.account_sid}/Calls/{self.sid}.json",
            "RecordingUrl": None,
        }


@dataclass(kw_only=True)
class Sms(Resource):
    FIELDS = {**Resource.FIELDS, "Body": "body"}
    KIND = "sms"
    ENVELOPE = "SMSMessage"

    body: str

    @property
    def delivered(self) -> datetime:
        return self.created + timedelta(seconds=SMS_DELIVERY_SECONDS)

    def detailed(self, now: datetime) -> tuple[str, int, str]:
        """(Status, DetailedStatusCode, DetailedStatus), codes from Exotel's SMS status-code page."""
        if now < self.delivered:
            return "queued", 21010, "PENDING_TO_OPERATOR"
        if self.to.endswith(SMS_FAILURE_SUFFIX):
            return "failed", 24990, "FAILED_UNKNOWN_ERROR"
        return "sent", 20005, "DELIVERED_TO_HANDSET"

    def to_json(self, now: datetime) -> dict:
        status, code, detail = self.detailed(now)
        done = now >= self.delivered
        return {
            "Sid": self.sid,
            "AccountSid": self.account_sid,
            "From": self.from_,
            "To": self.to,
            "DateCreated": exotel_time(self.created),
            "DateUpdated": exotel_time(self.delivered if done else self.created),
            "DateSent": exotel_time(self.delivered) if status == "sent" else None,
            "Body": self.body,
            "Direction": "outbound-api",
            "Uri": f"/v1/Accounts/{self.account_sid}/SMS/Messages/{self.sid}.json",
            "ApiVersion": None,
            "Price": None,
            "Status": status,
            "DetailedStatusCode": code,
            "DetailedStatus": detail,
        }


def v2_call(call: Call, now: datetime) -> dict:
    """A call in the v2 style (snake_case, ISO-8601 UTC), after the v2 call-details page:
    https://developer.exotel.com/docs/voice-api/api-reference/call-details

    ``status`` is one of v2's own (:data:`V2_STATUSES`) once the call is over, and ``None``
    while its ``state`` is ``active`` (the pages list final statuses only: a choice)."""
    over = now >= call.ended

    def iso(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    return {
        "sid": call.sid,
        "direction": "outbound-api",
        "virtual_number": call.caller_id,
        "state": "terminal" if over else "active",
        "status": V2_STATUSES[call.outcome] if over else None,
        "created_time": iso(call.created),
        "updated_time": iso(call.ended if over else call.created),
        "start_time": iso(call.created),
        "end_time": iso(call.ended) if over else None,
        "total_duration": (call.ended - call.created).seconds if over else None,
    }
