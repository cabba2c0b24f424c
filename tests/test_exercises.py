"""Every chapter ends with exercises whose solutions are hidden, run with the book, and check
their own answers. (That a failing solution fails the build: tests/test_book_build.py.)"""

from __future__ import annotations

import nbformat
import pytest
from book_paths import NOTEBOOKS

CHAPTERS = NOTEBOOKS


def exercises(notebook) -> list:
    """The cells from the ``## Exercises`` heading to the end of the notebook."""
    cells = nbformat.read(notebook, as_version=4).cells
    starts = [
        i
        for i, cell in enumerate(cells)
        if cell.cell_type == "markdown" and "## Exercises" in cell.source.splitlines()
    ]
    return cells[starts[0] :] if starts else []


def solutions(notebook) -> list:
    return [c for c in exercises(notebook) if "solution" in c.metadata.get("tags", [])]


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_ends_with_one_or_two_exercises(notebook):
    headings = [
        c for c in exercises(notebook) if c.cell_type == "markdown" and "### Exercise" in c.source
    ]
    assert 1 <= len(headings) <= 2
    assert len(solutions(notebook)) == len(headings)


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_solutions_are_hidden_in_the_site_and_in_jupyterlab(notebook):
    for cell in solutions(notebook):
        assert "hide-cell" in cell.metadata["tags"]
        assert cell.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_solutions_check_their_answer_and_may_not_fail(notebook):
    for cell in solutions(notebook):
        assert "assert " in cell.source
        assert "raises-exception" not in cell.metadata["tags"]
        assert [o for o in cell.outputs if o.output_type == "error"] == []
