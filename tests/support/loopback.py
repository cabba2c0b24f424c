"""The sandbox's loopback server in process: Starlette's TestClient, no socket."""

from __future__ import annotations

import warnings

from helpers.regions import SINGAPORE, Region
from helpers.sandbox import Sandbox
from helpers.sandbox.server import create_app

with warnings.catch_warnings():
    # Starlette 1.x nudges towards httpx2 for its TestClient; the handbook pins httpx 0.28.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

#: Where ``python -m helpers.sandbox`` listens; the admin paths answer only a loopback Host.
LOOPBACK = "http://127.0.0.1:4010"


def serve(sandbox: Sandbox, region: Region = SINGAPORE) -> TestClient:
    """A client of ``sandbox`` served as ``python -m helpers.sandbox`` serves it, for ``region``."""
    return TestClient(create_app(sandbox, region), base_url=LOOPBACK)
