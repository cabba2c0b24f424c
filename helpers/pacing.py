"""Client-side pacing: stay under an account's rate limit, so a batch never meets a 429.

A token bucket holds ``burst`` tokens and refills at ``(limit - burst) / window`` tokens a
second. Every request takes one token, waiting for it if none is left. In any ``window``
seconds at most ``burst + refill * window = limit`` requests go out, whatever the threads do.

>>> from helpers.clock import FrozenClock
>>> clock = FrozenClock()
>>> pacer = Pacer(limit=200, window=60, burst=10, clock=clock)
>>> [round(pacer.acquire(), 2) for _ in range(12)][-3:]
[0.0, 0.32, 0.32]
"""

from __future__ import annotations

import math
import threading
from datetime import timedelta

from .clock import Clock, SystemClock


class Pacer:
    """A thread-safe token bucket for one account (200 requests a minute by default)."""

    def __init__(
        self, limit: int = 200, window: float = 60.0, burst: int = 10, clock: Clock | None = None
    ):
        if not 1 <= burst < limit or window <= 0:
            raise ValueError(
                f"Pacer needs 1 <= burst < limit and window > 0; got burst={burst}, "
                f"limit={limit}, window={window}"
            )
        self.limit = limit
        self.window = window
        self.burst = burst
        self.rate = (limit - burst) / window
        self.clock = clock or SystemClock()
        self._tokens = float(burst)
        self._updated = self.clock.now()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait until a request may be sent, take its token, and return the seconds waited."""
        started = self.clock.now()
        while True:
            with self._lock:
                now = self.clock.now()
                elapsed = (now - self._updated).total_seconds()
                self._tokens = min(self.burst, self._tokens + elapsed * self.rate)
                self._updated = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return (now - started).total_seconds()
                # Round up to the clock's resolution (1 µs), or a tiny wait would never end.
                wait = math.ceil((1 - self._tokens) / self.rate * 1e6)
                wake = now + timedelta(microseconds=wait)
            self.clock.sleep_until(wake)
