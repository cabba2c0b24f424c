"""What a status callback must look like: content type, size, fields, and their types.

Plain functions, no web framework: :func:`parse_callback` turns a content type and a body into
an :class:`Event`, or raises a :class:`~helpers.webhooks.errors.RefusedError` (400, 413 or 415)
that says what was wrong and how to fix it.

What Exotel sends, from its public pages:

- Call StatusCallback: ``CallSid``, ``Status``, ``RecordingUrl`` and ``DateUpdated``; with
  ``StatusCallbackEvents`` set, also ``EventType``, ``DateCreated``, ``To``, ``From``,
  ``PhoneNumberSid``, ``StartTime``, ``EndTime``, ``ConversationDuration``, ``Direction``,
  ``CustomField`` and ``Legs``.
  https://developer.exotel.com/docs/voice-v1/api-reference/status-callback,
  https://developer.exotel.com/api/statuscallback,
  https://developer.exotel.com/docs/references/webhooks
- Its body is ``multipart/form-data``, or ``application/json`` when the call was made with
  ``StatusCallbackContentType=application/json``:
  https://developer.exotel.com/docs/voice-v1/api-reference/connect-two-numbers
- SMS StatusCallback, ``application/x-www-form-urlencoded``: ``SmsSid``, ``To``, ``Status``,
  ``SmsUnits``, ``DetailedStatus``, ``DetailedStatusCode``, ``DateSent``, ``CustomField``:
  https://developer.exotel.com/api-console/send-sms-api-console (an older article lists
  ``SmsSid``, ``Status``, ``DateUpdated``: https://support.exotel.com/support/solutions/articles/3000007217-how-to-monitor-the-status-of-your-sms-)
- Call statuses: https://developer.exotel.com/api-console/bulk-call-details-api-console (and
  ``canceled``: https://developer.exotel.com/docs/references/error-codes). SMS statuses:
  https://support.exotel.com/support/solutions/articles/127883-sms-message-status-codes, where
  ``failed_dnd`` is spelt with an underscore; the SMS details page spells it ``failed-dnd``, so
  both are accepted.

Only the fields every generation of those pages agrees on are required; the others are checked
for type when present, and fields nobody documents are kept, so a new field from Exotel is not
a reason to refuse a callback.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime

from ._content_type import ACCEPTED_TYPES, FORM, JSON, MULTIPART, media_type  # noqa: F401 - re-exported
from ._urlencoded import form_pairs
from .errors import MultipartError, RefusedError
from .multipart import multipart_pairs

#: An Exotel status callback is well under 2 KB; 16 KiB leaves room for Legs and CustomField.
DEFAULT_MAX_BODY = 16 * 1024
# ASCII digits only: \d would also match "١٢" (Arabic-Indic) and every other script's digits.
TIMESTAMP_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
SID = re.compile(r"[A-Za-z0-9]{1,64}")
WHOLE_NUMBER = re.compile(r"[0-9]{1,12}")
#: A JSON callback is an object of fields; Legs, the deepest, is a list of objects of scalars.
MAX_JSON_DEPTH = 4

CALL_PAGE = "https://developer.exotel.com/docs/voice-v1/api-reference/status-callback"
SMS_PAGE = "https://developer.exotel.com/api-console/send-sms-api-console"


@dataclass(frozen=True)
class Kind:
    """One kind of status callback: which fields it needs, and what their values may be."""

    name: str
    sid_field: str
    required: tuple[str, ...]
    statuses: tuple[str, ...]
    timestamps: tuple[str, ...] = ()
    whole_numbers: tuple[str, ...] = ()
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    urls: tuple[str, ...] = ()
    page: str = ""

    @property
    def label(self) -> str:
        """How prose names it: ``call`` or ``SMS``."""
        return "SMS" if self.name == "sms" else self.name

    @property
    def a_label(self) -> str:
        """``a call`` or ``an SMS``."""
        return f"an {self.label}" if self.label == "SMS" else f"a {self.label}"


CALL = Kind(
    name="call",
    sid_field="CallSid",
    required=("CallSid", "Status", "DateUpdated"),
    statuses=(
        "queued",
        "ringing",
        "in-progress",
        "completed",
        "failed",
        "busy",
        "no-answer",
        "canceled",
    ),
    timestamps=("DateUpdated", "DateCreated", "StartTime", "EndTime"),
    whole_numbers=("ConversationDuration",),
    choices={
        "EventType": ("terminal", "answered"),
        "Direction": ("inbound", "outbound-dial", "outbound-api"),
    },
    urls=("RecordingUrl",),
    page=CALL_PAGE,
)
SMS = Kind(
    name="sms",
    sid_field="SmsSid",
    required=("SmsSid", "Status"),
    statuses=("queued", "sending", "submitted", "sent", "failed", "failed_dnd", "failed-dnd"),
    timestamps=("DateSent", "DateUpdated"),
    whole_numbers=("SmsUnits", "DetailedStatusCode"),
    page=SMS_PAGE,
)
KINDS = {kind.name: kind for kind in (CALL, SMS)}
#: Fields Exotel sends as text: in a JSON callback they must be strings (a number is refused).
TEXT_FIELDS = frozenset(
    name
    for kind in KINDS.values()
    for name in (kind.sid_field, "Status", *kind.timestamps, *kind.choices, *kind.urls)
)


@dataclass(frozen=True)
class Event:
    """One status update of one call or SMS: its identity is ``(sid, status)``.

    ``id`` and ``received_at`` are set once the event is stored.
    """

    kind: str
    sid: str
    status: str
    fields: dict[str, str]
    id: int | None = None
    received_at: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.sid, self.status)

    def __str__(self) -> str:
        return f"{self.kind} {self.sid} {self.status}"


# -- size ---------------------------------------------------------------------------


def check_declared_length(content_length: str | None, max_body: int = DEFAULT_MAX_BODY) -> None:
    """A 413 refusal before reading a body whose Content-Length is over the limit."""
    if content_length is None:
        return
    if not content_length.strip().isdigit():
        raise RefusedError(
            400,
            f"Content-Length {content_length!r} is not a number of bytes.",
            "Send a correct Content-Length header (most HTTP clients set it for you).",
        )
    if int(content_length) > max_body:
        raise too_large(f"The body is {int(content_length):,} bytes", max_body)


def too_large(what: str, max_body: int) -> RefusedError:
    return RefusedError(
        413,
        f"{what}; this receiver accepts at most {max_body:,} bytes.",
        "A status callback from Exotel is well under 2 KB: send a real one, or raise the "
        "receiver's limit (max_body in create_app, --max-body on the command line) if your "
        "callbacks carry a large CustomField.",
    )


# -- bodies ------------------------------------------------------------------------------------


def read_fields(content_type: str | None, body: bytes) -> dict[str, str]:
    """The body's fields as strings, whichever of the three encodings it uses (400 if broken)."""
    media, params = media_type(content_type)
    try:
        if media == FORM:
            return _form_fields(body)
        if media == MULTIPART:
            return _multipart_fields(body, params.get("boundary", ""))
        return _json_fields(body)
    except UnicodeDecodeError:
        raise malformed(f"The body is not valid UTF-8 {media}.") from None


