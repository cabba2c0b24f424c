"""The book's own machinery: what the notebooks, the build and the workshop use.

:class:`~helpers.book.chapter.Chapter` wires a notebook to its mode, credentials and sandbox;
``runtime`` answers each cell's requests (replayed from ``cassette``, or by the sandbox);
``modes`` reads EXOTEL_HANDBOOK_MODE; ``state`` is the sandbox state a recording is made under;
``redaction`` scrubs what is written; ``rerecord`` is ``make cassettes``, ``drift`` checks the
recordings against the sandbox; ``figures`` draws deterministic plots; ``workshop`` and
``check_setup`` run workshop day.

Nothing in the library or the servers imports from here. A notebook's first import:

>>> from helpers.book import Chapter
"""

from __future__ import annotations

import importlib
from typing import Any

#: Where each public name lives; loaded on first use, so ``import helpers.book.paths`` stays cheap.
_EXPORTS = {"Chapter": ".chapter", "Mode": ".modes", "response_source": ".outcomes"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'helpers.book' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
