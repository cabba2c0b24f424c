"""Fixtures shared across test files, and the session's one build of the whole book."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from book_build import (
    NO_NETWORK,
    Probes,
    copy_book,
    finish,
    network_can_be_cut,
    start_build,
    stop,
)
from notebook_runs import executed_notebook, guarded

from helpers import Sandbox
from helpers.sandbox import demo_credentials

#: Loaded into kernels as their sitecustomize, never imported here (--doctest-modules would).
collect_ignore = ["network_guard.py"]

#: Set to a built site (e.g. ``_build/html`` after ``make book``) to test it instead of building.
SITE_VAR = "HANDBOOK_SITE"


@dataclass
class BuiltBook:
    src: Path
    returncode: int
    log: str
    offline: bool  # built in a network namespace with only loopback
    refused: list[str]  # Internet connections and DNS look-ups the network guard refused

    @property
    def html(self) -> Path:
        return self.src / "_build" / "html"

    def executed(self, notebook: Path) -> Path:
        """This build's run of ``notebook``, outputs and all (myst-nb's copy)."""
        return executed_notebook(self.src, notebook)


class WholeBookBuild:
    """The whole book, built once per session from a copy of its sources, with the network cut
    off where this machine can (root and ``unshare``), and every kernel loading the network guard
    (tests/network_guard.py). It starts in the background as soon as the tests are collected; the
    tests that read it run last, so the build overlaps all the others."""

    def __init__(self) -> None:
        self.src = copy_book(Path(tempfile.mkdtemp(prefix="handbook-book-")))
        self.guard = Path(tempfile.mkdtemp(prefix="handbook-guard-"))
        env, self.log = guarded(self.guard)
        self.offline = network_can_be_cut()
        self.process = start_build(self.src, NO_NETWORK if self.offline else (), **env)
        self._book: BuiltBook | None = None

    def result(self) -> BuiltBook:
        if self._book is None:
            done = finish(self.process)
            refused = self.log.read_text().splitlines() if self.log.exists() else []
            self._book = BuiltBook(
                self.src, done.returncode, done.stdout[-6000:], self.offline, refused
            )
        return self._book

    def close(self) -> None:
        stop(self.process)  # if the session ended before the build did
        shutil.rmtree(self.src, ignore_errors=True)
        shutil.rmtree(self.guard, ignore_errors=True)


class ProbeBuilds(Probes):
    """The probe books (tests/book_build.py) in a temporary folder, removed at the end."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="handbook-probes-"))
        super().__init__(self.root)

    def close(self) -> None:
        super().close()
        shutil.rmtree(self.root, ignore_errors=True)


WHOLE_BOOK = pytest.StashKey[WholeBookBuild]()
PROBES = pytest.StashKey[ProbeBuilds]()


def needs_whole_book(item: pytest.Item) -> bool:
    names = getattr(item, "fixturenames", ())
    return "built_book" in names or ("site" in names and not os.environ.get(SITE_VAR))


def needs_probes(item: pytest.Item) -> bool:
    return "probe" in getattr(item, "fixturenames", ())


def waits_for_a_build(item: pytest.Item) -> bool:
    return needs_whole_book(item) or needs_probes(item)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that read a book build run last: the builds start in the background once the tests
    are collected, and overlap all the others."""
    items.sort(key=waits_for_a_build)  # stable: the order within each group is kept


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly:
        return
    if any(map(needs_whole_book, session.items)):
        session.config.stash[WHOLE_BOOK] = WholeBookBuild()
    if any(map(needs_probes, session.items)):
        session.config.stash[PROBES] = ProbeBuilds()


def pytest_sessionfinish(session: pytest.Session) -> None:
    for key in (WHOLE_BOOK, PROBES):
        started = session.config.stash.get(key, None)
        if started is not None:
            started.close()


@pytest.fixture(scope="session")
def built_book(request) -> BuiltBook:
    """The session's build of the whole book (started at collection, waited for here)."""
    stash = request.config.stash
    if WHOLE_BOOK not in stash:
        stash[WHOLE_BOOK] = WholeBookBuild()
    return stash[WHOLE_BOOK].result()


@pytest.fixture(scope="session")
def probe(request) -> ProbeBuilds:
    """``probe(name)``: a probe book (tests/book_build.py) and its finished build."""
    stash = request.config.stash
    if PROBES not in stash:
        stash[PROBES] = ProbeBuilds()
    return stash[PROBES]


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