def malformed(error: str, kind: Kind | None = None) -> RefusedError:
    page = f" ({kind.page})" if kind else ""
    what = f"{kind.a_label} status callback" if kind else "a status callback"
    return RefusedError(400, error, f"Send {what} with the fields Exotel documents{page}.")


def _unique(pairs: list[tuple[str, str]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            raise malformed(f"Field {shown(name)} appears more than once.")
        fields[name] = value
    return fields


def _form_fields(body: bytes) -> dict[str, str]:
    text = body.decode("utf-8")  # a UnicodeDecodeError is reported by read_fields
    try:
        pairs = form_pairs(text)
    except ValueError:
        raise malformed("The body is not a valid application/x-www-form-urlencoded form.") from None
    return _unique(pairs)


def _multipart_fields(body: bytes, boundary: str) -> dict[str, str]:
    try:
        return _unique(multipart_pairs(body, boundary))
    except MultipartError as exc:
        raise malformed(str(exc)) from None


def shown(name: str, limit: int = 40) -> str:
    """A field name as a refusal quotes it: printable ASCII (a JSON escape may hold a lone
    surrogate, which no response could encode), at most ``limit`` characters."""
    text = name[:limit].encode("ascii", "backslashreplace").decode("ascii")
    return text if text.isprintable() else ascii(name[:limit])


def _json_fields(body: bytes) -> dict[str, str]:
    """The fields of a JSON callback, as strictly as a form's: no duplicate names, no NaN or
    Infinity, no deep nesting, and the text fields are JSON strings."""
    text = body.decode("utf-8")
    if _nesting(text) > MAX_JSON_DEPTH:
        raise malformed(_too_deep())
    try:
        data = json.loads(
            text,
            object_pairs_hook=_json_object,
            parse_constant=_not_json,
            parse_float=_finite_float,
        )
    except RecursionError:
        raise malformed(_too_deep()) from None
    except ValueError:
        raise malformed("The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise malformed("The JSON body is not an object of fields.")
    fields = {}
    for name, value in data.items():
        if value is None:
            continue  # Exotel's JSON writes "RecordingUrl": null when there is no recording
        if name in TEXT_FIELDS and not isinstance(value, str):
            raise malformed(
                f"Field {name} is {json.dumps(value)[:40]}, not a JSON string: Exotel sends it as "
                "text."
            )
        if isinstance(value, bool):
            fields[name] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            fields[name] = str(value)
        else:
            fields[name] = json.dumps(value, separators=(",", ":"))  # Legs: a list
    return fields


def _json_object(pairs: list[tuple[str, object]]) -> dict[str, object]:
    return _unique(pairs)


def _not_json(name: str) -> None:
    raise malformed(f"The JSON body contains {name}, which JSON does not allow.")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise malformed(f"The JSON body contains the number {text[:40]}, too large to be finite.")
    return value


def _too_deep() -> str:
    return f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep."


#: A JSON string (skipped whole, escapes and all) or one bracket.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _nesting(text: str) -> int:
    """How deep the brackets of this JSON text go, counted before parsing (no recursion)."""
    depth = deepest = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in ("]", "}"):
            depth -= 1
    return deepest


# -- fields ------------------------------------------------------------------------------------


def problems(kind: Kind, fields: dict[str, str]) -> list[str]:
    """Everything wrong with these fields for this kind of callback (empty: all is well)."""
    found = []
    missing = [name for name in kind.required if not fields.get(name, "").strip()]
    if missing:
        found.append(f"missing {', '.join(missing)}")
    sid = fields.get(kind.sid_field, "")
    if sid and not SID.fullmatch(sid):
        found.append(
            f"{kind.sid_field} {sid[:80]!r} is not an Exotel SID (1 to 64 letters and digits)"
        )
    status = fields.get("Status", "")
    if status and status not in kind.statuses:
        found.append(
            f"Status {status[:40]!r} is not {kind.a_label} status Exotel documents "
            f"({', '.join(kind.statuses)})"
        )
    for name in kind.timestamps:
        value = fields.get(name, "")
        if value and not _is_timestamp(value):
            found.append(
                f"{name} {value[:40]!r} is not a time in Exotel's format YYYY-MM-DD HH:mm:ss"
            )
    for name in kind.whole_numbers:
        value = fields.get(name, "")
        if value and not WHOLE_NUMBER.fullmatch(value):
            found.append(f"{name} {value[:40]!r} is not a whole number")
    for name, allowed in kind.choices.items():
        value = fields.get(name, "")
        if value and value not in allowed:
            found.append(f"{name} {value[:40]!r} is not one of {', '.join(allowed)}")
    for name in kind.urls:
        value = fields.get(name, "")
        if value and value != "null" and not value.startswith(("https://", "http://")):
            found.append(f"{name} {value[:80]!r} is not an http(s) URL")
    return found


def _is_timestamp(value: str) -> bool:
    if not TIMESTAMP_SHAPE.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value)  # the shape is right; is it a real date and time?
    except ValueError:
        return False
    return True


def validate(kind: Kind, fields: dict[str, str]) -> Event:
    """An :class:`Event` from valid fields, or one 400 refusal that lists every problem."""
    found = problems(kind, fields)
    if found:
        raise malformed(f"Malformed {kind.label} status callback: {'; '.join(found)}.", kind)
    return Event(kind.name, fields[kind.sid_field], fields["Status"], dict(fields))


def parse_callback(
    kind: Kind, content_type: str | None, body: bytes, max_body: int = DEFAULT_MAX_BODY
) -> Event:
    """Every rule but the source address, in the receiver's order: 415, 413, then 400.

    >>> parse_callback(SMS, FORM, b"SmsSid=4f2a&Status=sent").status
    'sent'
    """
    media_type(content_type)
    if len(body) > max_body:
        raise too_large(f"The body is {len(body):,} bytes", max_body)
    return validate(kind, read_fields(content_type, body))
