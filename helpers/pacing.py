"""Client-side pacing: stay under an account's rate limits, so a batch never meets a 429.

A token bucket holds ``burst`` tokens and refills at ``(limit - burst) / window`` tokens a
second. Every request takes one token, waiting for it if none is left. In any ``window``
seconds at most ``burst + refill * window = limit`` requests go out, whatever the threads do.

The bucket also reads the server's ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset``
(:meth:`Pacer.observe`): when the server says nothing is left, the next request waits for the
reset instead of meeting a 429. Exotel limits each endpoint category on its own
(:data:`~helpers.endpoints.CATEGORIES`); :class:`EndpointPacer` keeps one bucket per category.

>>> from helpers.clock import FrozenClock
>>> clock = FrozenClock()
>>> pacer = Pacer(limit=200, window=60, burst=10, clock=clock)
>>> [round(pacer.acquire(), 2) for _ in range(12)][-3:]
[0.0, 0.32, 0.32]
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from .clock import Clock, SystemClock
from .endpoints import ENDPOINT_LIMITS, endpoint_category

__all__ = ["ENDPOINT_LIMITS", "EndpointPacer", "Pacer", "endpoint_category"]


class Pacer:
    """A thread-safe token bucket for one account (200 requests a minute by default).

    ``burst`` is 10 by default, or ``limit - 1`` for a limit of 10 or less.
    """

    def __init__(
        self,
        limit: int = 200,
        window: float = 60.0,
        burst: int | None = None,
        clock: Clock | None = None,
    ):
        if burst is None:
            burst = min(10, limit - 1)
        if not 1 <= burst < limit or not 0 < window < float("inf"):
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
        self._hold_until: datetime | None = None  # the server said nothing is left until then
        self._lock = threading.Lock()

    def observe(self, headers: Mapping[str, str], method: str = "GET", url: str = "") -> None:
        """Read ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` from an answer: at 0
        remaining, hold every request until the reset (epoch seconds). Missing or garbled
        headers change nothing: the bucket alone still keeps the pace."""
        remaining = _header_number(headers, "x-ratelimit-remaining")
        reset = _header_number(headers, "x-ratelimit-reset")
        if remaining is None or reset is None or remaining > 0:
            return
        with self._lock:
            until = datetime.fromtimestamp(reset, UTC)
            if self._hold_until is None or until > self._hold_until:
                self._hold_until = until

    def acquire(self, method: str = "GET", url: str = "") -> float:
        """Wait until a request may be sent, take its token, and return the seconds waited.

        ``method`` and ``url`` are for :class:`EndpointPacer`; one bucket ignores them."""
        started = self.clock.now()
        while True:
            with self._lock:
                now = self.clock.now()
                if self._hold_until is not None and now >= self._hold_until:
                    self._hold_until = None
                if self._hold_until is not None:
                    wake = self._hold_until
                else:
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


class EndpointPacer:
    """One :class:`Pacer` per endpoint category, each at its own limit.

    >>> from helpers.clock import FrozenClock
    >>> pacer = EndpointPacer(clock=FrozenClock())
    >>> pacer.limit_for("POST", "/v1/Accounts/acme/Calls/connect.json")
    200
    >>> pacer.limit_for("GET", "/v2/accounts/acme/campaigns")
    30
    """

    def __init__(
        self,
        limits: Mapping[str, int] | None = None,
        window: float = 60.0,
        burst: int = 10,
        clock: Clock | None = None,
    ):
        chosen = {**ENDPOINT_LIMITS, **(limits or {})}
        unknown = sorted(set(limits or {}) - set(ENDPOINT_LIMITS))
        if unknown:
            raise ValueError(
                f"Unknown endpoint category {', '.join(unknown)}; "
                f"the categories are {', '.join(ENDPOINT_LIMITS)}."
            )
        self.clock = clock or SystemClock()
        self.pacers = {
            category: Pacer(limit, window, min(burst, limit - 1), self.clock)
            for category, limit in chosen.items()
        }

    def pacer_for(self, method: str, url: str) -> Pacer:
        return self.pacers[endpoint_category(method, url)]

    def limit_for(self, method: str, url: str) -> int:
        return self.pacer_for(method, url).limit

    def acquire(self, method: str = "GET", url: str = "") -> float:
        """Wait for a token of this request's category; return the seconds waited."""
        return self.pacer_for(method, url).acquire()

    def observe(self, headers: Mapping[str, str], method: str = "GET", url: str = "") -> None:
        """The server's ``X-RateLimit-*`` headers, for this request's category only."""
        self.pacer_for(method, url).observe(headers)


def _header_number(headers: Mapping[str, str], name: str) -> float | None:
    value = next((v for k, v in headers.items() if k.lower() == name), None)
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None
