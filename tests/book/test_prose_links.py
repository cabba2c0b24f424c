"""Chapter prose links the API reference for every public helper it names.

A name from ``helpers.__all__`` written as plain code (`` `ExotelClient` ``) gives the reader
nothing to follow. Written as a cross-reference (`` {py:class}`~helpers.client.ExotelClient` ``)
it links to its entry in the API reference, and a target that does not resolve fails the
``--nitpick -W`` build.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

import helpers
from tests.support.book_paths import BOOK, NOTEBOOKS, ROOT

#: Fenced code blocks (and directives written as backtick fences) are code, not prose.
FENCE = re.compile(r"^(`{3,}|~{3,}).*?^\1[ \t]*$", re.S | re.M)
#: Inline code not preceded by a role's ``{py:...}``.
CODE_SPAN = re.compile(r"(?<![}\w`])`([^`\n]+)`(?!`)")
#: A name, dotted or called without arguments: ``Credentials.from_env()``, ``RetryPolicy.call``.
NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?:\(\))?")

PUBLIC = frozenset(helpers.__all__)


def pages() -> list[Path]:
    """The chapters and the book's other pages; the API reference itself is what they link to."""
    others = [p for p in sorted(BOOK.glob("*.md")) if not p.name.startswith("api_")]
    return [*NOTEBOOKS, *others]


def prose(path: Path) -> list[str]:
    if path.suffix == ".ipynb":
        notebook = nbformat.read(path, as_version=4)
        return [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    return [path.read_text()]


def unlinked_names(text: str) -> list[str]:
    """The public helpers ``text`` names as plain inline code, outside code blocks."""
    found = []
    for span in CODE_SPAN.finditer(FENCE.sub("", text)):
        code = span.group(1)
        if NAME.fullmatch(code) and code.split(".")[0].removesuffix("()") in PUBLIC:
            found.append(code)
    return found


@pytest.mark.parametrize("path", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_public_helpers_named_in_prose_are_links(path):
    unlinked = sorted({name for text in prose(path) for name in unlinked_names(text)})
    assert not unlinked, (
        f"{path.name} names {', '.join(unlinked)} as plain code. Link each to the API reference: "
        "{py:class}`~helpers.client.ExotelClient`, {py:exc}`~helpers.errors.APIError`, "
        "{py:meth}`Credentials.from_env() <helpers.credentials.Credentials.from_env>`."
    )


#: A cross-reference in the built page, and one that became a link to its entry.
XREF = re.compile(r'<code class="xref py')
LINKED_XREF = re.compile(r'<a class="reference internal"[^>]*><code class="xref py')


@pytest.mark.parametrize("path", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_cross_reference_in_the_built_page_links_to_its_entry(site, path):
    """The build resolves a helpers name that has no entry in the reference to plain code
    (_ext/helpers_xref.py), without a warning: the built page shows whether it linked."""
    html = (site / path.relative_to(ROOT).with_suffix(".html")).read_text()
    assert len(XREF.findall(html)) == len(LINKED_XREF.findall(html)), (
        f"{path.name} has a cross-reference to a helper without an entry in the API reference: "
        "give it a docstring (a #: comment for a constant), or link what has one."
    )


def test_a_bare_name_is_found_and_a_link_is_not():
    text = (
        "Use `ExotelClient` and `Credentials.from_env()`; "
        "{py:class}`~helpers.pacing.Pacer` is a link, `chapter.client()` is not a helper, "
        "and `Pacer(limit=200)` is an expression.\n\n```python\nExotelClient(...)\n```\n"
    )
    assert unlinked_names(text) == ["ExotelClient", "Credentials.from_env()"]
