"""The built site, opened in Debian's chromium from a loopback HTTP server, shows every chapter.

Select these tests with ``-m browser``. They test the session's build of the book, or the site in
``$HANDBOOK_SITE`` (as the publish workflow does after ``make book``). ``make browser`` (run by
``make test``) installs chromium where it is missing; the tests skip only where it cannot.
Screenshots of every page go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from book_paths import ROOT, toc_files

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# What this machine's chromium needs headless, as root, with no network beyond loopback.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGES = toc_files()
# Pages that are notebooks: each must show the outputs of its executed cells.
NOTEBOOK_PAGES = [p for p in PAGES if (ROOT / f"{p}.ipynb").exists()]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="chromium is not installed and could not be: `make browser` installs Debian's "
        "chromium with apt-get as root (or set CHROMIUM to a Chromium binary)",
    ),
]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (the base class's name)
        pass


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    """The built site on 127.0.0.1, on a port the OS picks."""
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        yield context
        context.close()


class Page:
    """A browser tab that records every JavaScript error it sees."""

    def __init__(self, context):
        self.tab = context.new_page()
        self.errors: list[str] = []
        self.tab.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        self.tab.on(
            "console",
            lambda msg: self.errors.append(f"console: {msg.text}") if msg.type == "error" else None,
        )

    def open(self, url: str) -> Page:
        self.tab.goto(url, wait_until="load")
        return self


@pytest.fixture
def page(browser) -> Iterator[Page]:
    opened = Page(browser)
    yield opened
    opened.tab.close()


def url_of(base_url: str, page: str) -> str:
    return f"{base_url}/{page}.html"


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_without_javascript_errors(page, base_url, name):
    page.open(url_of(base_url, name))
    assert page.tab.locator("main h1").count() >= 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.tab.screenshot(path=SCREENSHOTS / f"{Path(name).name}.png", full_page=True)
    assert page.errors == []


@pytest.mark.parametrize("name", NOTEBOOK_PAGES)
def test_chapter_shows_its_executed_outputs(page, base_url, name):
    page.open(url_of(base_url, name))
    assert page.tab.locator("div.cell_output").count() > 0


@pytest.mark.parametrize("name", NOTEBOOK_PAGES)
def test_code_cells_have_copy_buttons(page, base_url, name):
    page.open(url_of(base_url, name))
    page.tab.wait_for_selector("button.copybtn", state="attached")
    assert page.tab.locator("button.copybtn").count() >= page.tab.locator("div.cell_input").count()


def test_next_links_walk_every_page_in_toc_order(page, base_url):
    page.open(url_of(base_url, PAGES[0]))
    for expected in PAGES[1:]:
        page.tab.locator("a.right-next").first.click()
        page.tab.wait_for_load_state("load")
        assert page.tab.url == url_of(base_url, expected)
    assert page.tab.locator("a.right-next").count() == 0
    assert page.errors == []


def search(page: Page, base_url: str, query: str) -> list[str]:
    """The pages the site's own search lists for ``query`` (``book/x`` style)."""
    page.open(f"{base_url}/search.html?q={query}")
    page.tab.wait_for_selector("#search-results p.search-summary", timeout=15_000)
    links = page.tab.locator("#search-results ul.search li a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    return sorted({re.sub(r"\.html.*$", "", href) for href in links})


def test_search_finds_429_in_the_rate_limit_chapters(page, base_url):
    found = search(page, base_url, "429")
    assert {"book/rate_limits", "book/errors"} <= set(found)
    assert page.errors == []


def test_search_finds_status_callback(page, base_url):
    found = search(page, base_url, "StatusCallback")
    # The sandbox's sources page documents it today; the webhooks chapter teaches it.
    assert "book/sandbox_sources" in found
    if "book/webhooks" in PAGES:
        assert "book/webhooks" in found
    assert page.errors == []


@pytest.mark.parametrize("name", [p for p in NOTEBOOK_PAGES if p != "book/webhooks"])
def test_exercise_solutions_stay_hidden_until_toggled(page, base_url, name):
    page.open(url_of(base_url, name))
    toggles = page.tab.locator("details.hide", has_text="Show the solution")
    assert toggles.count() >= 1
    first = toggles.first
    assert not first.locator("div.cell_input").is_visible()
    first.locator("summary").click()
    assert first.locator("div.cell_input").is_visible()
    assert page.errors == []


def test_a_snippet_tab_shows_the_other_languages_code(page, base_url):
    page.open(url_of(base_url, "book/authentication"))
    tabs = page.tab.locator("div.sd-tab-set").first
    curl = tabs.locator("div.sd-tab-content").nth(0)
    node = tabs.locator("div.sd-tab-content").nth(1)
    assert curl.is_visible() and not node.is_visible()
    tabs.locator("label.sd-tab-label", has_text="Node.js").click()
    assert node.is_visible() and not curl.is_visible()
    assert "process.env.EXOTEL_API_KEY" in node.inner_text()
    assert page.errors == []


def test_choosing_a_language_switches_every_tab_set_on_the_page(page, base_url):
    page.open(url_of(base_url, "book/authentication"))
    sets = page.tab.locator("div.sd-tab-set")
    assert sets.count() >= 2
    sets.first.locator("label.sd-tab-label", has_text="Python").click()
    assert "import httpx" in sets.last.locator("div.sd-tab-content").nth(2).inner_text()
    assert sets.last.locator("div.sd-tab-content").nth(2).is_visible()
    assert page.errors == []
