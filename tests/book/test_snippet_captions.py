"""Each snippet a chapter shows names its file and the line that runs it (_ext/snippet_captions.py)."""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

import pytest

from tests.support.book_paths import BOOK, NOTEBOOKS, ROOT

sys.path.insert(0, str(ROOT / "_ext"))
from snippet_captions import caption  # noqa: E402

#: A snippet's include and its options (a page's own ``:caption:`` is kept).
INCLUDE = re.compile(r"```\{literalinclude\} (snippets/\S+)\n((?::\w+:.*\n)*)")
CAPTION = re.compile(r'<span class="caption-text">(.*?)</span><a class="headerlink"')
TAG = re.compile(r"<[^>]+>")


def markdown(path: Path) -> str:
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text())["cells"]
        return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return path.read_text()


def shown(path: Path) -> list[str]:
    """The snippet files (not their outputs) the page includes without a caption, in order."""
    return [
        f
        for f, options in INCLUDE.findall(markdown(path))
        if not f.endswith(".out") and ":caption:" not in options
    ]


PAGES = [p for p in [*NOTEBOOKS, *sorted(BOOK.glob("*.md"))] if shown(p)]


def test_a_snippet_is_captioned_with_its_run_line_and_an_output_is_not():
    assert caption("snippets/authentication/header-auth.mjs") == (
        "`header-auth.mjs` · run: `node header-auth.mjs`"
    )
    assert caption("snippets/authentication/header-auth.sh") == (
        "`header-auth.sh` · run: `bash header-auth.sh`"
    )
    assert caption("snippets/webhooks/guide-express.cjs").endswith("run: `node guide-express.cjs`")
    assert caption("snippets/authentication/header-auth.py.out") is None
    assert caption("figures/rate.svg") is None


def test_chapters_show_snippets():
    assert len(PAGES) >= 6, PAGES


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_every_snippet_on_the_built_page_shows_its_file_and_run_line(site, path):
    page = (site / path.relative_to(ROOT).with_suffix(".html")).read_text()
    captions = [html.unescape(TAG.sub("", c)) for c in CAPTION.findall(page)]
    runs = [c for c in captions if " · run: " in c]
    assert runs == [caption(f).replace("`", "") for f in shown(path)], (
        f"{path.name}: a snippet without its caption (or its names made links); "
        "_ext/snippet_captions.py adds one to every "
        "literalinclude of a file under snippets/ that has none"
    )
