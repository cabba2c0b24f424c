"""The sandbox's exceptions, under the library's :class:`~helpers.errors.ExotelError`.

::

    ExotelError
    └── ConfigurationError
        └── UnknownKeyError      no such API key (never created, or deleted)
"""

from __future__ import annotations

from ..errors import ConfigurationError


class UnknownKeyError(ConfigurationError):
    """No such API key in this account (never created, or deleted)."""
