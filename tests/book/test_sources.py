"""Readers see Exotel's documents by name, never the project's internal word for them, and the
introduction's map of the book names every page in the table of contents."""

from __future__ import annotations

import importlib
import inspect
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from helpers.book.contents import problems
from tests.support.book_paths import BOOK, NOTEBOOKS, ROOT, api_reference_text

#: "Seed" is this project's internal name for its source documents; no reader knows it.
INTERNAL_WORD = re.compile(r"\bseeds?\b", re.IGNORECASE)


class _VisibleText(HTMLParser):
    """The text of a page as a browser shows it: no scripts, no styles."""

    HIDDEN = {"script", "style"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        self._hidden += tag in self.HIDDEN

    def handle_endtag(self, tag):
        self._hidden -= tag in self.HIDDEN

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(page: Path) -> str:
    parser = _VisibleText()
    parser.feed(page.read_text(encoding="utf-8"))
    return " ".join(parser.parts)


def hits(text: str) -> list[str]:
    return [text[max(m.start() - 40, 0) : m.end() + 40] for m in INTERNAL_WORD.finditer(text)]


@pytest.mark.build
def test_no_built_page_shows_the_internal_word_for_exotels_documents(site):
    pages = [p for p in site.rglob("*.html") if not {"_static", "_sources"} & set(p.parts)]
    assert pages
    found = {str(p.relative_to(site)): hits(visible_text(p)) for p in pages}
    assert {page: where for page, where in found.items() if where} == {}


def reader_text_of_notebook(path: Path) -> str:
    """Every cell's source and every output a reader sees on the page."""
    nb = nbformat.read(path, as_version=4)
    parts = []
    for cell in nb.cells:
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.extend(str(v) for v in output.get("data", {}).values())
    return "\n".join(parts)


def documented_text() -> str:
    """The docstrings and signatures autodoc renders into the API reference."""
    parts = []
    for name in re.findall(r"automodule:: (\S+)", api_reference_text()):
        module = importlib.import_module(name)
        parts.append(inspect.getdoc(module) or "")
        for _, obj in inspect.getmembers(module):
            if getattr(obj, "__module__", None) != name:
                continue
            parts.append(inspect.getdoc(obj) or "")
            if inspect.isclass(obj):
                for member in vars(obj).values():
                    target = member.fget if isinstance(member, property) else member
                    parts.append(inspect.getdoc(target) or "" if callable(target) else "")
            if callable(obj):
                try:
                    parts.append(str(inspect.signature(obj)))
                except (TypeError, ValueError):
                    pass
    return "\n".join(parts)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_notebook_shows_the_internal_word(notebook):
    assert hits(reader_text_of_notebook(notebook)) == []


@pytest.mark.parametrize("page", sorted(BOOK.glob("*.md")), ids=lambda p: p.stem)
def test_no_markdown_page_shows_the_internal_word(page):
    assert hits(page.read_text(encoding="utf-8")) == []


def test_no_docstring_in_the_api_reference_shows_the_internal_word():
    assert hits(documented_text()) == []


def test_the_intro_table_and_each_whats_next_follow_the_table_of_contents():
    """Every page in _toc.yml has a row in the intro's "What the book covers" table, and each
    chapter's "What's next?" starts with a link to the page after it (helpers/book/contents.py;
    `make chapter` keeps both for a new chapter)."""
    found = problems(ROOT)
    assert found == [], "\n".join(found)


SAME_BODY_CLAIMS = ("every error has the same body", "same shape for every status.")


@pytest.mark.parametrize(
    "path",
    sorted(
        [
            *BOOK.glob("*.ipynb"),
            *BOOK.glob("*.md"),
            *BOOK.glob("snippets/*/*.*"),
        ],
        key=str,
    ),
    ids=lambda path: str(path.relative_to(BOOK)),
)
def test_no_page_or_snippet_says_every_error_has_the_same_body(path):
    """v1 without .json answers XML and v2 has its own envelope (the errors chapter's table)."""
    if path.suffix == ".ipynb":
        text = " ".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
    else:
        text = path.read_text(errors="replace")
    text = " ".join(text.lower().split())
    assert not [claim for claim in SAME_BODY_CLAIMS if claim in text]
