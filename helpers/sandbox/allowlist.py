"""IP allowlists: single addresses and CIDR ranges, IPv4 and IPv6.

Exotel's IP whitelisting page accepts "a single IP" (``203.0.113.10``) or "a CIDR range"
(``203.0.113.0/24``) and rejects other sources with HTTP 403
(https://developer.exotel.com/docs/advanced-config/ip-whitelisting).

>>> networks = parse_networks(["203.0.113.0/24", "192.0.2.10"])
>>> address_in("203.0.113.77", networks), address_in("198.51.100.7", networks)
(True, False)
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """Parse addresses and CIDR ranges; a clear ValueError names the first bad entry."""
    if isinstance(entries, str):
        raise ValueError(
            f"Pass a list of addresses or CIDR ranges, not one string: [{entries!r}], "
            f"not {entries!r}."
        )
    return tuple(_parse(entry) for entry in entries)


def _parse(entry: str) -> Network:
    text = str(entry).strip()
    try:
        return ipaddress.ip_network(text)
    except ValueError as exc:
        hint = "Use a single address such as 203.0.113.10 or a range such as 203.0.113.0/24."
        try:
            hint = f"Did you mean {ipaddress.ip_network(text, strict=False)}?"
        except ValueError:
            pass
        raise ValueError(f"Not an IP address or CIDR range: {entry!r} ({exc}). {hint}") from None


def address_in(address: str, networks: tuple[Network, ...]) -> bool:
    """True if ``address`` is in one of ``networks``; an empty allowlist lets every address in."""
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    # A dual-stack socket reports an IPv4 client as ::ffff:a.b.c.d.
    mapped = getattr(ip, "ipv4_mapped", None)
    return any(ip in network or (mapped is not None and mapped in network) for network in networks)


def describe(networks: tuple[Network, ...]) -> str:
    """``203.0.113.0/24, 192.0.2.10`` (single addresses without their /32), or ``any``."""
    if not networks:
        return "any"
    return ", ".join(str(n.network_address) if n.num_addresses == 1 else str(n) for n in networks)
