"""What people do to a chapter in playback leaves the repository as it was.

For each chapter, one kernel (as JupyterLab would start it, with a leftover ``EXOTEL_REGION`` and
key in its environment) runs every cell top to bottom, then every cell again from the bottom up
(cells out of order, each run twice, many failing part-way), is interrupted in the middle of a
cell, and runs an edited request. Not one file under ``cassettes/`` or ``book/`` may change, so the
chapter's next plain run is the one the notebook regression checks; the top-to-bottom run under
the leftover settings must pass, and the edited request must be answered by the sandbox, saying so.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from helpers.book.modes import CASSETTES_VAR, MODE_VAR
from helpers.book.outcomes import NOT_RECORDED
from helpers.book.rerecord import kernel_config
from helpers.credentials import KEY_VAR, REGION_VAR
from tests.support.book_paths import BOOK, CASSETTES, NOTEBOOKS

RAISES = "raises-exception"
SENDS = ("chapter.client(", "chapter.http(")


def snapshot() -> dict[Path, tuple[bytes, int]]:
    files = [p for folder in (BOOK, CASSETTES) for p in folder.rglob("*") if p.is_file()]
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}


def text_of(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        parts.append(str(output.get("data", {}).get("text/plain", "")))
        parts.append(output.get("ename", "") + ": " + output.get("evalue", ""))
    return "".join(parts)


def press_stop(kernel: int, started: Path) -> None:
    """SIGINT to the kernel (JupyterLab's stop button) once the cell writes to the pipe
    ``started``: a signal that came before the cell ran would be ignored, as ipykernel ignores
    it between cells."""
    with open(started) as pipe:
        pipe.read()
    os.kill(kernel, signal.SIGINT)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_what_people_do_in_playback_changes_no_file(notebook, monkeypatch, tmp_path):
    monkeypatch.setenv(MODE_VAR, "playback")
    monkeypatch.setenv(REGION_VAR, "mumbai")  # left over from another project
    monkeypatch.setenv(KEY_VAR, "left-over-key")
    monkeypatch.delenv(CASSETTES_VAR, raising=False)
    before = snapshot()
    nb = nbformat.read(notebook, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    client = NotebookClient(
        nb,
        config=kernel_config(),
        kernel_name="python3",
        timeout=120,
        allow_errors=True,
        resources={"metadata": {"path": str(BOOK)}},
    )
    with client.setup_kernel():
        for index, cell in enumerate(code):  # top to bottom, as the build runs it
            client.execute_cell(cell, index)
            failed = [o for o in cell.outputs if o.output_type == "error"]
            if RAISES not in cell.metadata.get("tags", []):
                assert not failed, f"{notebook.stem}, cell {index}: {failed[0]['evalue']}"
        for index, cell in reversed(list(enumerate(code))):  # again, bottom up
            client.execute_cell(nbformat.from_dict(dict(cell)), index)

        sender = next(c for c in code if any(s in c.source for s in SENDS))
        # The stop button, pressed once the cell's requests went out and it waits for more.
        started = tmp_path / "started"
        os.mkfifo(started)
        stop = nbformat.v4.new_code_cell(
            f"import pathlib, time\n\n{sender.source}\n"
            f"pathlib.Path({str(started)!r}).write_text('sent')\ntime.sleep(60)"
        )
        pressing = (client.km.provisioner.pid, started)
        threading.Thread(target=press_stop, args=pressing, daemon=True).start()
        client.execute_cell(stop, len(code))
        assert "KeyboardInterrupt" in text_of(stop)

        edited = nbformat.v4.new_code_cell(sender.source + "\n# edited by a reader")
        client.execute_cell(edited, len(code) + 1)
        assert NOT_RECORDED in text_of(edited)

    after = snapshot()
    assert (
        sorted(str(p) for p in before.keys() | after.keys() if before.get(p) != after.get(p)) == []
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_code_cell_names_a_cassette(notebook):
    cells = nbformat.read(notebook, as_version=4).cells
    naming = [
        c.source.splitlines()[0]
        for c in cells
        if c.cell_type == "code" and "cassette" in c.source.lower()
    ]
    assert naming == []
