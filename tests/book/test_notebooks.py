"""Notebook regression: each chapter, re-run in playback, must print what is committed.

The run is the session's whole-book build (tests/support/builds.py): ``make book`` executes every
chapter from its cassettes, and its executed copy is compared with the committed notebook by
pytest-notebook's diff. A chapter that drifts fails here with that diff, even where the build
itself succeeded."""

from __future__ import annotations

import re

import nbformat
import pytest

from helpers.book.modes import CASSETTES_VAR, Mode
from helpers.book.rerecord import execute
from tests.support.book_paths import BOOK, CASSETTES, NOTEBOOKS
from tests.support.notebook_runs import difference


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_replays_its_committed_outputs(notebook, built_book):
    executed = built_book.executed(notebook)
    assert executed.exists(), f"the book build did not run {notebook.name}:\n{built_book.log}"
    changed = difference(notebook, executed)
    if changed is not None:
        pytest.fail(changed, pytrace=False)


def test_a_changed_recording_fails_the_regression_with_a_readable_diff(tmp_path):
    cassettes = tmp_path / "cassettes"
    cassettes.mkdir()
    recording = (CASSETTES / "regions.json").read_text()
    assert recording.count("Authentication failed") == 1  # the wrong region's answer
    (cassettes / "regions.json").write_text(recording.replace("Authentication failed", "Go away"))
    notebook = BOOK / "regions.ipynb"
    executed = tmp_path / notebook.name
    run = execute(notebook, Mode.PLAYBACK, env={CASSETTES_VAR: str(cassettes)})
    nbformat.write(run, executed)

    diff = difference(notebook, executed)

    assert (
        "-api.in.exotel.com  401     Authentication failed. Check your API key and token." in diff
    )
    assert "+api.in.exotel.com  401     Go away. Check your API key and token." in diff
    # The cell by its id and section, not only /cells/N, and the command that accepts the change.
    assert re.search(
        r'## modified /cells/\d+/outputs/\S+ \(cell "[^"]+" under "## Calling the wrong region"\):',
        diff,
    ), diff
    assert diff.rstrip().endswith("then commit the notebook.")
    assert "`.venv/bin/python -m helpers.book.rerecord refresh book/regions.ipynb`" in diff
