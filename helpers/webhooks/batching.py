"""Group commit: many concurrent callbacks, one transaction and one fsync.

A commit with ``synchronous=FULL`` waits for the disk (an fsync), and SQLite runs one write at a
time. Committing each callback on its own would make every request queue behind every other
request's fsync. Instead, requests hand their event to one writer thread and wait; the writer
takes everything that arrived while it was busy and commits it as one transaction
(:meth:`EventStore.record_many`), then wakes each waiting request with its own answer (new or
duplicate). Under load a batch holds every request that arrived during the previous fsync; with
one request at a time, a batch is that one request and nothing waits longer than before.

Nothing is answered before its batch is committed, so "committed before the 200" still holds.
The writer says how it is doing (:meth:`BatchWriter.trouble`): a commit that has waited too long
(a stalled database, a lock another process holds) or the last one failing, so health can say
so and a callback can be answered 503 at once instead of after Exotel has stopped waiting
:exotel:`webhooks.15s-200`.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time

from .payloads import Event
from .store import EventStore

_STOP = object()


class BatchWriter:
    """``await writer.record(event)``: True if new, False if a duplicate; committed on return."""

    def __init__(self, store: EventStore, max_batch: int = 256, idle_exit: float = 5.0):
        self.store = store
        self.max_batch = max_batch
        self.idle_exit = idle_exit  # the thread ends after this long without work
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.busy_since: float | None = None  # time.monotonic() the commit in hand started
        self.failed_at: float | None = None  # when the last commit failed, if none has worked since

    def trouble(self, deadline: float, *, memory: float = 10.0) -> str | None:
        """Why writing looks broken, or None: a commit in hand for more than ``deadline``
        seconds, or a failure in the last ``memory`` seconds with no commit since."""
        now = time.monotonic()
        busy, failed = self.busy_since, self.failed_at
        if busy is not None and now - busy > deadline:
            return f"A write has waited {now - busy:.0f} s for the store."
        if failed is not None and now - failed < memory:
            return f"The last write failed {now - failed:.0f} s ago."
        return None

    async def record(self, event: Event) -> bool:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put((event, loop, future))
        self._ensure_started()  # after the put: see _idle
        return await future

    def _ensure_started(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="webhook-writer", daemon=True
                )
                self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Commit what is queued, then stop the writer thread."""
        with self._start_lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout)

    def wait_until_idle(self, timeout: float = 10.0) -> bool:
        """Wait for the writer thread to end on its own (``idle_exit`` without work); True once
        it has, also when it had already ended."""
        with self._start_lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return thread is None or not thread.is_alive()

    def _idle(self) -> bool:
        """True if the thread may end: nothing queued (checked under the lock that starts one)."""
        with self._start_lock:
            if self._queue.empty():
                self._thread = None
                return True
        return False

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=self.idle_exit)
            except queue.Empty:
                if self._idle():
                    return
                continue
            batch = []
            stopping = item is _STOP
            if not stopping:
                batch.append(item)
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)
            if batch:
                self._commit(batch)
            if stopping:
                return

    def _commit(self, batch: list) -> None:
        self.busy_since = time.monotonic()
        try:
            results = self.store.record_many([event for event, _, _ in batch])
        except Exception as exc:  # every waiting request learns the batch failed
            self.busy_since, self.failed_at = None, time.monotonic()
            _wake([(loop, future, None, exc) for _, loop, future in batch])
            return
        self.busy_since = self.failed_at = None
        _wake(
            [
                (loop, future, new, None)
                for (_, loop, future), new in zip(batch, results, strict=True)
            ]
        )


def _wake(answers: list) -> None:
    """Give each waiting request its answer: one call into each event loop per batch (each call
    wakes that loop through its self-pipe, a system call, so not one per request)."""
    by_loop: dict = {}
    for loop, future, result, error in answers:
        by_loop.setdefault(loop, []).append((future, result, error))
    for loop, settled in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle, settled)
        except RuntimeError:  # that event loop has closed: nobody is waiting any more
            pass


def _settle(settled: list) -> None:
    for future, result, error in settled:
        if future.done():  # the request was cancelled (client went away); the event is stored
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
