"""Clocks: the real one, and a frozen one that only moves when told, for deterministic output."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Protocol

IST = timezone(timedelta(hours=5, minutes=30), "IST")
#: The sandbox's fixed start: recordings made on any day show the same timestamps.
EPOCH = datetime(2026, 1, 15, 10, 0, 0, tzinfo=IST)


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...

    def sleep_until(self, moment: datetime) -> None: ...


class SystemClock:
    """Wall-clock time, in IST (the time zone Exotel's v1 timestamps are in)."""

    def now(self) -> datetime:
        return datetime.now(IST)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def sleep_until(self, moment: datetime) -> None:
        self.sleep(max(0.0, (moment - self.now()).total_seconds()))


class FrozenClock:
    """A clock that stands still until ``advance`` (or ``sleep``) moves it; thread-safe.

    >>> clock = FrozenClock()
    >>> clock.advance(90)
    >>> clock.now().strftime("%H:%M:%S")
    '10:01:30'
    """

    def __init__(self, start: datetime = EPOCH):
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"a clock cannot go back ({seconds} s)")
        with self._lock:
            self._now += timedelta(seconds=seconds)

    def sleep(self, seconds: float) -> None:
        """Sleeping on a frozen clock moves it on at once: no real time passes."""
        self.advance(seconds)

    def sleep_until(self, moment: datetime) -> None:
        """Move the clock to ``moment`` unless it is already past it.

        Threads that sleep until the same moment move the clock once, not once each, so several
        threads on one frozen clock see time pass as they would in real time.
        """
        with self._lock:
            self._now = max(self._now, moment)
