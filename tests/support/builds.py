"""The test run's builds of the book, and the order its tests run in (a pytest plugin that
tests/conftest.py loads).

The whole book is built once per test run and shared by every xdist worker; the probe books of
tests/support/book_build.py build beside it. Both start in the background once the tests are
collected, and the tests that read them run last, the browser tests in one block at the end.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers.book.modes import CASSETTES_VAR
from helpers.book.runtime import REPORT_VAR

from .book_build import (
    NO_NETWORK,
    PROBES,
    build,
    copy_book,
    network_can_be_cut,
    probe_book,
    probe_recordings,
    start_build,
)
from .book_paths import toc_files
from .chromium import report_line
from .notebook_runs import executed_notebook, guarded
from .shared_builds import RUN_VAR, SharedBuild, stop_leftovers

TOC = toc_files()

#: Set to a built site (e.g. ``_build/html`` after ``make book``) to test it instead of building.
SITE_VAR = "HANDBOOK_SITE"


@dataclass
class BuiltBook:
    src: Path
    returncode: int
    output: str  # everything the build printed, its kernels' stderr included
    offline: bool  # built in a network namespace with only loopback
    refused: list[str]  # Internet connections and DNS look-ups the network guard refused
    report: Path  # what each chapter replayed, and where the sandbox now answers otherwise

    @property
    def log(self) -> str:
        """The end of the build's output, for a failure message."""
        return self.output[-6000:]

    @property
    def html(self) -> Path:
        return self.src / "_build" / "html"

    def executed(self, notebook: Path) -> Path:
        """This build's run of ``notebook``, outputs and all (myst-nb's copy)."""
        return executed_notebook(self.src, notebook)


class WholeBookBuild:
    """The whole book, built once per test run from a copy of its sources, with the network cut
    off where this machine can (root and ``unshare``), and every kernel loading the network guard
    (tests/network_guard.py). It starts in the background as soon as the tests are collected; the
    tests that read it run last, so the build overlaps all the others."""

    def __init__(self, folder: Path) -> None:
        self.src = folder / "book-build"
        self.guard_log = folder / "guard" / "sockets.log"
        self.report = folder / "playback-report.jsonl"
        self.build = SharedBuild(folder, "whole-book", self._start)
        self._book: BuiltBook | None = None

    def _start(self) -> tuple[subprocess.Popen, dict]:
        self.src.mkdir()
        copy_book(self.src)
        self.guard_log.parent.mkdir()
        env, _ = guarded(self.guard_log.parent)  # its log is self.guard_log
        env[REPORT_VAR] = str(self.report)
        offline = network_can_be_cut()
        return start_build(self.src, NO_NETWORK if offline else (), **env), {"offline": offline}

    def result(self) -> BuiltBook:
        if self._book is None:
            done = self.build.outcome()
            log = self.guard_log
            refused = log.read_text().splitlines() if log.exists() else []
            self._book = BuiltBook(
                self.src, done["returncode"], done["log"], done["offline"], refused, self.report
            )
        return self._book


class ProbeBuilds:
    """``probe(name)``: each probe book of tests/book_build.py, all building at once from the
    start, and the finished build of one: (source folder, build). Each plays back its own copy of
    the regions chapter's recording of the wrong region (:meth:`cassettes`)."""

    def __init__(self, folder: Path) -> None:
        self.root = folder / "probes"
        self.builds = {
            name: SharedBuild(folder, f"probe-{name}", functools.partial(self._start, name, cells))
            for name, cells in PROBES.items()
        }

    def cassettes(self, src: Path) -> Path:
        """The cassettes the probe book in ``src`` plays back."""
        return src.with_name(f"{src.name}-cassettes")

    def _start(self, name: str, cells: list) -> tuple[subprocess.Popen, dict]:
        src = probe_book(self.root / name, *cells)
        probe_recordings(self.cassettes(src))
        # Niced: only a few tests at the end read the probes, while the browser tests wait for the
        # whole book, so its build goes first.
        env = {CASSETTES_VAR: str(self.cassettes(src))}
        return start_build(src, ["nice", "-n", "10"], **env), {}

    def __call__(self, name: str) -> tuple[Path, subprocess.CompletedProcess]:
        done = self.builds[name].outcome()
        return self.root / name, subprocess.CompletedProcess((), done["returncode"], done["log"])

    def copy(self, name: str) -> Path:
        """A copy of the finished probe ``name``, its first build's output and its cassettes
        included, to change and build again (the original stays as other tests read it)."""
        src, _ = self(name)
        again = self.root / f"{name}-again-{uuid.uuid4().hex[:8]}"
        shutil.copytree(src, again, symlinks=True)
        shutil.copytree(self.cassettes(src), self.cassettes(again))
        return again

    def rebuild(self, src: Path) -> subprocess.CompletedProcess:
        """A second build of the probe book in ``src``."""
        return build(src, **{CASSETTES_VAR: str(self.cassettes(src))})


