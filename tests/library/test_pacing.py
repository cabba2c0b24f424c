"""The pacer keeps an account under its limit, across threads, on a virtual clock."""

from __future__ import annotations

import threading
from collections import deque

import pytest

from helpers import ExotelClient, RateLimitError
from helpers.clock import FrozenClock
from helpers.pacing import Pacer
from helpers.sandbox import Sandbox, SlidingWindowLimit, demo_credentials


class ArrivalLog(SlidingWindowLimit):
    """The sandbox's limiter, also noting when each admitted request arrived."""

    def __init__(self, *args):
        super().__init__(*args)
        self.arrivals: list[float] = []
        self.refused = 0

    def admit(self, key, now):
        wait = super().admit(key, now)
        if wait:
            self.refused += 1
        else:
            self.arrivals.append(now.timestamp())
        return wait


def busiest_window(times: list[float], window: float) -> int:
    times, inside, most = sorted(times), deque(), 0
    for t in times:
        inside.append(t)
        while inside[0] <= t - window:
            inside.popleft()
        most = max(most, len(inside))
    return most


def drive(pacer: Pacer, clock: FrozenClock, total: int, threads: int) -> ArrivalLog:
    limiter = ArrivalLog(200, 60)
    sandbox = Sandbox(clock=clock, rate_limit=limiter, demo=demo_credentials({}))
    exotel = ExotelClient(sandbox.demo, transport=sandbox.transport(), pacer=pacer)
    jobs = iter(range(total))
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if next(jobs, None) is None:
                    return
            try:
                exotel.list_calls()
            except RateLimitError:
                pass  # counted by the limiter

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in pool)
    return limiter


def test_1000_requests_from_8_threads_meet_no_429_and_never_exceed_200_a_minute():
    clock = FrozenClock()
    limiter = drive(Pacer(200, 60, burst=10, clock=clock), clock, total=1000, threads=8)
    assert limiter.refused == 0
    assert len(limiter.arrivals) == 1000
    assert busiest_window(limiter.arrivals, 60) <= 200


def test_the_pacer_does_not_waste_the_limit():
    clock = FrozenClock()
    limiter = drive(Pacer(200, 60, burst=10, clock=clock), clock, total=1000, threads=8)
    elapsed = max(limiter.arrivals) - min(limiter.arrivals)
    # 990 requests after the burst at 190 a minute take about 313 s; no more than 5% slower.
    assert elapsed <= 1.05 * (990 / (190 / 60))


def test_a_bucket_that_starts_full_at_the_limit_would_be_refused():
    """The check above can fail: a naive bucket (burst = limit) meets 429s."""
    clock = FrozenClock()

    class Naive(Pacer):
        def __init__(self, clock):
            super().__init__(201, 60, burst=200, clock=clock)
            self.rate = 200 / 60

        def observe(self, headers, method="GET", url=""):
            pass  # the bucket alone: X-RateLimit-Remaining would otherwise hold it at 0

    limiter = drive(Naive(clock), clock, total=600, threads=8)
    assert limiter.refused > 0


def test_acquire_returns_the_time_waited():
    clock = FrozenClock()
    pacer = Pacer(limit=200, window=60, burst=1, clock=clock)
    assert pacer.acquire() == 0
    assert pacer.acquire() == pytest.approx(60 / 199, abs=1e-6)


def test_a_limit_below_the_default_burst_keeps_one_request_back():
    assert Pacer(limit=5, window=60).burst == 4


@pytest.mark.parametrize("window", [0, -1, float("nan"), float("inf")])
def test_a_window_that_is_not_a_positive_number_of_seconds_is_refused(window):
    with pytest.raises(ValueError, match="window > 0"):
        Pacer(limit=200, window=window)


@pytest.mark.parametrize("burst,limit", [(0, 200), (200, 200), (300, 200)])
def test_impossible_settings_are_refused(burst, limit):
    with pytest.raises(ValueError, match="1 <= burst < limit"):
        Pacer(limit=limit, burst=burst)
