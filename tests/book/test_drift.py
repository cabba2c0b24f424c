"""The committed recordings are what the sandbox answers now, and every one is still used.

Read from the session's whole-book build (tests/support/builds.py): its playback kernels report
what they replayed and where the in-process sandbox, which sees every request, now answers
otherwise (helpers/book/drift.py). No chapter runs again for it.
"""

from __future__ import annotations

import json

import pytest

from helpers.book import Chapter
from helpers.book.cassette import Cassette
from helpers.book.drift import drift, unused
from helpers.book.modes import CASSETTES_VAR, MODE_VAR
from helpers.book.runtime import REPORT_VAR, report_lines
from tests.support.book_paths import CASSETTES, NOTEBOOKS

SMS = 'exotel.send_sms("EXOTEL", "09820000000", "Your OTP is 123456")'


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_recordings_are_what_the_sandbox_answers_now(notebook, built_book):
    assert built_book.returncode == 0, built_book.log
    lines = report_lines(built_book.report)
    assert any(line["chapter"] == notebook.stem for line in lines), (
        f"the build replayed nothing of {notebook.stem}"
    )
    changed = drift(notebook.stem, lines)
    if changed is not None:
        pytest.fail(changed, pytrace=False)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_recording_is_replayed_by_its_chapter(notebook, built_book):
    cassette = Cassette.load(CASSETTES / f"{notebook.stem}.json", notebook.stem)
    left = unused(cassette, report_lines(built_book.report))
    if left:
        pytest.fail(
            f"cassettes/{notebook.stem}.json holds recordings no cell sends:\n  "
            + "\n  ".join(left)
            + "\nRecord the chapter again to drop them: make cassettes",
            pytrace=False,
        )


def sms_cell(root, mode: str, **env: str) -> Chapter:
    """One cell that sends an SMS, recorded or played back from ``root``."""
    chapter = Chapter("sms", env={MODE_VAR: mode, CASSETTES_VAR: str(root), **env})
    chapter.runtime.begin_cell(SMS)
    with chapter.client() as exotel:
        exotel.send_sms("EXOTEL", "09820000000", "Your OTP is 123456")
    chapter.runtime.end_cell()
    return chapter


def test_a_sandbox_changed_then_restored_fails_with_a_readable_diff_and_the_command(tmp_path):
    """Recorded while the sandbox answered another detailed status, then the sandbox put back:
    the recording no longer matches, and the message shows the one field and the fix."""
    sms_cell(tmp_path, "record")
    recording = tmp_path / "sms.json"
    assert "PENDING_TO_OPERATOR" in recording.read_text()
    recording.write_text(recording.read_text().replace("PENDING_TO_OPERATOR", "QUEUED"))
    report = tmp_path / "report.jsonl"
    sms_cell(tmp_path, "playback", **{REPORT_VAR: str(report)})

    message = drift("sms", report_lines(report))

    assert message is not None
    assert 'the cell `exotel.send_sms("EXOTEL", "09820000000", "Your OTP is 123456")`' in message
    changed = [line for line in message.splitlines() if line[:1] in "+-" and "Status" in line]
    assert changed == [
        '-        "DetailedStatus": "QUEUED"',
        '+        "DetailedStatus": "PENDING_TO_OPERATOR"',
    ]
    assert message.rstrip().endswith("(every chapter: make cassettes)")
    assert "helpers.book.rerecord record book/sms.ipynb" in message


def test_an_unchanged_sandbox_reports_no_drift(tmp_path):
    sms_cell(tmp_path, "record")
    report = tmp_path / "report.jsonl"
    sms_cell(tmp_path, "playback", **{REPORT_VAR: str(report)})
    lines = report_lines(report)
    assert [line["replayed"] for line in lines] == [[0]]
    assert drift("sms", lines) is None


def test_a_recording_no_cell_sends_is_named(tmp_path):
    sms_cell(tmp_path, "record")
    cassette = Cassette.load(tmp_path / "sms.json", "sms")
    assert unused(cassette, []) == [
        f"the cell `{SMS}` ({next(iter(cassette.cells))}): no cell sends its requests now"
    ]
    data = json.loads((tmp_path / "sms.json").read_text())
    assert data["cells"][0]["code"] == SMS
