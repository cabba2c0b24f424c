"""Per-account request limit over a sliding window (200 a minute, as Exotel's Authentication & Security
guide documents)."""

from __future__ import annotations

import math
import threading
from collections import deque
from datetime import datetime


class SlidingWindowLimit:
    """Allows ``limit`` requests in any ``window`` seconds per key; the rest are refused.

    >>> from helpers.clock import FrozenClock
    >>> clock = FrozenClock(); limit = SlidingWindowLimit(2, 60)
    >>> [limit.admit("acme", clock.now()) for _ in range(3)]
    [0, 0, 60]
    """

    def __init__(self, limit: int = 200, window: float = 60.0):
        if limit < 1 or window <= 0:
            raise ValueError(f"limit must be >= 1 and window > 0, got {limit} per {window} s")
        self.limit = limit
        self.window = window
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, key: str, now: datetime) -> int:
        """0 if the request is admitted (and counted), else whole seconds until a slot frees."""
        t = now.timestamp()
        with self._lock:
            seen = self._seen.setdefault(key, deque())
            while seen and seen[0] <= t - self.window:
                seen.popleft()
            if len(seen) < self.limit:
                seen.append(t)
                return 0
            return max(1, math.ceil(seen[0] + self.window - t))
