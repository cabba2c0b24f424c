"""The receiver as an ASGI app (Starlette): a thin layer over the rules, store and dispatcher.

``POST /webhooks/exotel/call-status`` and ``POST /webhooks/exotel/sms-status``. In order:

1. the source address against the allowlist, before anything else is read (403, for any path:
   a stranger learns nothing about which paths exist);
2. the Content-Type (415), then the body's size (413), then its fields (400);
3. the event is committed to the store (concurrent requests share one commit:
   :mod:`~helpers.webhooks.batching`), and only then is the answer sent: 200 with
   ``{"result": "accepted"}`` for a new event or ``{"result": "duplicate"}`` for one already
   stored. If the store fails, 503: Exotel retries :exotel:`webhooks.retries`, and nothing
   acknowledged is lost;
4. the dispatcher is told there is work; the handler runs later, off the request path.

Every refusal's body is JSON, ``{"error": what was wrong, "fix": how to fix it}``, and closes
the connection: a refused sender's unread body is not read (and discarded) for it.

``GET /webhooks/health`` (allowlisted or loopback sources) says whether events are being
processed: the worker's state, the backlog, the age of its oldest event and how many events
have failed; 503 with a ``reason`` when something needs a person (the worker thread ended, the
store is unavailable, a handler has run past its lease, the oldest event has waited past
``stall_after``, or events failed ``max_attempts`` times), so a monitor can page someone while
the receiver still acknowledges each callback. It is computed afresh on every request, never cached: it
turns to 503 as soon as a probe sees the trouble, and back to 200 on the first probe after.

A store error is answered 503 "the store is unavailable": Exotel retries
:exotel:`webhooks.retries`. What the error was goes to the operator's log
(``helpers.webhooks``), never into a response.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime
from typing import TypeVar

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..networks import parse_address
from .batching import BatchWriter
from .dispatcher import Dispatcher
from .errors import RefusedError
from .payloads import (
    CALL,
    DEFAULT_MAX_BODY,
    SMS,
    Kind,
    check_declared_length,
    media_type,
    read_fields,
    too_large,
    validate,
)
from .source_allowlist import SourceAllowlist
from .store import EventStore

CALL_PATH = "/webhooks/exotel/call-status"
SMS_PATH = "/webhooks/exotel/sms-status"
HEALTH_PATH = "/webhooks/health"
#: How long a request's body may take to arrive once its headers have (408 after that).
DEFAULT_BODY_TIMEOUT = 10.0
#: How long a callback waits for its event to be committed, and health for the store, before
#: 503: well inside the 15 s Exotel waits, so it retries rather than gives up.
DEFAULT_STORE_TIMEOUT = 5.0
#: What a client is told when the store fails; the operator's log says the rest.
STORE_UNAVAILABLE = "The store is unavailable; the event was not stored."
log = logging.getLogger("helpers.webhooks")
T = TypeVar("T")


class AsciiJSONResponse(JSONResponse):
    """JSON with every non-ASCII character escaped: whatever a refusal quotes, it can be sent."""

    def render(self, content) -> bytes:
        return json.dumps(content, separators=(",", ":")).encode("ascii")


def refusal_response(refusal: RefusedError) -> JSONResponse:
    """The refusal as JSON, closing the connection (nothing more is read from this sender)."""
    return AsciiJSONResponse(
        refusal.body(), status_code=refusal.status, headers={"Connection": "close"}
    )


def store_unavailable(store: EventStore, exc: BaseException, doing: str) -> JSONResponse:
    """503 for the client (Exotel retries :exotel:`webhooks.retries`); the error itself,
    redacted, for the operator's log."""
    log.error("webhook receiver: %s: %s", doing, store.describe_error(exc))
    return JSONResponse(
        {
            "error": STORE_UNAVAILABLE,
            "fix": "Nothing was acknowledged; Exotel retries. The receiver's log says what failed.",
        },
        status_code=503,
        headers={"Retry-After": "5"},
    )


def is_loopback(address: str) -> bool:
    ip = parse_address(address)
    return ip is not None and ip.is_loopback


