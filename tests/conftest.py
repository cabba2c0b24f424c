"""Fixtures shared across test files."""

from __future__ import annotations

import os
import sqlite3
import uuid
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


# -- the webhook receiver's stores ----------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server for the session (tests/postgres_server.py), or a skip."""
    from postgres_server import PostgresServer, Unavailable

    try:
        server = PostgresServer.start()
    except Unavailable as exc:
        pytest.skip(f"no PostgreSQL for the receiver's store: {exc}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_spec(request, tmp_path) -> str:
    """What ``--store`` is given: a fresh SQLite file, or a fresh schema on the test server."""
    if request.param == "sqlite":
        return str(tmp_path / "events.sqlite3")
    server = request.getfixturevalue("postgres_server")
    return server.schema_url(f"t_{uuid.uuid4().hex[:12]}")


def execute_in_store(spec: str, sql: str) -> None:
    """Run ``sql`` on the store behind ``spec`` through a connection of its own."""
    if spec.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(spec, autocommit=True) as db:
            db.execute(sql)
    else:
        with sqlite3.connect(spec) as db:
            db.execute(sql)
