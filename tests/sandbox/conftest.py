"""The sandbox's clients: the helpers' client in process, and the loopback server's."""

from __future__ import annotations

import pytest

from helpers import ExotelClient
from tests.support.loopback import serve


@pytest.fixture
def exotel(sandbox):
    """The helpers' client for the demo account, on the sandbox."""
    with ExotelClient(sandbox.demo, transport=sandbox.transport()) as client:
        yield client


@pytest.fixture
def server(sandbox):
    """The loopback server's app in process, addressed as 127.0.0.1:4010 (no socket)."""
    with serve(sandbox) as client:
        yield client