class AllowlistMiddleware:
    """Refuses (403) every request whose source address is not allowed, whatever its path."""

    #: How many admitted (peer, X-Forwarded-For) pairs are remembered: the allowlist does not
    #: change while the app runs, so a sender it admitted is admitted again without parsing its
    #: address (refusals are always worked out afresh).
    REMEMBERED = 1024

    def __init__(self, app: ASGIApp, allowlist: SourceAllowlist):
        self.app = app
        self.allowlist = allowlist
        self._admitted: set[tuple[str | None, str]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            peer = scope["client"][0] if scope.get("client") else None
            forwarded = ", ".join(
                v.decode("latin-1") for k, v in scope["headers"] if k == b"x-forwarded-for"
            )
            try:
                if (peer, forwarded) not in self._admitted and not (
                    scope["path"] == HEALTH_PATH and self.local(peer, forwarded)
                ):
                    self.allowlist.check(peer, forwarded or None)
                    if len(self._admitted) >= self.REMEMBERED:
                        self._admitted.clear()
                    self._admitted.add((peer, forwarded))
            except RefusedError as refusal:
                await refusal_response(refusal)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def local(self, peer: str | None, forwarded: str) -> bool:
        """A loopback client (health may be read from this machine): a loopback peer that
        forwards nobody's request, or the client a trusted proxy names, if that is loopback."""
        if not forwarded:
            return peer is not None and is_loopback(peer)
        return is_loopback(self.allowlist.source(peer, forwarded))


class Probe:
    """Runs a store query in a daemon thread and waits for it at most ``timeout`` seconds; while
    an earlier one is still stuck (a frozen database), the next fails at once instead of piling
    up threads behind it."""

    def __init__(self):
        self._lock = threading.Lock()
        self._running: Future | None = None
        self._since = 0.0

    def __call__(self, query: Callable[[], T], timeout: float) -> T:
        with self._lock:
            if self._running is not None and not self._running.done():
                waited = time.monotonic() - self._since
                raise TimeoutError(f"an earlier query has waited {waited:.0f} s for the store")
            future: Future = Future()
            self._running, self._since = future, time.monotonic()

        def run() -> None:
            try:
                future.set_result(query())
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
                future.set_exception(exc)

        threading.Thread(target=run, name="webhook-health", daemon=True).start()
        try:
            return future.result(timeout)
        except FutureTimeout:
            raise TimeoutError(f"the store did not answer within {timeout:g} s") from None


async def read_body(
    request: Request, max_body: int, timeout: float = DEFAULT_BODY_TIMEOUT
) -> bytes:
    """The body, refused with 413 as soon as it is over ``max_body`` (declared or not), and
    with 408 if it takes longer than ``timeout`` seconds to arrive."""
    deadline = asyncio.timeout(timeout)
    try:
        async with deadline:
            return await _read_body(request, max_body)
    except TimeoutError:
        if deadline.expired():
            raise body_too_slow(timeout) from None
        raise


def body_too_slow(timeout: float) -> RefusedError:
    return RefusedError(
        408,
        f"The body did not arrive within {timeout:g} s.",
        "Send the whole request at once; Exotel's callbacks are a few hundred bytes.",
    )


async def _read_body(request: Request, max_body: int) -> bytes:
    """The body, with no deadline of its own (the caller's): the ASGI messages read directly,
    as ``request.stream()`` would, without an async generator per request."""
    check_declared_length(request.headers.get("content-length"), max_body)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await request.receive()
        if message["type"] != "http.request":  # http.disconnect: the client has gone
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        if chunk:
            chunks.append(chunk)
            size += len(chunk)
            if size > max_body:
                raise too_large(f"The body is more than {max_body:,} bytes", max_body)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def health(
    store: EventStore,
    dispatcher: Dispatcher | None,
    *,
    stall_after: float | None = None,
    writer: BatchWriter | None = None,
    store_timeout: float = DEFAULT_STORE_TIMEOUT,
    probe: Probe | None = None,
) -> tuple[int, dict]:
    """The health endpoint's status and body: 503 with a ``reason`` when events are not being
    processed or stored, or some have failed; ``stall_after`` defaults to twice the dispatcher's
    lease. The store is asked with a deadline (``store_timeout``): a stuck database is a 503,
    not a probe that hangs."""
    worker = dispatcher.health() if dispatcher is not None else {"worker": "none"}
    max_attempts = dispatcher.max_attempts if dispatcher is not None else 5
    if stall_after is None:
        stall_after = 2 * dispatcher.lease if dispatcher is not None else 120.0
    body = {
        "status": "ok",
        **worker,
        "backlog": None,
        "oldest_unprocessed_age_seconds": None,
        "failed": None,
    }
    problems: list[tuple[str, str]] = []  # (status, reason), the most urgent first
    if worker["worker"] == "stopped":
        problems.append(
            ("processing stopped", "The worker thread has ended: restart the receiver.")
        )
    elif worker["worker"] == "failing":
        problems.append(
            (
                "processing stopped",
                "The store is unavailable to the worker; see the receiver's log.",
            )
        )
    elif worker["worker"] == "stalled":
        in_hand = worker["in_hand"]
        problems.append(
            (
                "stalled",
                f"The handler has run {in_hand['seconds']} s on event {in_hand['event']}, past "
                f"its lease of {dispatcher.lease:g} s: processing waits for it.",
            )
        )
    writing = writer.trouble(store_timeout) if writer is not None else None
    if writing is not None:
        problems.insert(0, ("store unavailable", f"{writing} See the receiver's log."))
    try:
        body["backlog"], oldest, body["failed"] = (probe or Probe())(
            lambda: store.backlog(max_attempts=max_attempts), store_timeout
        )
    except Exception as exc:  # the store cannot even be read: nothing is being processed
        log.error("webhook health: the store is unavailable: %s", store.describe_error(exc))
        problems.insert(
            0, ("store unavailable", "The store is unavailable; see the receiver's log.")
        )
    else:
        if oldest is not None:
            age = store.clock.now() - datetime.fromisoformat(oldest)
            body["oldest_unprocessed_age_seconds"] = max(0, round(age.total_seconds()))
            if age.total_seconds() > stall_after:
                problems.append(
                    (
                        "stalled",
                        f"The oldest unprocessed event has waited {round(age.total_seconds())} s "
                        f"(more than {stall_after:g} s).",
                    )
                )
        if body["failed"]:
            problems.append(
                (
                    "events failing",
                    f"{body['failed']} event(s) failed {max_attempts} times and will not be tried "
                    "again: `python -m helpers.webhooks failing --store ...` lists them, `retry` "
                    "puts them back, `discard` sets them aside.",
                )
            )
    if problems:
        body["status"] = problems[0][0]
        body["reason"] = " ".join(reason for _, reason in problems)
        return 503, body
    return 200, body


def create_app(
    store: EventStore,
    allowlist: SourceAllowlist,
    *,
    dispatcher: Dispatcher | None = None,
    max_body: int = DEFAULT_MAX_BODY,
    background: bool = False,
    body_timeout: float = DEFAULT_BODY_TIMEOUT,
    store_timeout: float = DEFAULT_STORE_TIMEOUT,
) -> Starlette:
    """The receiver. ``background=True`` runs the dispatcher's worker thread for the app's lifetime
    (what ``python -m helpers.webhooks`` does); otherwise call ``dispatcher.run_pending()``.
    A callback whose event is not committed within ``store_timeout`` seconds is answered 503."""

    writer = BatchWriter(store)
    probe = Probe()

    def endpoint(kind: Kind):
        async def receive(request: Request) -> Response:
            # One timer per request for both deadlines (no extra task, unlike wait_for): the
            # body's, then, rescheduled, the commit's.
            event = None
            try:
                async with asyncio.timeout(body_timeout) as deadline:
                    content_type = request.headers.get("content-type")
                    media_type(content_type)
                    body = await _read_body(request, max_body)
                    event = validate(kind, read_fields(content_type, body))
                    busy = writer.busy_since
                    if busy is not None and time.monotonic() - busy > store_timeout:
                        stuck = TimeoutError(f"a write has waited {time.monotonic() - busy:.0f} s")
                        return store_unavailable(store, stuck, f"did not store {event}")
                    deadline.reschedule(asyncio.get_running_loop().time() + store_timeout)
                    new = await writer.record(event)
            except RefusedError as refusal:
                return refusal_response(refusal)
            except ClientDisconnect:  # gone mid-body: nobody to answer, nothing to log
                return Response(status_code=400, headers={"Connection": "close"})
            except Exception as exc:
                if event is None:  # still reading the body
                    if isinstance(exc, TimeoutError) and deadline.expired():
                        return refusal_response(body_too_slow(body_timeout))
                    raise
                # any store failure: nothing is acknowledged
                late = TimeoutError(f"no commit within {store_timeout:g} s")
                error = late if deadline.expired() else exc
                return store_unavailable(store, error, f"could not store {event}")
            if new and dispatcher is not None:
                dispatcher.notify()
            word = b"accepted" if new else b"duplicate"
            return Response(
                b'{"result":"%s","event":%s}' % (word, json.dumps(str(event)).encode()),
                media_type="application/json",
            )

        return receive

    def health_endpoint(request: Request) -> Response:  # plain def: runs in a thread
        status, body = health(
            store, dispatcher, writer=writer, store_timeout=store_timeout, probe=probe
        )
        return JSONResponse(body, status_code=status)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        if background and dispatcher is not None:
            dispatcher.start()
        try:
            yield
        finally:
            writer.stop()
            if background and dispatcher is not None:
                dispatcher.stop()

    return Starlette(
        routes=[
            Route(CALL_PATH, endpoint(CALL), methods=["POST"]),
            Route(SMS_PATH, endpoint(SMS), methods=["POST"]),
            Route(HEALTH_PATH, health_endpoint, methods=["GET"]),
        ],
        middleware=[Middleware(AllowlistMiddleware, allowlist=allowlist)],
        lifespan=lifespan,
    )