class RunBuilds:
    """The builds of this test run, in the folder every process of the run shares (or in one of
    this session's own, without xdist), started once the tests are collected."""

    def __init__(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        shared = config.stash.get(RUN_FOLDER, None)
        self.own = shared is None
        self.folder = Path(tempfile.mkdtemp(prefix="handbook-run-")) if self.own else shared
        self.whole_book = WholeBookBuild(self.folder) if any(map(needs_whole_book, items)) else None
        self.probes = ProbeBuilds(self.folder) if any(map(needs_probes, items)) else None

    def started(self) -> list[SharedBuild]:
        builds = [self.whole_book.build] if self.whole_book else []
        return builds + (list(self.probes.builds.values()) if self.probes else [])

    def close(self) -> None:
        for started in self.started():
            if self.own:
                started.stop()  # the session ended before the build did
            else:
                started.finish_for_others()  # other workers may still read it
        if self.own:
            shutil.rmtree(self.folder, ignore_errors=True)


BUILDS = pytest.StashKey[RunBuilds]()
RUN_FOLDER = pytest.StashKey[Path]()


def needs_whole_book(item: pytest.Item) -> bool:
    names = getattr(item, "fixturenames", ())
    return "built_book" in names or ("site" in names and not os.environ.get(SITE_VAR))


def needs_probes(item: pytest.Item) -> bool:
    return "probe" in getattr(item, "fixturenames", ())


def waits_for_a_build(item: pytest.Item) -> bool:
    return needs_whole_book(item) or needs_probes(item)


def is_browser_test(item: pytest.Item) -> bool:
    return item.get_closest_marker("browser") is not None


def page_rank(item: pytest.Item) -> int:
    """For a browser test of one page (its ``name`` parameter), that page's place in the book;
    0 for any other test."""
    callspec = getattr(item, "callspec", None)
    if not is_browser_test(item) or callspec is None:
        return 0
    name = callspec.params.get("name")
    return TOC.index(name) + 1 if name in TOC else 0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that read a book build run last: the builds start in the background once the tests
    are collected, and overlap all the others. Last of all come the browser tests, in one block
    and page by page. One block, because a worker launches chromium each time it starts on that
    block: with another test in its middle, the worker closed chromium and launched it again.
    (A worker that takes over the end of another's queue twice can still get a build test
    between its two shares of the block, and then launches chromium once more.) Page by page,
    because a worker loads each page once (tests/site/test_site_browser.py), so a worker that takes
    over the end of another's queue loads only the pages it took, not every page."""
    # stable: the order within each group is kept
    items.sort(key=lambda item: (waits_for_a_build(item), is_browser_test(item), page_rank(item)))


def pytest_report_header() -> str:
    return report_line()


def is_xdist_controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput") and config.getoption("dist", "no") != "no"


def pytest_configure(config: pytest.Config) -> None:
    """Under xdist, the controller makes the folder its workers share builds in; each worker takes
    it from the environment and keeps it from the processes it starts."""
    if is_xdist_controller(config):
        folder = Path(tempfile.mkdtemp(prefix="handbook-run-"))
        config.stash[RUN_FOLDER] = folder
        os.environ[RUN_VAR] = str(folder)
    elif os.environ.get(RUN_VAR) and hasattr(config, "workerinput"):
        config.stash[RUN_FOLDER] = Path(os.environ.pop(RUN_VAR))


def pytest_unconfigure(config: pytest.Config) -> None:
    if is_xdist_controller(config) and RUN_FOLDER in config.stash:
        folder = config.stash[RUN_FOLDER]
        stop_leftovers(folder)
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop(RUN_VAR, None)


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly:
        return
    session.config.stash[BUILDS] = RunBuilds(session.config, session.items)


def pytest_sessionfinish(session: pytest.Session) -> None:
    builds = session.config.stash.get(BUILDS, None)
    if builds is not None:
        builds.close()


def run_builds(request: pytest.FixtureRequest) -> RunBuilds:
    """This run's builds (started at collection, or now for a test run without them)."""
    stash = request.config.stash
    if BUILDS not in stash:
        stash[BUILDS] = RunBuilds(request.config, [request.node])
    return stash[BUILDS]


def whole_book(request: pytest.FixtureRequest) -> BuiltBook:
    """The run's build of the whole book, once it has finished."""
    builds = run_builds(request)
    if builds.whole_book is None:
        builds.whole_book = WholeBookBuild(builds.folder)
    return builds.whole_book.result()


def probes(request: pytest.FixtureRequest) -> ProbeBuilds:
    """The run's probe books."""
    builds = run_builds(request)
    if builds.probes is None:
        builds.probes = ProbeBuilds(builds.folder)
    return builds.probes
