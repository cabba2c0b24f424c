"""IP allowlists: single addresses and CIDR ranges, IPv4 and IPv6.

Exotel's IP whitelisting page accepts single addresses or CIDR ranges
:exotel:`ip-whitelisting.cidr` and refuses other sources with a 403 :exotel:`ip-whitelisting.403`.

>>> networks = parse_networks(["203.0.113.0/24", "192.0.2.10"])
>>> address_in("203.0.113.77", networks), address_in("198.51.100.7", networks)
(True, False)
"""

from __future__ import annotations

from ..networks import Network, contains, parse_networks

__all__ = ["Network", "address_in", "describe", "parse_networks"]


def address_in(address: str, networks: tuple[Network, ...]) -> bool:
    """True if ``address`` is in one of ``networks``; an empty allowlist lets every address in."""
    return not networks or contains(networks, address)


def describe(networks: tuple[Network, ...]) -> str:
    """``203.0.113.0/24, 192.0.2.10`` (single addresses without their /32), or ``any``."""
    if not networks:
        return "any"
    return ", ".join(str(n.network_address) if n.num_addresses == 1 else str(n) for n in networks)
