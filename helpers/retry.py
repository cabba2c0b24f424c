"""Retrying a failed request: which failures, how long to wait, when to give up.

The backoff loop in Exotel's Authentication & Security guide retries every 429 after 1, 2, 4, 8 and 16 seconds. This policy keeps its idea and
fixes what a production copy of it gets wrong:

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

The loop itself is tenacity's; ``sleep`` is injected, so tests and playback wait no real time.
Every retry is logged on the ``helpers.retry`` logger and passed to ``on_retry``.
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
from typing import TYPE_CHECKING, TypeVar

from .errors import APIError, NetworkError, RateLimitError, RetriesExhaustedError, ServerError

if TYPE_CHECKING:
    import tenacity

log = logging.getLogger("helpers.retry")
T = TypeVar("T")

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
_SECONDS = re.compile(r"^\s*\d+\s*$")


def parse_retry_after(value: str, now: datetime) -> float:
    """Seconds to wait, from ``Retry-After: 120`` or ``Retry-After: <HTTP-date>``.

    A date in the past means 0. Anything else (negative numbers, fractions, words) is a
    ValueError naming the value.

    >>> parse_retry_after("30", datetime(2026, 1, 1, tzinfo=timezone.utc))
    30.0
    >>> parse_retry_after("Thu, 01 Jan 2026 00:01:00 GMT", datetime(2026, 1, 1, tzinfo=timezone.utc))
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
    """One decision to retry: after which attempt, why, how long, and on whose word."""

    attempt: int
    method: str
    url: str
    reason: str
    delay: float
    source: str  # "Retry-After" or "backoff"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, APIError):
        return f"{exc.status} {exc.message}"
    return f"{type(exc).__name__}: {exc}"


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

    def call(self, send: Callable[[], T], method: str, url: str = "") -> T:
        """Run ``send`` until it succeeds, fails for good, or the policy gives up."""
        import tenacity  # imported here: every chapter imports helpers, few of them retry

        waited = 0.0
        pending: list[str] = []  # where the wait about to be slept came from

        def give_up(why: str, state: tenacity.RetryCallState) -> RetriesExhaustedError:
            last = state.outcome.exception()
            return RetriesExhaustedError(
                f"Gave up on {method} {url} after {state.attempt_number} attempt(s) and "
                f"{waited:.1f} s of waiting: {why}. Last error: {last}",
                attempts=state.attempt_number,
                waited=waited,
                last_error=last,
            )

        def wait(state: tenacity.RetryCallState) -> float:
            # tenacity asks for the wait before it checks whether to stop; a wait after the
            # last attempt is never slept, so it is neither counted nor checked.
            if state.attempt_number >= self.max_attempts:
                return 0.0
            exc = state.outcome.exception()
            seconds, source = self.delay(exc, state.attempt_number - 1)
            if source == "Retry-After" and seconds > self.cap:
                raise give_up(
                    f"the server asks to wait {seconds:.0f} s, more than this policy's cap of "
                    f"{self.cap:.0f} s (retrying sooner would not be honouring Retry-After)",
                    state,
                ) from exc
            if waited + seconds > self.budget:
                raise give_up(
                    f"waiting {seconds:.1f} s more would pass the {self.budget:.0f} s budget", state
                ) from exc
            pending[:] = [source]
            return seconds

        def before_sleep(state: tenacity.RetryCallState) -> None:
            nonlocal waited
            exc, seconds = state.outcome.exception(), state.upcoming_sleep
            waited += seconds
            event = RetryEvent(state.attempt_number, method, url, _reason(exc), seconds, pending[0])
            log.warning(
                "retry %d/%d of %s %s after %s: waiting %.2f s (%s)",
                event.attempt,
                self.max_attempts - 1,
                method,
                url,
                event.reason,
                seconds,
                event.source,
            )
            if self.on_retry:
                self.on_retry(event)

        def out_of_attempts(state: tenacity.RetryCallState):
            raise give_up(f"the policy allows {self.max_attempts} attempts", state) from (
                state.outcome.exception()
            )

        retrying = tenacity.Retrying(
            sleep=self.sleep,
            stop=tenacity.stop_after_attempt(self.max_attempts),
            wait=wait,
            before_sleep=before_sleep,
            retry=tenacity.retry_if_exception(lambda exc: self.should_retry(exc, method)),
            retry_error_callback=out_of_attempts,
            reraise=True,
        )
        return retrying(send)
