"""`python -m helpers.book.rerecord record`: a chapter's recordings change only when the whole
chapter recorded, recording again changes nothing, and a failure says what went wrong first.

Each test runs a one-cell chapter in a temporary folder, against a temporary recordings folder; the
live run uses made-up credentials and a closed port on 127.0.0.1, so nothing leaves this machine.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from helpers.book.modes import CASSETTES_VAR, MODE_VAR
from helpers.credentials import KEY_VAR, SID_VAR, TOKEN_VAR
from tests.support.book_paths import ROOT, playback_env
from tests.support.ports import free_port

MADE_UP = {KEY_VAR: "madeupkey-0000", TOKEN_VAR: "madeuptoken-0000", SID_VAR: "madeupsid"}


def scratch_chapter(folder: Path, port: int) -> Path:
    """A chapter whose one cell lists the calls on 127.0.0.1:``port`` (live), or from the
    in-process sandbox (record mode)."""
    source = textwrap.dedent(
        f"""\
        from helpers.book import Chapter, Mode
        from helpers.regions import loopback

        chapter = Chapter("scratch")
        region = None
        if chapter.mode is Mode.LIVE:
            region = loopback("http://127.0.0.1:{port}")
        print(len(chapter.client(region=region).list_calls()["Calls"]))
        """
    )
    nb = new_notebook(cells=[new_code_cell(source)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / "scratch.ipynb"
    nbformat.write(nb, path)
    return path


def rerecord(notebook: Path, cassettes: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "helpers.book.rerecord", "record", str(notebook)],
        cwd=ROOT,
        env=playback_env(**{CASSETTES_VAR: str(cassettes)}, **env),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """The scratch chapter recorded from the sandbox: (notebook, cassettes, the run)."""
    folder = tmp_path_factory.mktemp("chapter")
    notebook, cassettes = scratch_chapter(folder, free_port()), folder / "cassettes"
    return notebook, cassettes, rerecord(notebook, cassettes, **{MODE_VAR: "sandbox"})


def test_a_recorded_chapter_has_its_recordings_and_its_outputs(recorded):
    notebook, cassettes, run = recorded
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in cassettes.iterdir()) == ["scratch.json"]
    outputs = nbformat.read(notebook, as_version=4).cells[0].outputs
    assert outputs[0]["text"].strip().isdigit()


def test_recording_prints_no_kernel_transport_warning(recorded):
    run = recorded[2]
    assert "without encryption" not in run.stdout + run.stderr


def test_recording_again_changes_no_byte(recorded):
    """`make cassettes` twice in a row leaves `git status` clean."""
    notebook, cassettes, _ = recorded
    before = {p: p.read_bytes() for p in [notebook, *cassettes.rglob("*")] if p.is_file()}
    again = rerecord(notebook, cassettes)
    assert again.returncode == 0, again.stderr
    assert {p: p.read_bytes() for p in [notebook, *cassettes.rglob("*")] if p.is_file()} == before


@pytest.fixture(scope="module")
def failed_live_run(recorded):
    """The recorded chapter run again live, with made-up credentials, against a closed port."""
    notebook, cassettes, _ = recorded
    before = {p: p.read_bytes() for p in [notebook, *cassettes.rglob("*")] if p.is_file()}
    run = rerecord(notebook, cassettes, **{MODE_VAR: "live"}, **MADE_UP)
    return before, run


def test_a_failed_live_run_leaves_the_recordings_and_the_notebook_as_they_were(
    recorded, failed_live_run
):
    notebook, cassettes, _ = recorded
    before, run = failed_live_run
    assert run.returncode == 1
    after = {p: p.read_bytes() for p in [notebook, *cassettes.rglob("*")] if p.is_file()}
    assert after == before


def test_a_failed_live_run_says_first_that_the_network_failed(failed_live_run):
    lines = failed_live_run[1].stderr.strip().splitlines()
    assert lines[0].startswith("error: NetworkError: ")
    assert "Check your network" in lines[0]
    assert "(mode: live)" in lines[1]
    assert len(lines) <= 5, lines


def test_a_failed_run_names_the_command_for_that_chapter_alone(failed_live_run):
    stderr = failed_live_run[1].stderr
    assert "EXOTEL_HANDBOOK_MODE=live .venv/bin/python -m helpers.book.rerecord record" in stderr
    assert "scratch.ipynb" in stderr


def test_a_copy_jupyterlab_made_is_skipped_with_a_one_line_note(tmp_path, capsys):
    from helpers.book import rerecord

    book = tmp_path / "book"
    book.mkdir()
    copy = scratch_chapter(book, free_port()).rename(book / "scratch-Copy1.ipynb")
    before = copy.read_bytes()
    assert rerecord.main(["record", str(copy)], env={}) == 0
    assert capsys.readouterr().err.splitlines() == [
        "note: skipped book/scratch-Copy1.ipynb: a copy JupyterLab made (-Copy in its name), "
        "not a chapter; delete it when you are done with it"
    ]
    assert copy.read_bytes() == before
    assert sorted(p.name for p in book.iterdir()) == ["scratch-Copy1.ipynb"]


def test_make_cassettes_records_every_chapter_but_the_copies(tmp_path):
    from helpers.book.rerecord import chapters

    for name in ("intro", "intro-Copy1", "intro-Copy12", "webhooks"):
        (tmp_path / f"{name}.ipynb").write_text("{}")
    assert [p.stem for p in chapters(tmp_path)] == ["intro", "webhooks"]
