"""Fixtures shared across test files."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from book_build import build, copy_book

from helpers import Sandbox
from helpers.sandbox import demo_credentials

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


@pytest.fixture
def sandbox() -> Sandbox:
    """A fresh sandbox on a frozen clock with the documented demo credentials (env ignored)."""
    return Sandbox(demo=demo_credentials({}))


@pytest.fixture(scope="session")
def free_port() -> Callable[[], int]:
    """``free_port()``: a loopback port nothing listens on right now (the OS picks it)."""

    def pick() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    return pick
