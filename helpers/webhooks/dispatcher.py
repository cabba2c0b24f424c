"""Processing, off the request path: a user-supplied handler runs once per stored event.

The receiver answers Exotel as soon as an event is committed; the slow part (updating a CRM,
sending an email) happens here, so the 200 goes out well within Exotel's 15 seconds
(https://developer.exotel.com/docs/references/webhooks).

The dispatcher reads events whose ``processed_at`` is NULL, oldest first, calls the handler,
and marks each processed. Because that mark is in the store, a restarted receiver carries on
where the last one stopped: events stored but not processed before a crash are handled after it.

How often the handler runs:

- once per event while the process lives;
- across a crash, an event the handler had finished but not yet marked is handed to it again.
  One worker handles one event at a time, so that is at most one event per crash. Handlers that
  must never repeat an effect use ``event.id`` as an idempotency key in their own store.

A handler that raises is retried on the next pass, up to ``max_attempts`` times; after that the
event stays in the table, unprocessed, with its ``last_error`` for a person to look at.

Two ways to run it: :meth:`Dispatcher.run_pending` processes what is waiting, now, in the calling
thread (deterministic: the chapter and the tests use it); :meth:`Dispatcher.start` runs the same
loop in a worker thread that wakes when the receiver stores a new event (the server uses it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from .payloads import Event
from .store import EventStore

Handler = Callable[[Event], None]


@dataclass(frozen=True)
class Outcome:
    """What happened when the handler was given one event."""

    event: Event
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class Dispatcher:
    """Hands each stored event to ``handler`` once, in the order the events were stored."""

    def __init__(
        self,
        store: EventStore,
        handler: Handler,
        *,
        max_attempts: int = 5,
        idle_wait: float = 1.0,
    ):
        self.store = store
        self.handler = handler
        self.max_attempts = max_attempts
        self.idle_wait = idle_wait  # the worker also looks for work this often, in seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._running = threading.Lock()  # one pass at a time, whoever calls it

    def run_pending(self) -> list[Outcome]:
        """Process every event waiting now, each at most once in this pass; return the outcomes."""
        return self._pass(threading.Event())

    def _pass(self, stop: threading.Event) -> list[Outcome]:
        outcomes: list[Outcome] = []
        with self._running:
            after = 0
            while not stop.is_set():
                batch = self.store.unprocessed(max_attempts=self.max_attempts, after=after)
                if not batch:
                    break
                for event in batch:
                    outcomes.append(self._handle(event))
                    after = event.id
        return outcomes

    def _handle(self, event: Event) -> Outcome:
        try:
            self.handler(event)
        except Exception as exc:  # the handler's failure is recorded, not the dispatcher's end
            error = f"{type(exc).__name__}: {exc}"
            self.store.mark_failed(event.id, error)
            return Outcome(event, error)
        self.store.mark_processed(event.id)
        return Outcome(event)

    # -- in the background -----------------------------------------------------------------------

    def notify(self) -> None:
        """Tell the worker that a new event was stored."""
        self._wake.set()

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

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            self._pass(self._stop)
            self._wake.wait(self.idle_wait)
