"""Retrying a failed request: which failures, how long to wait, when to give up.

The backoff loop in Exotel's Authentication & Security guide :exotel:`guide.backoff` sends a
request up to five times, sleeping 1, 2, 4 and 8 seconds between tries on a 429 (and 16 more
after the fifth, before it gives up) :exotel:`guide.backoff-waits`. This policy keeps its idea and fixes what a production copy of it gets wrong:

- **What is retried.** A 429 always: the request was refused, not processed. A 5xx or a lost
  connection only for methods that are safe to repeat (GET, HEAD, OPTIONS, PUT, DELETE), because
  a POST to ``Calls/connect.json`` that timed out may already be ringing someone. A connection
  that never opened is safe for every method.
- **How long to wait.** The server's ``Retry-After`` when it sends one (seconds or an HTTP-date,
  after urllib3's ``Retry``); otherwise exponential backoff with full jitter, so a fleet of
  workers does not retry in lockstep. Randomness lives in :meth:`RetryPolicy.backoff` alone.
- **When to stop.** After ``max_attempts``, or before waiting past ``budget`` seconds in all, or
  when the server asks for a longer wait than ``cap``: then :class:`RetriesExhaustedError`
  says how many tries and how long.

As in urllib3, the policy only decides (:meth:`RetryPolicy.should_retry`,
:meth:`RetryPolicy.delay`, :meth:`RetryPolicy.refusal`) and :meth:`RetryPolicy.call` is a plain
loop over those decisions, short enough to paste. ``sleep`` is injected, so tests and playback
wait no real time. Every retry is logged on the ``helpers.retry`` logger and passed to
``on_retry``.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from .errors import APIError, NetworkError, RateLimitError, RetriesExhaustedError, ServerError

log = logging.getLogger("helpers.retry")
T = TypeVar("T")

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
_SECONDS = re.compile(r"^\s*\d+\s*$")


def parse_retry_after(value: str, now: datetime) -> float:
    """Seconds to wait, from ``Retry-After: 120`` or ``Retry-After: <HTTP-date>``.

    A date in the past means 0. Anything else (negative numbers, fractions, words) is a
    ValueError naming the value.

    >>> parse_retry_after("30", datetime(2026, 1, 1, tzinfo=UTC))
    30.0
    >>> parse_retry_after("Thu, 01 Jan 2026 00:01:00 GMT", datetime(2026, 1, 1, tzinfo=UTC))
    60.0
    """
    if _SECONDS.match(value):
        return float(int(value))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        moment = None
    if moment is None:
        raise ValueError(f"Retry-After {value!r} is neither whole seconds nor an HTTP-date")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


@dataclass(frozen=True)
class RetryEvent:
    """One decision to retry: after which attempt, which error, how long, and on whose word."""

    attempt: int
    method: str
    url: str
    error: BaseException
    delay: float
    source: str  # "Retry-After" or "backoff"

    @property
    def reason(self) -> str:
        """The error in a few words: ``429 Too Many Requests: ...`` or ``ReadTimeout: ...``."""
        if isinstance(self.error, APIError):
            return f"{self.error.status} {self.error.message}"
        return f"{type(self.error).__name__}: {self.error}"


@dataclass
class RetryPolicy:
    """When and how long to retry. ``sleep``, ``rng`` and ``now`` are injectable for tests."""

    max_attempts: int = 5
    base: float = 1.0
    cap: float = 60.0  # a 60-second window may ask for up to 60 s
    budget: float = 120.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    on_retry: Callable[[RetryEvent], None] | None = None

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base <= 0 or self.cap <= 0 or self.budget < 0:
            raise ValueError(
                "RetryPolicy needs max_attempts >= 1, base > 0, cap > 0 and budget >= 0; got "
                f"{self.max_attempts}, {self.base}, {self.cap}, {self.budget}"
            )

    def backoff(self, retry_number: int) -> float:
        """Full jitter: uniform between 0 and ``min(cap, base * 2**retry_number)``."""
        return self.rng.uniform(0, min(self.cap, self.base * 2**retry_number))

    def should_retry(self, exc: BaseException, method: str) -> bool:
        """Whether a ``method`` request that failed with ``exc`` may be sent again."""
        if isinstance(exc, RateLimitError):
            return True
        if isinstance(exc, ServerError):
            return method.upper() in IDEMPOTENT
        if isinstance(exc, NetworkError):
            return method.upper() in IDEMPOTENT or not exc.request_sent
        return False

    def delay(self, exc: BaseException, retry_number: int) -> tuple[float, str]:
        """(seconds, source): the server's Retry-After if usable, else backoff."""
        header = exc.retry_after if isinstance(exc, RateLimitError) else None
        if header is not None:
            try:
                return parse_retry_after(header, self.now()), "Retry-After"
            except ValueError as bad:
                log.warning("ignoring the server's %s; using backoff instead", bad)
        return self.backoff(retry_number), "backoff"

    def refusal(self, seconds: float, source: str, waited: float) -> str | None:
        """Why waiting ``seconds`` more must not happen (None: it may), given ``waited`` so far."""
        if source == "Retry-After" and seconds > self.cap:
            return (
                f"the server asks to wait {seconds:.0f} s, more than this policy's cap of "
                f"{self.cap:.0f} s (retrying sooner would not be honouring Retry-After)"
            )
        if waited + seconds > self.budget:
            return f"waiting {seconds:.1f} s more would pass the {self.budget:.0f} s budget"
        return None

    def call(self, send: Callable[[], T], method: str, url: str = "") -> T:
        """Run ``send`` until it succeeds, fails for good, or the policy gives up."""
        attempt, waited = 0, 0.0
        while True:
            attempt += 1
            try:
                return send()
            except Exception as error:
                if not self.should_retry(error, method):
                    raise
                if attempt == self.max_attempts:
                    why = f"the policy allows {self.max_attempts} attempts"
                else:
                    seconds, source = self.delay(error, attempt - 1)
                    why = self.refusal(seconds, source, waited)
                if why:
                    raise RetriesExhaustedError(
                        f"Gave up on {method} {url} after {attempt} attempt(s) and "
                        f"{waited:.1f} s of waiting: {why}. Last error: {error}",
                        attempts=attempt,
                        waited=waited,
                        last_error=error,
                    ) from error
                self.report(RetryEvent(attempt, method, url, error, seconds, source))
                self.sleep(seconds)
                waited += seconds

    def report(self, event: RetryEvent) -> None:
        """Log a retry about to happen (``helpers.retry`` logger) and pass it to ``on_retry``."""
        log.warning(
            "retry %d/%d of %s %s after %s: waiting %.2f s (%s)",
            event.attempt,
            self.max_attempts - 1,
            event.method,
            event.url,
            event.reason,
            event.delay,
            event.source,
        )
        if self.on_retry:
            self.on_retry(event)
