"""Rotating API credentials while traffic keeps flowing, and proving that nothing was refused.

- :class:`Deployment`: which credentials each of your services runs with (your config store or
  secrets manager).
- :class:`Traffic`: your services' requests, checked after each step.
- :func:`rotate_with_two_keys`: create a second key, deploy it, verify, delete the first. It
  never uses Regenerate, so it causes no downtime whichever rule Regenerate follows.
- :func:`regenerate_and_deploy`: Regenerate, then deploy service by service. Safe only while the
  old token keeps working (the 2019 post's 48 hours :exotel:`blog.regenerate-48h`); under the
  FAQ's immediate rule :exotel:`faq.regenerate-immediate` every service not yet updated is
  refused.

The key-management steps go through a :class:`KeyAdmin`: the sandbox's ``sandbox.dashboard`` here,
clicks in Exotel's dashboard for a live account.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import timedelta
from typing import Protocol

from .credentials import Credentials
from .errors import RotationError


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


class Checked(Protocol):
    """What one check of your services found: each service's HTTP status."""

    statuses: Mapping[str, int]


class Traffic(Protocol):
    """Your services' requests, checked after each step of a rotation: ``beat(step)`` sends one
    request from every service and returns what each got (in production, each service's health
    check; in the book, a steady stream on the sandbox's clock)."""

    def beat(self, step: str = "") -> Checked: ...


def rotate_with_two_keys(
    admin: KeyAdmin,
    deployment: Deployment,
    stream: Traffic,
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
    stream: Traffic,
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
