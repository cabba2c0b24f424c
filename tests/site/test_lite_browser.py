"""The in-browser lab (helpers/book/lite/): each chapter page's "Run in your browser" button, and
the lab itself in Debian's headless chromium, with every request off the site's origin refused.

The lab is built from the cache ``make book`` fills (``python -m helpers.book.lite fetch``): with
the cache empty and no way to reach PyPI and npm, these tests skip and say so; once it is filled
they need no network. The browser resolves no name but loopback's, and every request off the
site's origin is refused and counted: the count must be zero. The lab exposes its application
object (``exposeAppInBrowser``); the test opens a chapter, waits for the kernel, runs all cells
and compares the notebook with the committed one, as tests/book/test_notebooks.py does.

A Pyodide kernel takes most of a chapter's time in the lab to start, so each test process starts
one and runs its chapters on it in turn, each on a cleared namespace (``%reset -f``); that each
chapter also runs in a kernel of its own is what the book's build proves, in CPython.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from helpers.book.errors import LiteError
from helpers.book.lite.build import build_lab
from helpers.book.lite.fetch import missing
from tests.support.book_paths import BOOK, NOTEBOOKS
from tests.support.chromium import BROWSER_TESTS, CHROMIUM
from tests.support.lite_lab import (
    NOTEBOOK_JSON,
    OFFLINE,
    RUN_ALL_CELLS,
    SWAP_CHAPTER,
    Guarded,
    open_chapter,
    served,
)
from tests.support.notebook_runs import difference

from .test_site_browser import CHROMIUM_ARGS

#: Seconds for the kernel to be ready, and for a chapter's Run all: a few times the slowest seen
#: on a busy two-core machine (the goals are ratios in benchmarks/lite.py, not timed tests).
KERNEL_READY_MS = 240_000
RUN_ALL_MS = 240_000
#: Chapters whose Run all stops in the lab, and the start of the plain message it stops with
#: (helpers/book/browser.py): the guide's example shows concurrent deliveries with a thread pool,
#: the receiver's app commits events in a thread of its own, and the production page serves it
#: over HTTPS on a socket.
STOPS = {
    "webhooks_guide_bugs": "This cell needs threads",
    "webhooks_receiver": "Storing through the receiver's app needs",
    "webhooks_crash_safety": "Storing through the receiver's app needs",
    "webhooks_production": "The HTTPS receiver needs",
}
CHAPTERS = [n.stem for n in NOTEBOOKS]

pytestmark = BROWSER_TESTS


@pytest.fixture(scope="module")
def lab_site() -> Iterator[Path]:
    """A site folder holding only the lab, built from the cache (the network only to fill it)."""
    with tempfile.TemporaryDirectory(prefix="lite-site-") as folder:
        site = Path(folder)
        absent = missing()
        try:
            build_lab(site / "lite")
        except LiteError as error:
            if absent:
                pytest.skip(
                    f"the lab's downloads are not cached ({', '.join(absent[:3])}...) and could "
                    f"not be fetched: run `make book` once with PyPI and npm reachable. {error}"
                )
            raise
        yield site


@pytest.fixture(scope="module")
def lab_url(lab_site: Path) -> Iterator[str]:
    with served(lab_site) as url:
        yield url


@pytest.fixture(scope="module")
def lab_browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, OFFLINE], headless=True
        )
        yield browser
        browser.close()


@dataclass
class LabKernel:
    """A lab page with a notebook open on a kernel that is ready, the requests it sent off the
    site's origin and its page errors so far."""

    guarded: Guarded
    page: object
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def lab_kernel(lab_url, lab_browser) -> Iterator[LabKernel]:
    """The lab on the first chapter, its kernel started: the chapters run on it in turn."""
    guarded = Guarded(lab_browser, lab_url)
    lab = LabKernel(guarded, guarded.context.new_page())
    lab.page.on("pageerror", lambda exc: lab.errors.append(str(exc)))
    open_chapter(lab.page, lab_url, CHAPTERS[0], KERNEL_READY_MS)
    yield lab
    guarded.context.close()


def from_one(notebook: dict) -> None:
    """Execution counts from 1, as a kernel of the chapter's own would number them: on a shared
    kernel they go on from the chapter before (Run all numbers the cells one after another)."""
    counts = [c["execution_count"] for c in notebook["cells"] if c.get("execution_count")]
    offset = min(counts, default=1) - 1
    for cell in notebook["cells"]:
        if cell.get("execution_count"):
            cell["execution_count"] -= offset
        for output in cell.get("outputs", []):
            if output.get("execution_count"):
                output["execution_count"] -= offset


