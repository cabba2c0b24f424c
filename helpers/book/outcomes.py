"""What a chapter tells its reader about where an answer came from.

A replayed answer says nothing: the set-up cell's banner said where answers come from. An answer
the recordings do not hold (an edited cell, an exercise, other sandbox settings) comes from the
in-process sandbox, and the cell prints one line saying so, once per run of the cell.
"""

from __future__ import annotations

import httpx

from ..sandbox.wire import SANDBOX_HEADER

NOT_RECORDED = "not recorded: answered by the sandbox"


def not_recorded(reason: str) -> str:
    """The one line a cell prints when the sandbox answered in playback."""
    return f"{NOT_RECORDED} ({reason})"


def response_source(response: httpx.Response) -> str:
    """Where a response came from: the handbook's sandbox, or (no marker) the live API."""
    return "sandbox" if SANDBOX_HEADER in response.headers else "live Exotel API"
