"""Who may post status callbacks: a source-address allowlist, with CIDR ranges.

Exotel's Authentication & Security guide advises to "verify source IP ranges": accept webhook
requests only from Exotel's addresses, which it gives on request :exotel:`guide.webhook-ip-ranges`
:exotel:`network-requirements.ip-ranges`.

The address checked is the TCP peer. ``X-Forwarded-For`` is ignored unless the peer is a proxy
you named in ``trusted_proxies`` (none unless you name them): anyone can send that header, so trusting it
from everyone would let any stranger claim to be Exotel. When the peer is a trusted proxy, the
client is the right-most address in the header that is not itself a trusted proxy (the left
part of the header is whatever the client chose to write).

>>> allowlist = SourceAllowlist(["203.0.113.0/24"])
>>> allowlist.check("203.0.113.10")
'203.0.113.10'
>>> try:
...     allowlist.check("198.51.100.7", forwarded_for="203.0.113.10")  # header not trusted
... except RefusedError as refusal:
...     print(refusal.status, refusal.error)
403 Source address 198.51.100.7 may not post status callbacks here.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import ConfigurationError
from ..networks import Address, Network, contains, parse_address, parse_network
from .errors import RefusedError

ASK_EXOTEL = (
    "Exotel does not publish its callback address ranges; ask Exotel support or your account "
    "manager for the current list (developer.exotel.com/docs/advanced-config/network-requirements)."
)


def parse_allowlist(cidrs: Iterable[str], what: str = "allowlist entry") -> tuple[Network, ...]:
    """Addresses or CIDR ranges to allow: as :func:`helpers.networks.parse_networks`, and
    refusing a range such as ``0.0.0.0/0`` that lets "everyone" in."""
    networks = []
    for text in cidrs:
        try:
            network = parse_network(text)
        except ConfigurationError as exc:
            raise ConfigurationError(f"{what} {text!r}: {exc}") from None
        if network.prefixlen == 0:
            raise ConfigurationError(
                f"{what} {text} allows every address, which is no allowlist at all. {ASK_EXOTEL}"
            )
        networks.append(network)
    return tuple(networks)


class SourceAllowlist:
    """The addresses allowed to post, and the proxies whose ``X-Forwarded-For`` is believed."""

    def __init__(self, allow: Iterable[str], trusted_proxies: Iterable[str] = ()):
        self.networks = parse_allowlist(allow, "allowlist entry")
        self.proxies = parse_allowlist(trusted_proxies, "trusted proxy")
        if not self.networks:
            raise ConfigurationError(
                f"The allowlist is empty: name at least one range. {ASK_EXOTEL}"
            )

    def __repr__(self) -> str:
        allowed = ", ".join(str(n) for n in self.networks)
        proxies = ", ".join(str(n) for n in self.proxies) or "none"
        return f"SourceAllowlist(allow=[{allowed}], trusted_proxies=[{proxies}])"

    def allows(self, address: str) -> bool:
        return contains(self.networks, address)

    def admits_peer(self, peer: str | None) -> bool:
        """True if a connection from ``peer`` may carry an allowed request: the peer is allowed,
        or is a trusted proxy (whose client is judged later, from the headers)."""
        ip = parse_address(peer or "")
        return ip is not None and (self.allows(str(ip)) or self._is_proxy(ip))

    def _is_proxy(self, ip: Address) -> bool:
        return contains(self.proxies, ip)

    def source(self, peer: str | None, forwarded_for: str | None = None) -> str:
        """The address to judge: the peer, or (behind a trusted proxy) the client it names."""
        ip = parse_address(peer or "")
        if ip is None:
            raise RefusedError(
                403,
                f"The connection's source address ({peer or 'unknown'}) is not an IP address.",
                "Serve the receiver over TCP so the source address can be checked.",
            )
        if not self._is_proxy(ip):
            return str(ip)
        hops = [h.strip() for h in (forwarded_for or "").split(",") if h.strip()]
        for hop in reversed(hops):
            hop_ip = parse_address(hop)
            if hop_ip is None:
                raise RefusedError(
                    403,
                    f"X-Forwarded-For from trusted proxy {ip} holds {hop!r}, "
                    "which is not an IP address.",
                    "Configure the proxy to append the client's bare IP address to "
                    "X-Forwarded-For.",
                )
            if not self._is_proxy(hop_ip):
                return str(hop_ip)
        raise RefusedError(
            403,
            f"The request came through trusted proxy {ip}, but X-Forwarded-For names no client.",
            "Configure the proxy to set X-Forwarded-For to the client's address.",
        )

    def check(self, peer: str | None, forwarded_for: str | None = None) -> str:
        """The source address if it is allowed; otherwise a 403 :class:`RefusedError`.

        The refusal names the sender's own address but never the allowlist: a stranger learns
        nothing about which ranges would be let in.
        """
        source = self.source(peer, forwarded_for)
        if not self.allows(source):
            raise RefusedError(
                403,
                f"Source address {source} may not post status callbacks here.",
                "If this is Exotel, add its range to the receiver's allowlist; if the receiver "
                "sits behind a reverse proxy, add the proxy to its trusted proxies so the client "
                "address in X-Forwarded-For is used.",
            )
        return source