def test_each_chapter_page_has_a_run_in_your_browser_button_to_its_notebook(site):
    for notebook in NOTEBOOKS:
        page = (site / "book" / f"{notebook.stem}.html").read_text()
        buttons = re.findall(r'<a href="([^"]*)"[^>]*btn-lite-button', page)
        assert buttons == [f"../lite/lab/index.html?path={notebook.name}"], notebook.stem
        assert "Run in your browser" in page


def test_pages_that_are_not_notebooks_have_no_lab_button(site):
    page = (site / "book" / "facilitator_guide.html").read_text()
    assert "btn-lite-button" not in page


def test_a_chapter_page_loads_nothing_of_the_lab_until_the_button_is_pressed(site, lab_browser):
    with served(site) as url:
        guarded = Guarded(lab_browser, url)
        page = guarded.context.new_page()
        page.goto(f"{url}/book/intro.html", wait_until="load")
        button = page.locator("a.btn-lite-button")
        visible = button.is_visible()
        guarded.context.close()
    assert visible
    assert [path for path in guarded.loaded if path.startswith("/lite/")] == []


def test_the_lab_serves_every_chapter_with_pyodide_from_its_own_folder(lab_site):
    lite = lab_site / "lite"
    assert sorted(p.name for p in (lite / "files").glob("*.ipynb")) == sorted(
        n.name for n in NOTEBOOKS
    )
    config = json.loads((lite / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.mjs"
    assert kernel["disablePyPIFallback"] is True
    lock = json.loads((lite / "static" / "pyodide" / "pyodide-lock.json").read_text())
    for name in kernel["loadPyodideOptions"]["packages"]:
        assert name in lock["packages"], name
    for package in lock["packages"].values():
        assert (lite / "static" / "pyodide" / package["file_name"]).exists()
        assert set(package["depends"]) <= set(lock["packages"]), package["name"]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_chapter_runs_all_its_cells_in_the_lab_as_committed_with_nothing_off_origin(
    chapter, lab_site, lab_kernel, tmp_path
):
    refused, errors = len(lab_kernel.guarded.refused), len(lab_kernel.errors)
    page = lab_kernel.page
    page.evaluate(
        SWAP_CHAPTER, json.loads((lab_site / "lite" / "files" / f"{chapter}.ipynb").read_text())
    )
    finished = page.evaluate(RUN_ALL_CELLS, RUN_ALL_MS)
    notebook = page.evaluate(NOTEBOOK_JSON)
    from_one(notebook)

    committed = BOOK / f"{chapter}.ipynb"
    for cell in notebook["cells"]:  # JupyterLab writes "attachments": null on Markdown cells
        if cell.get("attachments", {}) is None:
            del cell["attachments"]
    stops = [
        i for i, c in enumerate(notebook["cells"]) for o in c.get("outputs", []) if "ename" in o
    ]
    if chapter in STOPS:
        assert finished is not True and stops, f"{chapter} ran to the end: update STOPS"
        # The last error is where Run all stopped (outputs were cleared before it ran).
        error = next(o for o in notebook["cells"][stops[-1]]["outputs"] if "ename" in o)
        assert "NeedsAComputerError" in error["ename"], error  # the kernel writes "<class ...>"
        assert error["evalue"].startswith(STOPS[chapter]), error
        notebook["cells"] = notebook["cells"][: stops[-1]]  # what ran before it, compared
    else:
        stopped = [o for i in stops for o in notebook["cells"][i]["outputs"] if "ename" in o]
        assert finished is True, f"Run all stopped early in {chapter}: {stopped[-1:]}"
    ran = nbformat.from_dict(notebook)
    # What the lab's user interface keeps in metadata (a solution's outputs shown once it runs)
    # is not what the chapter printed: the comparison is of sources and outputs.
    before = nbformat.read(committed, as_version=4)
    before.cells = before.cells[: len(ran.cells)]
    ran.metadata = before.metadata
    for cell, was in zip(ran.cells, before.cells, strict=False):
        cell.metadata = was.metadata
    executed = tmp_path / committed.name
    nbformat.write(ran, executed)
    expected = tmp_path / f"committed-{committed.name}"
    nbformat.write(before, expected)
    changed = difference(expected, executed)
    assert changed is None, changed
    assert lab_kernel.guarded.refused[refused:] == [], "requests left the site's origin"
    assert lab_kernel.errors[errors:] == []
