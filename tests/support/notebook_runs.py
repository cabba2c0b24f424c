"""Running notebooks for the tests: in playback, compared with their committed outputs, with
every Internet connection refused and logged.

The session's whole-book build (tests/support/builds.py) executes every chapter with the network guard
loaded, and myst-nb keeps each executed notebook in ``_build/jupyter_execute``: the regression
compares those with the committed notebooks (pytest-notebook's diff), and the offline test reads
the guard's log, so each chapter runs once for the build, the regression and the offline guard.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
from pytest_notebook.diffing import diff_notebooks, diff_to_string, filter_diff
from pytest_notebook.post_processors import load_processor

from helpers.book.exercises import is_solution, site_metadata
from helpers.book.paths import ROOT

# Only volatile metadata is ignored: the kernel's exact Python version.
DIFF_IGNORE = ("/metadata/language_info",)
GUARD = Path(__file__).with_name("network_guard.py")


def difference(committed: Path, executed: Path) -> str | None:
    """How ``executed`` (a book build's run of ``committed``) differs from it, as pytest-notebook's
    check prints it, ignoring :data:`DIFF_IGNORE`; None where they agree. As in the build, cells
    tagged ``solution`` are dressed (_ext/solutions.py); as pytest-notebook's check does, each
    cell's prints are joined into one stream, which a busy kernel flushes in several messages."""
    before = nbformat.read(committed, as_version=4)
    for cell in filter(is_solution, before.cells):
        site_metadata(cell)
    after, _ = load_processor("coalesce_streams")(nbformat.read(executed, as_version=4), {})
    diff = filter_diff(diff_notebooks(before, after), set(DIFF_IGNORE))
    if not diff:
        return None
    text = name_cells(diff_to_string(before, diff, use_color=False), before)
    return f"{text}\n{accept_command(committed)}"


#: A heading line of pytest-notebook's diff: ``## modified /cells/23/outputs/0/text:``.
DIFF_HEADING = re.compile(r"^(## \w+ /cells/(\d+)\S*?)(:?)$", re.MULTILINE)


def cell_label(nb: nbformat.NotebookNode, index: int) -> str:
    """``cell "cell-18" under "## Summary"``: the cell's id and the last heading above it."""
    if index >= len(nb.cells):
        return "a cell the committed notebook does not have"
    heading = next(
        (
            line.strip()
            for cell in reversed(nb.cells[: index + 1])
            if cell.cell_type == "markdown"
            for line in reversed(cell.source.splitlines())
            if line.startswith("#")
        ),
        "the top of the notebook",
    )
    return f'cell "{nb.cells[index].get("id", index)}" under "{heading}"'


def name_cells(diff: str, nb: nbformat.NotebookNode) -> str:
    """Each ``/cells/N`` heading of ``diff`` followed by the cell's id and section."""
    return DIFF_HEADING.sub(
        lambda m: f"{m[1]} ({cell_label(nb, int(m[2]))}){m[3]}",
        diff,
    )


def accept_command(notebook: Path) -> str:
    """What to run when the change is intended."""
    try:
        shown = notebook.resolve().relative_to(ROOT)
    except ValueError:
        shown = notebook
    return (
        f"If this change is intended, accept it: `.venv/bin/python -m helpers.book.rerecord "
        f"refresh {shown}` saves what the chapter prints now from its cassettes (`record` "
        "instead of `refresh` if it now sends other requests); then commit the notebook."
    )


def executed_notebook(build: Path, notebook: Path) -> Path:
    """Where a book build in ``build`` keeps its run of ``book/<notebook>`` (myst-nb's copy)."""
    return build / "_build" / "jupyter_execute" / notebook.parent.name / notebook.name


def guarded(folder: Path) -> tuple[dict[str, str], Path]:
    """Variables that make a kernel load the network guard, and the log it writes refusals to."""
    shutil.copy(GUARD, folder / "sitecustomize.py")
    log = folder / "sockets.log"
    return {"PYTHONPATH": str(folder), "HANDBOOK_SOCKET_LOG": str(log)}, log
