"""The receiver's stores: each test that takes ``store_spec`` runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server for the session (tests/support/postgres_server.py), or a skip."""
    from tests.support.postgres_server import PostgresServer, Unavailable

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
