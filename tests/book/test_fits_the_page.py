"""Code and outputs fit the page: no snippet line and no notebook output line over 80 columns.

A line wider than its box is clipped on the page, its end hidden without a hint. The notebooks'
code is linted to 80 columns (book/ruff.toml); this holds the snippets (the files and the outputs
committed beside them) and the chapters' outputs to the same width.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from helpers.book.responses import has_json, split_printed
from tests.support.book_paths import BOOK, NOTEBOOKS, ROOT

WIDTH = 80
SNIPPETS = BOOK / "snippets"


def snippet_files() -> list[Path]:
    return sorted(p for p in SNIPPETS.rglob("*") if p.is_file() and p.suffix != ".toml")


def output_texts(cell) -> list[str]:
    """What a code cell's outputs show as text: streams, plain-text reprs, error messages."""
    texts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            texts.append(output.text)
        elif output.output_type in ("execute_result", "display_data"):
            texts.append(output.data.get("text/plain", ""))
        elif output.output_type == "error":
            texts.append(f"{output.ename}: {output.evalue}")
    return texts


def wide_lines(path: Path) -> list[str]:
    """Each line of ``path`` (a snippet, or a notebook's outputs) over WIDTH columns, located."""
    if path.suffix == ".out" and has_json(text := path.read_text()):
        # The site draws its JSON as a response (helpers/book/responses.py), which wraps inside
        # its box (tests/site); the other lines it prints must fit.
        return [
            f"{path.name}: {len(line)} columns: {line[:60]}…"
            for line in split_printed(text)
            if isinstance(line, str) and len(line) > WIDTH
        ]
    if path.suffix != ".ipynb":
        return [
            f"{path.name}:{number}: {len(line)} columns: {line[:60]}…"
            for number, line in enumerate(path.read_text().splitlines(), start=1)
            if len(line) > WIDTH
        ]
    notebook = nbformat.read(path, as_version=4)
    found = []
    for index, cell in enumerate(notebook.cells):
        for text in output_texts(cell) if cell.cell_type == "code" else []:
            found += [
                f"{path.name}, cell {index}: {len(line)} columns: {line[:60]}…"
                for line in text.splitlines()
                if len(line) > WIDTH
            ]
    return found


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT))


CHECKED = [*snippet_files(), *NOTEBOOKS]


@pytest.mark.parametrize("path", CHECKED, ids=shown)
def test_every_line_fits_80_columns(path):
    wide = wide_lines(path)
    assert not wide, (
        f"{len(wide)} line(s) wider than {WIDTH} columns, clipped on the page:\n"
        + "\n".join(wide)
        + "\nWrap the code's arguments; print JSON indented and long messages wrapped "
        "(textwrap.fill), and rows as a helpers.book.tables.Table."
    )


def test_the_check_finds_a_wide_line(tmp_path):
    snippet = tmp_path / "wide.py"
    snippet.write_text("ok = 1\n" + "x = " + "1" * 80 + "\n")
    assert wide_lines(snippet) == [f"wide.py:2: 84 columns: x = {'1' * 56}…"]


def test_a_printed_response_may_be_wide_but_its_other_lines_may_not(tmp_path):
    """The site wraps a snippet's JSON inside its box; a line of text around it is not JSON."""
    printed = tmp_path / "wide.sh.out"
    printed.write_text('{\n    "Uri": "/' + "x" * 90 + '"\n}\n')
    assert wide_lines(printed) == []
    printed.write_text(printed.read_text() + "y" * 81 + "\n")
    assert wide_lines(printed) == [f"wide.sh.out: 81 columns: {'y' * 60}…"]


#: Chapters known to print aligned columns, each to become a Table and then taken off this list
#: (the webhooks chapter's callback fields were the last).
KNOWN_ALIGNED: set[str] = set()
#: Two or more spaces between words: columns lined up by hand.
ALIGNED = re.compile(r"\S {2,}\S")


def aligned_lines(path: Path) -> list[str]:
    """The printed lines (stream outputs) of a notebook that line up columns with spaces."""
    notebook = nbformat.read(path, as_version=4)
    return [
        f"{path.name}, cell {index}: {line.strip()[:60]}"
        for index, cell in enumerate(notebook.cells)
        for output in cell.get("outputs", [])
        if output.output_type == "stream"
        for line in output.text.splitlines()
        if ALIGNED.search(line)
    ]


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if shown(p) not in KNOWN_ALIGNED], ids=shown)
def test_no_chapter_prints_aligned_columns(path):
    aligned = aligned_lines(path)
    assert not aligned, (
        "Columns lined up with spaces lose their alignment on a phone; return a "
        "helpers.book.tables.Table instead:\n" + "\n".join(aligned)
    )


@pytest.mark.parametrize("name", sorted(KNOWN_ALIGNED))
def test_a_chapter_known_to_print_aligned_columns_still_does(name):
    assert aligned_lines(ROOT / name), (
        f"{name} prints no aligned columns now: take it off KNOWN_ALIGNED."
    )
