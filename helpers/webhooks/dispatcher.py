"""Processing, off the request path: a user-supplied handler runs once per stored event.

The receiver answers Exotel as soon as an event is committed; the slow part (updating a CRM,
sending an email) happens here, so the 200 goes out well within the 15 seconds Exotel allows
:exotel:`webhooks.15s-200`.

The dispatcher *claims* an event before it hands it to the handler: one UPDATE writes its name
and an expiry on the row (:meth:`EventStore.claim`), so several receivers on one store (several
processes on one SQLite file, or several machines on one PostgreSQL database) never run the
handler on the same event at the same time. Once the handler returns, the event is marked
processed, in the same statement that claims the next one (one write per event). Because claims
and marks are in the store, a restarted receiver carries on where the last one stopped, and a
claim left by a killed process lapses after ``lease`` seconds and is taken over by whoever is
still running.

How often the handler runs:

- once per event, however many dispatchers share the store;
- across a crash, an event the handler had started but not yet marked is handed to it again
  (after its claim lapses). One worker handles one event at a time, so that is at most one event
  per crashed process. Handlers that must never repeat an effect use ``event.id`` as an
  idempotency key in their own store;
- a handler that runs longer than ``lease`` may see its event claimed by another dispatcher:
  choose a lease longer than your slowest handler.

A handler that raises (anything, ``SystemExit`` included, however its message misbehaves) is
retried on the next pass, up to ``max_attempts`` times; after that the event stays in the table,
unprocessed, with its ``last_error`` for a person to look at. An event whose handler never
returned because the process died (killed, crashed, out of memory: a poison event) is recorded
the same way when its claim lapses, so after ``max_attempts`` deaths it is failing too, with an
error saying so, and never in limbo: every event is processed, waiting, in hand, or failing.

The worker thread never dies of an error. If the store fails (a full disk, a busy lock, a damaged
page), it logs the error, waits (doubling the wait, up to ``max_backoff`` seconds) and tries
again; :meth:`Dispatcher.health` says so meanwhile, and the receiver's health endpoint answers
503 until the store answers again (the first query that succeeds clears it). A mark that could
not be written is kept and written first when the store is back, so the event is not handed to
the handler again.

Two ways to run it: :meth:`Dispatcher.run_pending` processes what is waiting, now, in the calling
thread (deterministic: the chapter and the tests use it); :meth:`Dispatcher.start` runs the same
loop in a worker thread that wakes when the receiver stores a new event (the server uses it).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from .errors import describe
from .payloads import Event
from .store import EventStore

Handler = Callable[[Event], None]
#: How long the worker waits, after handling an event, for news of the next before it writes
#: the mark on its own (see :meth:`Dispatcher._pass`).
LINGER = 0.002
log = logging.getLogger("helpers.webhooks")


@dataclass(frozen=True)
class Outcome:
    """What happened when the handler was given one event."""

    event: Event
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def default_owner() -> str:
    """A name for this dispatcher in the store's claims: host, process and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Dispatcher:
    """Hands each stored event to ``handler`` once, in the order the events were stored."""

    def __init__(
        self,
        store: EventStore,
        handler: Handler,
        *,
        max_attempts: int = 5,
        idle_wait: float = 1.0,
        lease: float = 60.0,
        owner: str | None = None,
        backoff: float = 0.1,
        max_backoff: float = 30.0,
    ):
        self.store = store
        self.handler = handler
        self.max_attempts = max_attempts
        self.idle_wait = idle_wait  # the worker also looks for work this often, in seconds
        self.lease = lease  # a claim lapses after this many seconds
        self.owner = owner or default_owner()
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._running = threading.Lock()  # one pass at a time, whoever calls it
        self._unmarked: list[tuple[int, str | None]] = []  # handled, mark not yet written
        self.error: str | None = None  # the store's last failure, until a query succeeds
        self.failures = 0  # passes in a row that ended in that failure
        self.in_hand: tuple[int, float] | None = None  # (event id, time.monotonic() it started)
        self._gave_up_at = float("-inf")

    def run_pending(self) -> list[Outcome]:
        """Process every event waiting now, each at most once in this pass; return the outcomes.

        A store error is raised to the caller (the worker thread logs it and tries again).
        """
        return self._pass(threading.Event())

    def _pass(
        self,
        stop: threading.Event,
        *,
        linger: float = 0.0,
        keep: bool = True,
        budget: float | None = None,
    ) -> list[Outcome]:
        """Claim and handle until nothing is left. ``linger``: after each event, wait up to this
        long for news of the next (:meth:`notify`) before claiming, so the claim that carries
        this event's mark also finds the next one (one write per event, not two, when callbacks
        arrive a little slower than they are handled); an event found without news means a
        backlog, drained without waiting. ``keep``: return the outcomes (the worker thread's
        passes keep none). ``budget``: end the pass after this many seconds (and start the next
        at once), so under a steady stream of callbacks the events left behind the cursor (a
        handler that failed, a lapsed claim, an operator's retry) are still taken up."""
        outcomes: list[Outcome] = []
        ends = None if budget is None else time.monotonic() + budget
        with self._running:
            self._write_unmarked()
            if time.monotonic() - self._gave_up_at > 1.0:  # lapsed claims: at most once a second
                self.store.give_up(max_attempts=self.max_attempts)
                self._gave_up_at = time.monotonic()
            self._store_works()
            after, over = 0, False
            while not stop.is_set() and not over:
                # The mark of the event just handled goes with the next claim: one write per
                # event. If that write fails, the mark stays in _unmarked for the next pass.
                finished = self._unmarked[0] if self._unmarked else None
                announced = True
                if finished is not None and linger:
                    announced = self._wake.wait(linger)
                    self._wake.clear()  # what it announced is committed: this claim sees it
                    if stop.is_set():
                        break  # the mark is written below
                batch = self.store.claim(
                    self.owner,
                    lease=self.lease,
                    max_attempts=self.max_attempts,
                    after=after,
                    finished=finished,
                )
                if finished is not None:
                    self._unmarked.pop(0)
                if not batch:
                    break
                if not announced:
                    linger = 0.0  # a backlog nobody announced: drain it without waiting
                if ends is not None and time.monotonic() > ends:
                    over = True  # this pass ends after this event; the worker begins the next
                    self._wake.set()
                for event in batch:
                    outcome = self._handle(event)
                    if keep:
                        outcomes.append(outcome)
                    after = event.id
            self._write_unmarked()  # stopped with an event handled: its mark on its own
        return outcomes

    def _store_works(self) -> None:
        """A query succeeded: the store's failure, if any, is over."""
        if self.error is not None:
            log.warning("webhook dispatcher: the store works again (%s before)", self.error)
            self.failures, self.error = 0, None

    def _handle(self, event: Event) -> Outcome:
        self.in_hand = (event.id, time.monotonic())
        try:
            self.handler(event)
        except BaseException as exc:  # SystemExit too: a handler's failure, not the worker's end
            outcome = Outcome(event, describe(exc))
            self.in_hand = None
            self._unmarked.append((event.id, outcome.error))
            if isinstance(exc, KeyboardInterrupt):
                self._write_unmarked()
                raise  # Ctrl-C in run_pending stops the caller, after the mark
            return outcome
        self.in_hand = None
        self._unmarked.append((event.id, None))  # written with the next claim (see _pass)
        return Outcome(event)

    def _write_unmarked(self) -> None:
        """Write the marks waiting (a store failure leaves the rest waiting, and is raised)."""
        while self._unmarked:
            event_id, error = self._unmarked[0]
            if error is None:
                self.store.mark_processed(event_id)
            else:
                self.store.mark_failed(event_id, error)
            self._unmarked.pop(0)

    # -- in the background -----------------------------------------------------------------------

    def notify(self) -> None:
        """Tell the worker that a new event was stored (and start it again if it ever ended)."""
        if not self._wake.is_set():  # set and not yet cleared: the next pass sees the event
            self._wake.set()
        thread = self._thread
        if thread is not None and not thread.is_alive() and not self._stop.is_set():
            log.error("webhook dispatcher: the worker thread had ended; starting it again")
            self._thread = None
            self.start()

    def start(self) -> None:
        """Run the worker thread: a pass now, then one each time :meth:`notify` is called."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="webhook-dispatcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the event in hand, then stop the worker."""
        if self._thread is None:
            return
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        self._thread = None

    @property
    def alive(self) -> bool:
        """True while the worker thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def health(self) -> dict:
        """The worker's state: ``running``, ``failing`` (the store errs), ``stopped`` (its thread
        ended), ``stalled`` (a handler has run past the lease) or ``manual`` (never started:
        :meth:`run_pending` does the work); and how many store failures in a row."""
        in_hand = self.in_hand
        if in_hand is not None and time.monotonic() - in_hand[1] > self.lease:
            state = "stalled"
        elif self._thread is None:
            state = "manual"
        elif not self._thread.is_alive():
            state = "stopped"
        elif self.error is not None:
            state = "failing"
        else:
            state = "running"
        body = {"worker": state, "failures": self.failures}
        if state == "stalled":
            body["in_hand"] = {"event": in_hand[0], "seconds": round(time.monotonic() - in_hand[1])}
        return body

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._wake.clear()
                self._pass(self._stop, linger=LINGER, keep=False, budget=self.idle_wait)
                self._wake.wait(self.idle_wait)
            except BaseException as exc:  # the worker outlives every error: log, wait, go on
                try:
                    self._failed(exc)
                except BaseException:  # noqa: BLE001 - even logging failed: wait and go on
                    self._stop.wait(self.max_backoff)

    def _failed(self, exc: BaseException) -> None:
        self.failures += 1
        self.error = self.store.describe_error(exc)
        wait = min(self.max_backoff, self.backoff * 2 ** (self.failures - 1))
        log.error(
            "webhook dispatcher: %s; trying again in %.1f s (failure %d in a row)",
            self.error,
            wait,
            self.failures,
            exc_info=exc if self.failures == 1 else None,  # the traceback once
        )
        self._stop.wait(wait)
