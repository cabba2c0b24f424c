"""The webhook receiver's exceptions, under the library's :class:`~helpers.errors.ExotelError`.

::

    ExotelError
    └── RefusedError     your receiver refused a callback (status, error, fix)
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
