"""A stand-in for the Exotel API that reproduces its documented behaviour, offline.

In-process: ``Sandbox().transport()`` for an httpx client. On loopback, for curl:
``python -m helpers.sandbox --port 4010``. Every response carries ``X-Handbook-Source``.
"""

from .accounts import DEMO_ACCOUNT_SID, DEMO_API_KEY, DEMO_API_TOKEN, demo_credentials
from .core import Sandbox
from .ratelimit import SlidingWindowLimit
from .wire import SANDBOX_HEADER

__all__ = [
    "DEMO_ACCOUNT_SID",
    "DEMO_API_KEY",
    "DEMO_API_TOKEN",
    "SANDBOX_HEADER",
    "Sandbox",
    "SlidingWindowLimit",
    "demo_credentials",
]
