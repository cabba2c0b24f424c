"""A steady stream of requests from every service, to watch a key rotation break (or not) them.

Every service sends one request per beat, and the clock moves on between beats, so a rotation done
between beats shows exactly which requests it broke.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

from ..client import ExotelClient
from ..clock import Clock
from ..credentials import Credentials
from ..errors import APIError
from ..rotation import Deployment


@dataclass(frozen=True)
class Beat:
    """One round of requests: when, after which step, and each service's HTTP status."""

    at: datetime
    step: str
    statuses: dict[str, int]

    @property
    def refused(self) -> dict[str, int]:
        return {s: status for s, status in self.statuses.items() if status >= 400}


def list_one_call(client: ExotelClient) -> httpx.Response:
    """The stream's default request: a read-only ``GET Calls.json?PageSize=1``."""
    return client.request("GET", "Calls.json", params={"PageSize": 1})


class SteadyStream:
    """Each beat, every service sends one request with its current credentials; then the clock
    moves on ``interval`` seconds (injected: the sandbox's frozen clock in the book)."""

    def __init__(
        self,
        deployment: Deployment,
        client_for: Callable[[Credentials], ExotelClient],
        clock: Clock,
        *,
        interval: float = 600,
        request: Callable[[ExotelClient], httpx.Response] = list_one_call,
    ):
        self.deployment = deployment
        self.client_for = client_for
        self.clock = clock
        self.interval = interval
        self.request = request
        self.beats: list[Beat] = []
        self._start: datetime | None = None

    def beat(self, step: str = "") -> Beat:
        """One request from every service; returns the statuses it got."""
        now = self.clock.now()
        self._start = self._start or now
        statuses = {}
        for service in self.deployment.services():
            with self.client_for(self.deployment.credentials(service)) as client:
                try:
                    statuses[service] = self.request(client).status_code
                except APIError as exc:
                    statuses[service] = exc.status
        beat = Beat(now, step, statuses)
        self.beats.append(beat)
        self.clock.sleep(self.interval)
        return beat

    def run(self, step: str, beats: int = 1) -> list[Beat]:
        """``beats`` rounds, the first labelled with ``step``."""
        return [self.beat(step if i == 0 else "") for i in range(beats)]

    @property
    def requests(self) -> int:
        return sum(len(b.statuses) for b in self.beats)

    @property
    def refused(self) -> list[tuple[Beat, str, int]]:
        return [(b, s, status) for b in self.beats for s, status in b.refused.items()]

    def summary(self) -> str:
        refused = self.refused
        by_status: dict[int, int] = {}
        for _, _, status in refused:
            by_status[status] = by_status.get(status, 0) + 1
        detail = ", ".join(f"{n} x {status}" for status, n in sorted(by_status.items()))
        return f"{len(self.beats)} beats, {self.requests} requests, {len(refused)} refused" + (
            f" ({detail})" if detail else ""
        )

    def timeline_columns(self) -> list[str]:
        """The timeline's columns: ``time``, ``step``, then one per service."""
        return ["time", "step", *self.deployment.services()]

    def timeline_rows(self) -> list[list[str | int]]:
        """One row per beat: time since the first beat, the step, each service's status."""
        services = self.deployment.services()
        return [
            [self._elapsed(beat.at), beat.step, *(beat.statuses.get(s, "-") for s in services)]
            for beat in self.beats
        ]

    def timeline(self) -> str:
        """The timeline as aligned text, one line per beat (for a terminal or a log)."""
        services = self.deployment.services()
        width = max((len(b.step) for b in self.beats), default=0)
        lines = [f"{'time':>7}  {'step':<{width}}  " + "  ".join(services)]
        for elapsed, step, *statuses in self.timeline_rows():
            cells = "  ".join(
                str(v).center(len(s)) for v, s in zip(statuses, services, strict=True)
            )
            lines.append(f"{elapsed:>7}  {step:<{width}}  {cells}".rstrip())
        return "\n".join(lines)

    def _elapsed(self, at: datetime) -> str:
        minutes = int((at - (self._start or at)).total_seconds() // 60)
        return f"+{minutes // 60:d}:{minutes % 60:02d}"
