"""Copied as ``sitecustomize.py`` onto a kernel's PYTHONPATH (tests/notebook_runs.py), it refuses
and logs, to ``$HANDBOOK_SOCKET_LOG``, every Internet socket connection and DNS look-up."""

import os
import socket

_LOG = os.environ["HANDBOOK_SOCKET_LOG"]
_connect, _connect_ex, _getaddrinfo = (
    socket.socket.connect,
    socket.socket.connect_ex,
    socket.getaddrinfo,
)


def _refuse(what):
    with open(_LOG, "a") as log:
        log.write(f"{what}\n")
    raise OSError(f"network disabled by the offline test: {what}")


def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _refuse(f"connect {address}")
    return _connect(self, address)


def connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _refuse(f"connect_ex {address}")
    return _connect_ex(self, address)


def getaddrinfo(host, *args, **kwargs):
    _refuse(f"getaddrinfo {host}")


socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = (
    connect,
    connect_ex,
    getaddrinfo,
)
