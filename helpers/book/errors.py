"""The book's machinery's exceptions, under the library's :class:`~helpers.errors.ExotelError`.

::

    ExotelError
    ├── ConfigurationError
    │   └── UnknownModeError     EXOTEL_HANDBOOK_MODE not playback / sandbox / record / live
    ├── RecordingError           `make cassettes` could not record a chapter
    ├── SourcesError             the source registry: a citation, date or excerpt that is wrong
    ├── LiteError                the in-browser lab: a download missing or changed, a failed build
    └── NeedsAComputerError      a part of a chapter the in-browser lab cannot run (threads, sockets)
"""

from __future__ import annotations

from ..errors import ConfigurationError, ExotelError


class UnknownModeError(ConfigurationError):
    """EXOTEL_HANDBOOK_MODE is not playback, sandbox, record or live."""


class RecordingError(ExotelError):
    """Recording failed: a chapter raised, or the network did, while `make cassettes` ran it."""


class SourcesError(ExotelError):
    """The source registry (``helpers/book/sources.yaml``) or a citation of it is wrong."""


class LiteError(ExotelError):
    """The in-browser lab cannot be built: a download missing or changed, a tool missing."""


class NeedsAComputerError(ExotelError):
    """A part of a chapter that the in-browser lab cannot run: it needs threads, sockets or a
    terminal. The message names the part and how to run it on a computer."""
