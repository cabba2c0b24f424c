"""Loopback ports for the servers the tests start (shared by every test file that starts one).

They come from outside the OS's ephemeral range. A port the OS hands out for ``bind(0)`` comes from
that range, which is also where every outgoing connection of the run (browser, kernels, clients)
takes its local port: one of those could take it between the check here and the server's bind.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

EPHEMERAL = Path("/proc/sys/net/ipv4/ip_local_port_range")


def _ephemeral() -> tuple[int, int]:
    """The first and last port of the OS's ephemeral range."""
    try:
        first, last = map(int, EPHEMERAL.read_text().split())
    except (OSError, ValueError):
        first, last = 32768, 60999  # Linux's defaults
    return first, last


def _outside_ephemeral() -> range:
    """Up to 12,000 ports below the ephemeral range, or above it where it starts too low."""
    first, last = _ephemeral()
    below = range(max(1024, first - 12000), first - 3)  # room for a run of three
    return below if len(below) >= 1000 else range(last + 1, min(65534, last + 12000))


def _is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_run(count: int) -> int:
    """The first of ``count`` consecutive loopback ports nothing listens on right now."""
    ports = _outside_ephemeral() or range(1024, 65534 - count)  # all ephemeral: take the race
    while True:
        port = random.choice(ports)
        if all(_is_free(port + i) for i in range(count)):
            return port


def is_ephemeral(port: int) -> bool:
    """True if the OS may hand ``port`` to an outgoing connection or a ``bind(0)``."""
    first, last = _ephemeral()
    return first <= port <= last


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    return free_run(1)


def free_pair() -> int:
    """A port that is free, and the next one too (the sandbox serves the other region there)."""
    return free_run(2)
