"""What the servers' and the workshop's command lines share (argparse types); not library code."""

from __future__ import annotations

import argparse


def port_number(text: str) -> int:
    """A TCP port from 1 to 65535: the ``type`` of every command line's ``--port`` option.

    Raises ``argparse.ArgumentTypeError``, so argparse prints the sentence and exits 2.

    >>> port_number("4010")
    4010
    """
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give a number from 1 to 65535")
    return port
