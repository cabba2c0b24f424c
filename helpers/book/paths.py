"""Where the book's files are: the repository root, the folders the machinery reads, and which
notebooks in ``book/`` are chapters (JupyterLab's copies are not)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
CASSETTES = ROOT / "cassettes"

#: JupyterLab's "Duplicate" saves ``intro.ipynb`` as ``intro-Copy1.ipynb``.
COPY = re.compile(r"-Copy\d+$")


def is_copy(path: Path) -> bool:
    """True for a notebook JupyterLab duplicated (``intro-Copy1.ipynb``): nobody's chapter.

    >>> is_copy(Path("book/intro-Copy1.ipynb")), is_copy(Path("book/intro.ipynb"))
    (True, False)
    """
    return bool(COPY.search(Path(path).stem))


def chapter_notebooks(book: Path = BOOK) -> list[Path]:
    """The chapters in ``book``: every notebook but JupyterLab's copies."""
    return sorted(p for p in book.glob("*.ipynb") if not is_copy(p))


def copies(book: Path = BOOK) -> list[Path]:
    """The notebooks in ``book`` that are JupyterLab's copies, each skipped with :func:`copy_note`."""
    return sorted(p for p in book.glob("*.ipynb") if is_copy(p))


def copy_note(path: Path) -> str:
    """The one line each command prints for a copy it skips."""
    return (
        f"skipped {path.parent.name}/{path.name}: a copy JupyterLab made (-Copy in its name), "
        "not a chapter; delete it when you are done with it"
    )
