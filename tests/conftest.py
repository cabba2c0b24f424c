"""Fixtures shared by more than one wing of the tests; the run's builds are support/builds.py."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

# Before the first import from support/, so its asserts are rewritten as the tests' are.
pytest.register_assert_rewrite("tests.support")

from helpers.sandbox import Sandbox, demo_credentials  # noqa: E402
from tests.support.builds import SITE_VAR, BuiltBook, ProbeBuilds, probes, whole_book  # noqa: E402

pytest_plugins = ["tests.support.builds"]

#: Loaded into kernels as their sitecustomize, never imported here (--doctest-modules would).
collect_ignore = ["support/network_guard.py"]


@pytest.fixture(scope="session")
def built_book(request) -> BuiltBook:
    """The run's build of the whole book (started at collection, waited for here)."""
    return whole_book(request)


@pytest.fixture(scope="session")
def probe(request) -> ProbeBuilds:
    """``probe(name)``: a probe book (tests/support/book_build.py) and its finished build."""
    return probes(request)


@pytest.fixture(scope="session")
def site(request) -> Path:
    """A built site's html folder: ``$HANDBOOK_SITE`` if set, else the session's build."""
    if os.environ.get(SITE_VAR):
        return Path(os.environ[SITE_VAR]).resolve()
    book = request.getfixturevalue("built_book")
    assert book.returncode == 0, book.log
    return book.html


@pytest.fixture
def new_sandbox() -> Callable[..., Sandbox]:
    """``new_sandbox(**options)``: a fresh sandbox on a frozen clock with the documented demo
    credentials (the environment's ignored); ``options`` go to :class:`Sandbox`."""
    return lambda **options: Sandbox(demo=demo_credentials({}), **options)


@pytest.fixture
def sandbox(new_sandbox) -> Sandbox:
    """A fresh sandbox on a frozen clock with the documented demo credentials (env ignored)."""
    return new_sandbox()
