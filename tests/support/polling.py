"""Waiting for a condition in tests without a fixed sleep."""

from __future__ import annotations

import time


def wait_for(condition, deadline: float = 10.0, every: float = 0.005) -> bool:
    """Poll ``condition`` until it holds or ``deadline`` seconds pass (no fixed sleep)."""
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(every)
    return True
