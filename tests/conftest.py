"""Fixtures shared across test files."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from book_build import build, copy_book

#: Set to a built site (e.g. ``_build/html`` after ``make book``) to test it instead of building.
SITE_VAR = "HANDBOOK_SITE"


@dataclass
class BuiltBook:
    src: Path
    returncode: int
    log: str

    @property
    def html(self) -> Path:
        return self.src / "_build" / "html"


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> BuiltBook:
    """The whole book, built once per test session from a copy of its sources."""
    src = copy_book(tmp_path_factory.mktemp("book"))
    result = build(src)
    return BuiltBook(src, result.returncode, result.stdout[-3000:] + result.stderr[-3000:])


@pytest.fixture(scope="session")
def site(request) -> Path:
    """A built site's html folder: ``$HANDBOOK_SITE`` if set, else the session's build."""
    if os.environ.get(SITE_VAR):
        return Path(os.environ[SITE_VAR]).resolve()
    book = request.getfixturevalue("built_book")
    assert book.returncode == 0, book.log
    return book.html
