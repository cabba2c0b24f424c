"""Helpers for the Exotel API Security Handbook.

The public surface, flat: credentials, regions, the client and its errors, recording, the sandbox,
and :class:`Chapter`, which wires them together for a notebook.
"""

import logging

from .chapter import Chapter
from .client import ExotelClient, response_source, tls_context
from .credentials import Credentials, mask
from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ExotelError,
    InsecureTransportError,
    MissingCredentialsError,
    NetworkError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RecordingError,
    RetriesExhaustedError,
    ServerError,
    UnknownModeError,
    UnknownRegionError,
)
from .pacing import Pacer
from .recording import Mode
from .regions import MUMBAI, REGIONS, SINGAPORE, Region, get_region, loopback
from .retry import RetryEvent, RetryPolicy, parse_retry_after
from .sandbox import Sandbox

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "Chapter",
    "ConfigurationError",
    "Credentials",
    "ExotelClient",
    "ExotelError",
    "InsecureTransportError",
    "MUMBAI",
    "MissingCredentialsError",
    "Mode",
    "Pacer",
    "NetworkError",
    "NotFoundError",
    "PermissionDeniedError",
    "REGIONS",
    "RateLimitError",
    "RecordingError",
    "RetriesExhaustedError",
    "RetryEvent",
    "RetryPolicy",
    "Region",
    "SINGAPORE",
    "Sandbox",
    "ServerError",
    "UnknownModeError",
    "UnknownRegionError",
    "get_region",
    "loopback",
    "mask",
    "parse_retry_after",
    "response_source",
    "tls_context",
]

# A library logs; the application decides where logs go (nothing reaches stderr by default).
logging.getLogger(__name__).addHandler(logging.NullHandler())
