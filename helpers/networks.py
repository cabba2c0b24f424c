"""IP addresses and CIDR ranges, read the same way by every allowlist in the handbook.

Strict: ``203.0.113.5/24`` (host bits set) is an error that suggests ``203.0.113.0/24``, never a
range silently widened. An IPv4-mapped IPv6 address (``::ffff:203.0.113.5``, what a dual-stack
socket reports) is read as the IPv4 address it carries.

>>> networks = parse_networks(["203.0.113.0/24", "192.0.2.10"])
>>> contains(networks, "203.0.113.77"), contains(networks, "::ffff:203.0.113.77")
(True, True)
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable

from .errors import ConfigurationError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_network(entry: str) -> Network:
    """One address or CIDR range; a :class:`ConfigurationError` names the entry and the fix."""
    text = str(entry).strip()
    try:
        return ipaddress.ip_network(text)
    except ValueError as exc:
        hint = "Use a single address such as 203.0.113.10 or a range such as 203.0.113.0/24."
        try:
            hint = f"Did you mean {ipaddress.ip_network(text, strict=False)}?"
        except ValueError:
            pass
        raise ConfigurationError(
            f"Not an IP address or CIDR range: {entry!r} ({exc}). {hint}"
        ) from None


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """Several addresses or ranges; one string instead of a list is refused, not split."""
    if isinstance(entries, str):
        raise ConfigurationError(
            f"Pass a list of addresses or CIDR ranges, not one string: [{entries!r}], "
            f"not {entries!r}."
        )
    return tuple(parse_network(entry) for entry in entries)


@functools.lru_cache(maxsize=4096)  # a server hears from few addresses, many times
def parse_address(text: str) -> Address | None:
    """An IP address (IPv4-mapped IPv6 read as IPv4), or None if ``text`` is not one."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def contains(networks: Iterable[Network], address: str | Address) -> bool:
    """True if ``address`` is in one of ``networks`` (False for anything that is not an address)."""
    ip = parse_address(address) if isinstance(address, str) else address
    return ip is not None and any(ip in network for network in networks)
