"""Every chapter ends with exercises whose solutions are hidden, run with the book, and check
their own answers. (That a failing solution fails the build: tests/book/test_book_build.py; that a
cell tagged `solution` alone gets its toggle on the site: tests/book/test_adding_a_chapter.py.)"""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from helpers.book.exercises import COLLAPSED, collapse, site_metadata
from tests.support.book_paths import NOTEBOOKS

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


def shown(notebook) -> str:
    return f"book/{notebook.name}"


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_ends_with_one_or_two_exercises(notebook):
    headings = [
        c for c in exercises(notebook) if c.cell_type == "markdown" and "### Exercise" in c.source
    ]
    assert 1 <= len(headings) <= 2, (
        f"{shown(notebook)} has {len(headings)} exercises. End it with a markdown cell "
        "`## Exercises`, then one or two markdown cells `### Exercise N: ...`, each followed by "
        "its solution: a code cell tagged `solution` (README, Adding a chapter; "
        "`make chapter NAME=...` writes one)."
    )
    assert len(solutions(notebook)) == len(headings), (
        f"{shown(notebook)} has {len(headings)} exercises but {len(solutions(notebook))} "
        "solutions: tag each exercise's solution cell `solution`."
    )


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_solutions_are_collapsed_in_jupyterlab(notebook):
    for cell in solutions(notebook):
        assert cell.metadata.get("jupyter") == COLLAPSED, (
            f"A solution in {shown(notebook)} is not collapsed in JupyterLab. Run "
            f"`.venv/bin/python -m helpers.book.rerecord refresh {shown(notebook)}`, which adds "
            "its `jupyter` metadata."
        )


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_solutions_check_their_answer_and_may_not_fail(notebook):
    for cell in solutions(notebook):
        assert "assert " in cell.source, (
            f"A solution in {shown(notebook)} does not check its answer: end it with an `assert`."
        )
        assert "raises-exception" not in cell.metadata["tags"], (
            f"A solution in {shown(notebook)} is tagged `raises-exception`: a solution must run."
        )
        assert [o for o in cell.outputs if o.output_type == "error"] == []


def test_a_cell_tagged_solution_alone_is_hidden_behind_solution_toggles_on_the_site():
    cell = new_code_cell("assert True", metadata={"tags": ["solution"]})
    site_metadata(cell)
    assert cell.metadata["tags"] == ["solution", "hide-cell"]
    assert cell.metadata["mystnb"] == {
        "code_prompt_show": "Show the solution",
        "code_prompt_hide": "Hide the solution",
    }


def test_labels_a_chapter_sets_itself_are_kept():
    mystnb = {"code_prompt_show": "Peek", "code_prompt_hide": "Hide"}
    cell = new_code_cell("assert True", metadata={"tags": ["solution"], "mystnb": dict(mystnb)})
    site_metadata(cell)
    assert cell.metadata["mystnb"] == mystnb


def test_saving_a_notebook_collapses_its_solutions_and_nothing_else():
    nb = new_notebook(
        cells=[new_code_cell("1"), new_code_cell("assert 1", metadata={"tags": ["solution"]})]
    )
    assert collapse(nb) == 1
    assert "jupyter" not in nb.cells[0].metadata
    assert nb.cells[1].metadata["jupyter"] == COLLAPSED
