"""A receiver for Exotel status callbacks that loses nothing and processes nothing twice.

The rules are plain functions and small classes, usable without a web framework:

- :class:`SourceAllowlist`: the sender's address must be in your CIDR ranges (403);
- :func:`parse_callback` / :func:`validate`: content type (415), size (413), fields (400);
- :class:`EventStore`: each distinct event ``(Sid, Status)`` stored once in SQLite, committed
  before the 200 (or on PostgreSQL: :func:`open_store` with a ``postgresql://`` URL);
- :class:`Dispatcher`: your handler, once per stored event, off the request path, however many
  receivers share the store (each claims an event before handling it).

:func:`create_app` is the thin Starlette layer over them, with a health endpoint
(:data:`HEALTH_PATH`); ``python -m helpers.webhooks`` serves it on uvicorn, guarded against slow
clients (:mod:`~helpers.webhooks.serving`). Exotel documents no signature for status callbacks, so there is none to verify
here: the source address, the payload's shape and idempotency are what a receiver can check.
"""

from .app import CALL_PATH, HEALTH_PATH, SMS_PATH, create_app
from .dispatcher import Dispatcher, Outcome
from .errors import RefusedError
from .payloads import CALL, DEFAULT_MAX_BODY, SMS, Event, parse_callback, read_fields, validate
from .source_allowlist import SourceAllowlist, parse_allowlist
from .store import EventStore, open_store

__all__ = [
    "CALL",
    "CALL_PATH",
    "HEALTH_PATH",
    "DEFAULT_MAX_BODY",
    "Dispatcher",
    "Event",
    "EventStore",
    "Outcome",
    "RefusedError",
    "SMS",
    "SMS_PATH",
    "SourceAllowlist",
    "create_app",
    "open_store",
    "parse_callback",
    "parse_allowlist",
    "read_fields",
    "validate",
]
