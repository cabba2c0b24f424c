"""Loopback ports for the servers the tests start (shared by every test file that starts one).

They come from below the OS's ephemeral range. A port the OS hands out for ``bind(0)`` comes from
that range, which is also where every outgoing connection of the run (browser, kernels, clients)
takes its local port: one of those could take it between the check here and the server's bind.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

EPHEMERAL = Path("/proc/sys/net/ipv4/ip_local_port_range")


def _below_ephemeral() -> range:
    try:
        first = int(EPHEMERAL.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        first = 32768  # Linux's default
    return range(max(1024, first - 12000), first - 1)  # room for port + 1


def _is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_run(count: int) -> int:
    ports = _below_ephemeral()
    while True:
        port = random.choice(ports)
        if all(_is_free(port + i) for i in range(count)):
            return port


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    return _free_run(1)


def free_pair() -> int:
    """A port that is free, and the next one too (the sandbox serves the other region there)."""
    return _free_run(2)
