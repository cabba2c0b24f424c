"""Exotel's two data centres and the base URLs built from them.

Singapore ``api.exotel.com`` is the default :exotel:`guide.regions`, Mumbai
``api.in.exotel.com`` is for India-based accounts and data-localisation needs
:exotel:`faq.mumbai-localisation`. :mod:`helpers.credentials` takes Singapore when no region is
named, as the guide does for most accounts; a Mumbai account must name its region.

Voice v2 (CCM) has hosts of its own, ``ccm-api.exotel.com`` and ``ccm-api.in.exotel.com``
:exotel:`voice-auth.ccm-hosts`, with the same key and token :exotel:`voice-auth.same-credentials`;
other pages put v2 under ``api.exotel.com`` (:exotel:`v2-host`).

>>> get_region("mumbai").v1_base("acme")
'https://api.in.exotel.com/v1/Accounts/acme/'
>>> get_region("mumbai").v2_base("acme")
'https://ccm-api.in.exotel.com/v2/accounts/acme/'
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
    ccm_subdomain: str = ""  # Voice v2 (CCM)'s host in this data centre
    ccm_origin: str = ""  # where v2 requests go; a loopback sandbox serves both on one origin

    def v1_base(self, account_sid: str) -> str:
        """``https://<subdomain>/v1/Accounts/<sid>/``"""
        return f"{self.origin}/v1/Accounts/{account_sid}/"

    def v2_base(self, account_sid: str) -> str:
        """``https://<ccm_subdomain>/v2/accounts/<sid>/`` (note the lower-case ``accounts``)."""
        return f"{self.ccm_origin or self.origin}/v2/accounts/{account_sid}/"

    @property
    def hosts(self) -> tuple[str, ...]:
        """The API hosts of this data centre: v1's, then v2 (CCM)'s."""
        return tuple(h for h in (self.subdomain, self.ccm_subdomain) if h)

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(httpx.URL(self.origin).host)


SINGAPORE = Region(
    "singapore",
    "api.exotel.com",
    "AWS Asia Pacific (Singapore)",
    "https://api.exotel.com",
    "ccm-api.exotel.com",
    "https://ccm-api.exotel.com",
)
MUMBAI = Region(
    "mumbai",
    "api.in.exotel.com",
    "AWS Asia Pacific (Mumbai)",
    "https://api.in.exotel.com",
    "ccm-api.in.exotel.com",
    "https://ccm-api.in.exotel.com",
)
#: The two data centres by name, ``singapore`` and ``mumbai``.
REGIONS: dict[str, Region] = {r.name: r for r in (SINGAPORE, MUMBAI)}
DEFAULT_REGION = SINGAPORE


def get_region(name_or_subdomain: str) -> Region:
    """Look a region up by name (``singapore``, ``mumbai``) or host (``api.in.exotel.com``,
    ``ccm-api.in.exotel.com``) :exotel:`guide.regions`."""
    key = name_or_subdomain.strip().lower()
    for region in REGIONS.values():
        if key == region.name or key in region.hosts:
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
    """The region whose API host (v1's or v2's) is ``host``, or None."""
    return next((r for r in REGIONS.values() if host.lower() in r.hosts), None)


def is_ccm_host(host: str) -> bool:
    """True for Voice v2 (CCM)'s hosts, ``ccm-api.exotel.com`` and ``ccm-api.in.exotel.com``
    :exotel:`voice-auth.ccm-hosts`."""
    return any(host.lower() == r.ccm_subdomain for r in REGIONS.values())


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
    origin = str(url).rstrip("/")
    return Region(
        f"{stands_for.name} (local sandbox)",
        stands_for.subdomain,
        stands_for.data_centre,
        origin,
        stands_for.ccm_subdomain,
        origin,
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
