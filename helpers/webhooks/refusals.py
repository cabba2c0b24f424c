"""Why the receiver turned a request away: an HTTP status, what was wrong, and how to fix it."""

from __future__ import annotations


class Refusal(Exception):
    """A request the receiver will not accept, with a body a person can act on.

    >>> refusal = Refusal(415, "Content-Type text/plain is not accepted.", "Send a form.")
    >>> refusal.status, refusal.body()["fix"]
    (415, 'Send a form.')
    """

    def __init__(self, status: int, error: str, fix: str):
        self.status = status
        self.error = error
        self.fix = fix
        super().__init__(f"{status} {error} {fix}")

    def body(self) -> dict[str, str]:
        """The JSON error body: ``{"error": what was wrong, "fix": how to fix it}``."""
        return {"error": self.error, "fix": self.fix}
