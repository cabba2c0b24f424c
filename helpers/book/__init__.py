"""The book's own machinery: what the notebooks, the build and the workshop use.

:class:`~helpers.book.chapter.Chapter` wires a notebook to its mode, credentials and cassettes;
``recording`` and ``redaction`` configure vcrpy and scrub what it writes; ``rerecord`` is
``make cassettes``; ``callback_tape`` records and replays the sandbox's webhook deliveries;
``figures`` draws deterministic plots; ``workshop`` and ``check_setup`` run workshop day.

Nothing in the library or the servers imports from here. A notebook's first import:

>>> from helpers.book import Chapter
"""

from __future__ import annotations

import importlib
from typing import Any

#: Where each public name lives; loaded on first use, so ``import helpers.book.paths`` stays cheap.
_EXPORTS = {"Chapter": ".chapter", "Mode": ".recording", "response_source": ".recording"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'helpers.book' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
