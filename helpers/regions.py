"""Exotel's two data centres and the base URLs built from them.

Sources: Exotel's Authentication & Security guide
(https://developer.exotel.com/docs/references/authentication) and its Security & Compliance FAQ
(https://developer.exotel.com/docs/faqs/security-compliance): Singapore ``api.exotel.com`` is the default, Mumbai ``api.in.exotel.com``
is for India-based accounts and data-localisation needs.

>>> get_region("mumbai").v1_base("acme")
'https://api.in.exotel.com/v1/Accounts/acme/'
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import httpx

from .errors import InsecureTransportError, UnknownRegionError


@dataclass(frozen=True)
class Region:
    """One Exotel data centre, or a loopback sandbox standing in for one."""

    name: str
    subdomain: str
    data_centre: str
    origin: str

    def v1_base(self, account_sid: str) -> str:
        """``https://<subdomain>/v1/Accounts/<sid>/``"""
        return f"{self.origin}/v1/Accounts/{account_sid}/"

    def v2_base(self, account_sid: str) -> str:
        """``https://<subdomain>/v2/accounts/<sid>/`` (note the lower-case ``accounts``)."""
        return f"{self.origin}/v2/accounts/{account_sid}/"

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(httpx.URL(self.origin).host)


SINGAPORE = Region(
    "singapore", "api.exotel.com", "AWS Asia Pacific (Singapore)", "https://api.exotel.com"
)
MUMBAI = Region(
    "mumbai", "api.in.exotel.com", "AWS Asia Pacific (Mumbai)", "https://api.in.exotel.com"
)
REGIONS: dict[str, Region] = {r.name: r for r in (SINGAPORE, MUMBAI)}
DEFAULT_REGION = SINGAPORE


def get_region(name_or_subdomain: str) -> Region:
    """Look a region up by name (``singapore``, ``mumbai``) or subdomain (``api.in.exotel.com``)."""
    key = name_or_subdomain.strip().lower()
    for region in REGIONS.values():
        if key in (region.name, region.subdomain):
            return region
    known = ", ".join(f"{r.name} ({r.subdomain})" for r in REGIONS.values())
    shown, advice = name_or_subdomain, ""
    if "@" in shown:
        # ``key:token@api.exotel.com`` copied from a URL: never repeat what precedes the @.
        shown = "…@" + shown.rpartition("@")[2]
        advice = (
            " It has credentials in it (user:token@): leave them out; the client sends them in "
            "the Authorization header."
        )
    elif "/" in shown:
        advice = " Give the host name alone (api.in.exotel.com), not a URL."
    raise UnknownRegionError(
        f"Unknown Exotel region {shown!r}. Use one of: {known}.{advice} "
        "Your account's region is shown in the Exotel Dashboard."
    )


def region_for_host(host: str) -> Region | None:
    """The region whose API host is ``host``, or None."""
    return next((r for r in REGIONS.values() if r.subdomain == host.lower()), None)


def loopback(origin: str, stands_for: Region = DEFAULT_REGION) -> Region:
    """A sandbox server on this machine that plays the part of ``stands_for``.

    >>> loopback("http://127.0.0.1:4010").v1_base("acme")
    'http://127.0.0.1:4010/v1/Accounts/acme/'
    """
    url = httpx.URL(origin)
    require_secure(url)
    if not is_loopback_host(url.host):
        raise InsecureTransportError(
            f"{origin} is not a loopback address; only a local sandbox may stand in for Exotel."
        )
    return Region(
        f"{stands_for.name} (local sandbox)",
        stands_for.subdomain,
        stands_for.data_centre,
        str(url).rstrip("/"),
    )


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_secure(url: httpx.URL) -> None:
    """Refuse plain HTTP except to loopback, and credentials embedded in the URL."""
    if not url.scheme or not url.host:
        # ``127.0.0.1:4010`` parses with no host, ``key:token@host`` with the key as its scheme:
        # say what a base URL looks like without repeating any of it.
        raise InsecureTransportError(
            "A base URL needs a scheme and a host: https://api.exotel.com, or "
            "http://127.0.0.1:4010 for a sandbox on this machine."
        )
    if url.scheme != "https" and not (url.scheme == "http" and is_loopback_host(url.host)):
        raise InsecureTransportError(
            f"Refusing {url.scheme}://{url.host}: Exotel's API requires TLS 1.2 or higher and "
            "rejects plain HTTP. Use https:// (plain http:// is allowed only to a loopback sandbox)."
        )
    if url.userinfo:
        raise InsecureTransportError(
            "Refusing a base URL with credentials in it (user:token@host): URLs end up in logs. "
            "Pass credentials to the client instead; it sends them in the Authorization header."
        )
