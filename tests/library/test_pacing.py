"""The pacer keeps an account under its limit, across threads, on a virtual clock, and per endpoint
category (Exotel's rate-limiting page), reading the X-RateLimit-* headers."""

from __future__ import annotations

import threading
from collections import deque

import pytest

from helpers import ExotelClient, RateLimitError
from helpers.clock import FrozenClock
from helpers.pacing import ENDPOINT_LIMITS, EndpointPacer, Pacer, endpoint_category
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


# -- endpoint categories ---------------------------------------------------------------------------

SG = "https://api.exotel.com"
V1 = "/v1/Accounts/handbookdemo"
V2 = "/v2/accounts/handbookdemo"


def test_the_limits_are_those_of_exotels_rate_limiting_page():
    assert {k: v for k, v in ENDPOINT_LIMITS.items() if k != "other"} == {
        "voice": 200,
        "sms": 200,
        "bulk_sms": 50,
        "whatsapp": 200,
        "exophone": 50,
        "campaign": 30,
        "user_management": 50,
        "general_get": 300,
    }


@pytest.mark.parametrize(
    ("method", "path", "category"),
    [
        ("POST", f"{V1}/Calls/connect.json", "voice"),
        ("GET", f"{V1}/Calls/abc.json", "voice"),
        ("GET", f"{V1}/Calls.json?PageSize=10", "voice"),
        ("GET", f"{V2}/calls", "voice"),
        ("POST", f"{V1}/Sms/send.json", "sms"),
        ("GET", f"{V1}/SMS/Messages/abc.json", "sms"),
        ("POST", f"{V1}/Sms/bulksend.json", "bulk_sms"),
        ("GET", f"{V1}/IncomingPhoneNumbers.json", "exophone"),
        ("POST", f"{V2}/message-campaigns", "campaign"),
        ("GET", f"{V2}/users", "user_management"),
        ("POST", f"{V2}/messages", "whatsapp"),
        ("GET", f"{V1}/Numbers/08012345678.json", "general_get"),
        ("POST", f"{V1}/Something.json", "other"),
        ("GET", "/not/an/account/path", "general_get"),
    ],
)
def test_each_path_falls_in_its_endpoint_category(method, path, category):
    assert endpoint_category(method, path) == category


# -- the pacer -------------------------------------------------------------------------------------


def test_endpoint_pacer_gives_each_category_its_limit():
    pacer = EndpointPacer()
    assert pacer.limit_for("POST", f"{SG}{V1}/Sms/bulksend.json") == 50
    assert pacer.limit_for("GET", f"{SG}{V2}/campaigns") == 30
    assert pacer.limit_for("GET", f"{SG}{V1}/Calls.json") == 200


def test_endpoint_pacer_takes_a_limit_per_category():
    assert EndpointPacer({"voice": 500}).limit_for("GET", f"{SG}{V1}/Calls.json") == 500


def test_endpoint_pacer_refuses_an_unknown_category_naming_the_known_ones():
    with pytest.raises(ValueError, match="Unknown endpoint category vioce; the categories are"):
        EndpointPacer({"vioce": 100})


def test_a_pacer_at_zero_remaining_waits_for_the_reset(sandbox):
    pacer = Pacer(limit=200, window=60, burst=10, clock=sandbox.clock)
    reset = int(sandbox.clock.now().timestamp()) + 25
    pacer.observe({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)})
    assert pacer.acquire() == 25


def test_a_pacer_with_requests_remaining_does_not_wait(sandbox):
    pacer = Pacer(limit=200, window=60, burst=10, clock=sandbox.clock)
    reset = int(sandbox.clock.now().timestamp()) + 25
    pacer.observe({"X-RateLimit-Remaining": "3", "X-RateLimit-Reset": str(reset)})
    assert pacer.acquire() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-RateLimit-Remaining": "0"},
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "soon"},
    ],
)
def test_missing_or_garbled_headers_leave_the_pacer_to_its_bucket(sandbox, headers):
    pacer = Pacer(limit=200, window=60, burst=10, clock=sandbox.clock)
    pacer.observe(headers)
    assert pacer.acquire() == 0


def test_a_header_paced_client_never_meets_a_429_when_the_server_is_stricter(sandbox):
    """The pacer believes 200 a minute; the server allows 20. The headers keep it out of 429."""
    from helpers.sandbox import SlidingWindowLimit

    sandbox.rate_limit = SlidingWindowLimit(20, 60)
    pacer = Pacer(limit=200, window=60, burst=10, clock=sandbox.clock)
    refused = 0
    with ExotelClient(sandbox.demo, transport=sandbox.transport(), pacer=pacer) as client:
        for _ in range(60):
            try:
                client.list_calls()
            except RateLimitError:
                refused += 1
    assert refused == 0


def test_an_endpoint_paced_batch_of_bulk_sms_never_meets_a_429(sandbox):
    pacer = EndpointPacer(clock=sandbox.clock)
    with ExotelClient(sandbox.demo, transport=sandbox.transport(), pacer=pacer) as client:
        statuses = []
        for _ in range(120):
            try:
                client.request("POST", "Sms/bulksend.json")
            except Exception as exc:  # the sandbox serves no bulk send: 404 once admitted
                statuses.append(exc.status)
    assert 429 not in statuses
