"""Helpers for the Exotel API Security Handbook, in three wings.

- **The library a reader copies**: :mod:`helpers.credentials`, :mod:`helpers.regions`,
  :mod:`helpers.endpoints`, :mod:`helpers.client`, :mod:`helpers.errors`, :mod:`helpers.retry`,
  :mod:`helpers.pacing`, :mod:`helpers.rotation`, :mod:`helpers.clock`, :mod:`helpers.networks`.
  They import nothing from the two other wings, and this package exports them alone.
- **The two servers**: :mod:`helpers.sandbox` (an imitation of Exotel's API) and
  :mod:`helpers.webhooks` (a status-callback receiver). They use the library, share
  :mod:`helpers.serving` (uvicorn with a header deadline and a connection cap) with each other
  and :mod:`helpers.command_line` with the workshop.
- **The book's machinery**: :mod:`helpers.book` (chapters, cassettes, the workshop).

``import helpers`` stays cheap: each name below is loaded from its module the first time it is
used, so ``import helpers.client`` never pulls in YAML or the sandbox.

>>> import helpers
>>> helpers.get_region("mumbai").name
'mumbai'
"""

from __future__ import annotations

import sys

# Only while Python loads the packages of `python -m helpers.<command>`, and first, so a Ctrl-C
# during the imports below meets it (helpers/command_line.py).
if sys.argv[:1] == ["-m"]:
    from .command_line import guard_command

    guard_command()

import importlib  # noqa: E402
import logging  # noqa: E402
from typing import Any  # noqa: E402

_ERRORS = (
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "ExotelError",
    "InsecureTransportError",
    "MissingCredentialsError",
    "NetworkError",
    "NotFoundError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "RetriesExhaustedError",
    "RotationError",
    "SecretFileError",
    "ServerError",
    "UnknownRegionError",
)

#: Where each public name lives (module relative to this package).
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(_ERRORS, ".errors"),
    **dict.fromkeys(("ExotelClient", "tls_context"), ".client"),
    **dict.fromkeys(("Credentials", "mask"), ".credentials"),
    **dict.fromkeys(
        ("MUMBAI", "REGIONS", "SINGAPORE", "Region", "get_region", "loopback"), ".regions"
    ),
    **dict.fromkeys(("RetryEvent", "RetryPolicy", "parse_retry_after"), ".retry"),
    **dict.fromkeys(("EndpointPacer", "Pacer"), ".pacing"),
    **dict.fromkeys(("ENDPOINT_LIMITS", "endpoint_category"), ".endpoints"),
    "RegenerateRule": ".rotation",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'helpers' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


# A library logs; the application decides where logs go (nothing reaches stderr by default).
logging.getLogger(__name__).addHandler(logging.NullHandler())
