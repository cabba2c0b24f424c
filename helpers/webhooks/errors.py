"""The webhook receiver's exceptions, under the library's :class:`~helpers.errors.ExotelError`.

::

    ExotelError
    ├── RefusedError     your receiver refused a callback (status, error, fix)
    └── MultipartError   a body that is not well-formed multipart/form-data (becomes a 400)
"""

from __future__ import annotations

from ..errors import ExotelError


class RefusedError(ExotelError):
    """A callback your webhook receiver will not accept, with a body a person can act on.

    >>> try:
    ...     raise RefusedError(415, "Content-Type text/plain is not accepted.", "Send a form.")
    ... except ExotelError as refusal:
    ...     print(refusal.status, refusal.body()["fix"])
    415 Send a form.
    """

    def __init__(self, status: int, error: str, fix: str):
        self.status = status
        self.error = error
        self.fix = fix
        super().__init__(f"{status} {error} {fix}")

    def body(self) -> dict[str, str]:
        """The JSON error body: ``{"error": what was wrong, "fix": how to fix it}``."""
        return {"error": self.error, "fix": self.fix}


#: The longest handler error kept in the store; the rest is cut (a 50 MB message helps nobody).
MAX_ERROR = 2000


def describe(exc: BaseException) -> str:
    """``Type: message``, at most :data:`MAX_ERROR` characters, storable in any database (no
    NUL, no lone surrogate); never raises, even when the exception's ``__str__`` does.

    >>> class Rude(Exception):
    ...     def __str__(self):
    ...         raise Rude()
    >>> describe(Rude())
    'Rude: (its message could not be shown: Rude)'
    """
    name = type(exc).__name__
    try:
        message = str(exc)
    except BaseException as inner:  # noqa: BLE001 - a message that cannot be shown is still an error
        message = f"(its message could not be shown: {type(inner).__name__})"
    text = f"{name}: {message}" if message else name
    if len(text) > MAX_ERROR:
        text = text[: MAX_ERROR - 12] + " [truncated]"
    return text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")


class MultipartError(ExotelError, ValueError):
    """The body is not well-formed multipart/form-data; the message says where."""
