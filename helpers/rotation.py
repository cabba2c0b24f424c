"""Rotating API credentials while traffic keeps flowing, and proving that nothing was refused.

- :class:`Deployment`: which credentials each of your services runs with (your config store or
  secrets manager).
- :class:`SteadyStream`: every service sends one request per beat, and the clock moves on between
  beats, so a rotation done between beats shows exactly which requests it broke.
- :func:`rotate_with_two_keys`: create a second key, deploy it, verify, delete the first. It
  never uses Regenerate, so it causes no downtime whichever rule Regenerate follows.
- :func:`regenerate_and_deploy`: Regenerate, then deploy service by service. Safe only while the
  old token keeps working (the 2019 post's 48 hours); under the current FAQ's immediate rule every
  service not yet updated is refused.

The key-management steps go through a :class:`KeyAdmin`: the sandbox's ``sandbox.dashboard`` here,
clicks in Exotel's dashboard for a live account.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import httpx

from .client import ExotelClient
from .clock import Clock
from .credentials import Credentials
from .errors import APIError, RotationError


class RegenerateRule(enum.Enum):
    """What Regenerate does to the old token: Exotel's documents disagree."""

    IMMEDIATE = "immediate"
    GRACE_48H = "48h"

    @property
    def grace(self) -> timedelta:
        """How long the old token keeps working after Regenerate."""
        return timedelta(hours=48) if self is RegenerateRule.GRACE_48H else timedelta(0)

    @property
    def source(self) -> str:
        """The Exotel document that describes this rule, by title."""
        if self is RegenerateRule.GRACE_48H:
            return (
                "Access Control For Exotel APIs (Exotel blog, 2019): the old token stays active "
                "for 48 hours"
            )
        return (
            "Exotel's Security & Compliance FAQ: regenerating immediately invalidates the old token"
        )


class KeyAdmin(Protocol):
    """The dashboard actions a rotation needs."""

    def create_key(self, label: str, *, like: str | Credentials | None = None) -> Credentials: ...

    def delete_key(self, ref: str | Credentials) -> None: ...

    def regenerate_token(
        self, ref: str | Credentials, rule: RegenerateRule | None = None
    ) -> Credentials: ...

    def delete_old_token(self, ref: str | Credentials) -> None: ...


class Deployment:
    """Which credentials each service runs with; ``deploy`` is your config change and restart."""

    def __init__(self, services: Mapping[str, Credentials]):
        if not services:
            raise ValueError("A deployment needs at least one service.")
        self._services = dict(services)

    def services(self) -> list[str]:
        return list(self._services)

    def credentials(self, service: str) -> Credentials:
        try:
            return self._services[service]
        except KeyError:
            known = ", ".join(self._services)
            raise ValueError(f"No service {service!r}; the services are {known}.") from None

    def deploy(self, service: str, credentials: Credentials) -> None:
        self.credentials(service)  # the service must exist
        self._services[service] = credentials

    def using(self, api_key: str | Credentials) -> list[str]:
        """The services whose credentials use this API key: check this before deleting a key."""
        name = api_key.api_key if isinstance(api_key, Credentials) else api_key
        return [s for s, c in self._services.items() if c.api_key == name]


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


def rotate_with_two_keys(
    admin: KeyAdmin,
    deployment: Deployment,
    stream: SteadyStream,
    old: str | Credentials,
    label: str,
) -> Credentials:
    """Create, deploy, verify, delete: move every service from ``old`` to a new key.

    The new key copies the old one's permissions and allowlist. If any service is refused after
    the move, nothing is deleted and :class:`RotationError` says which.
    """
    moving = deployment.using(old)
    stream.beat("before")
    new = admin.create_key(label, like=old)
    stream.beat(f"create key {label!r}")
    for service in moving:
        deployment.deploy(service, new)
        stream.beat(f"deploy to {service}")
    verified = stream.beat("verify")
    failing = {s: verified.statuses[s] for s in moving if verified.statuses[s] != 200}
    if failing:
        raise RotationError(
            f"Not deleting the old key: with the new key {failing} were refused. Fix the new "
            "key's permissions or IP allowlist (or deploy the old key back) first."
        )
    still = deployment.using(old)
    if still:
        raise RotationError(f"Not deleting the old key: {', '.join(still)} still use it.")
    admin.delete_key(old)
    stream.beat("delete old key")
    return new


def regenerate_and_deploy(
    admin: KeyAdmin,
    deployment: Deployment,
    stream: SteadyStream,
    key: str | Credentials,
    rule: RegenerateRule,
    *,
    all_at_once: bool = False,
) -> Credentials:
    """Regenerate the key's token under ``rule``, then deploy it service by service (a beat
    between each), or to every service in one step with ``all_at_once`` (one shared secret that
    every service re-reads: the shortest gap an account with a single key can have under the
    immediate rule). Under the 48-hour rule the old token is deleted once every service has the
    new one, as the 2019 post allows.
    """
    name = key.api_key if isinstance(key, Credentials) else key
    users = deployment.using(name)
    stream.beat("before")
    new = admin.regenerate_token(name, rule)
    stream.beat("regenerate token")
    if all_at_once:
        for service in users:
            deployment.deploy(service, new)
        stream.beat("deploy to every service")
    else:
        for service in users:
            deployment.deploy(service, new)
            stream.beat(f"deploy to {service}")
    if rule.grace:
        admin.delete_old_token(name)
        stream.beat("delete old token")
    return new
