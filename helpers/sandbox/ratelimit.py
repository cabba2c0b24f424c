"""Per-account request limits over a sliding window, one budget per endpoint category.

The categories and their limits are those of Exotel's rate-limiting page
(https://developer.exotel.com/docs/advanced-config/rate-limiting), as
:data:`helpers.pacing.ENDPOINT_LIMITS` lists them; the sliding window is the sandbox's choice.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from datetime import datetime

from ..pacing import ENDPOINT_LIMITS


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

    def remaining(self, key: str, now: datetime) -> tuple[int, int]:
        """(requests left in the window, epoch second when the oldest counted one leaves it)."""
        t = now.timestamp()
        with self._lock:
            seen = self._seen.get(key, deque())
            live = [s for s in seen if s > t - self.window]
        reset = math.ceil(live[0] + self.window) if live else math.ceil(t)
        return max(0, self.limit - len(live)), reset


def category_limits(window: float = 60.0) -> dict[str, SlidingWindowLimit]:
    """A fresh limiter per endpoint category, at the defaults :exotel:`rate-limiting.categories`."""
    return {name: SlidingWindowLimit(limit, window) for name, limit in ENDPOINT_LIMITS.items()}
