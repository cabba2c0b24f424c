"""Playback never touches the network: every socket connection and DNS look-up is refused and logged.

The session's whole-book build (tests/support/builds.py) runs every chapter with tests/support/network_guard.py
loaded into each kernel; its log must stay empty.
"""

from __future__ import annotations

from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from tests.support.book_paths import playback_env
from tests.support.notebook_runs import guarded


def test_playback_opens_no_network_connection(built_book):
    assert built_book.returncode == 0, built_book.log
    refused = "\n".join(built_book.refused)
    assert not refused, f"a chapter's kernel reached for the network in playback:\n{refused}"


def test_the_guard_catches_a_real_request(tmp_path, monkeypatch):
    env, log = guarded(tmp_path)
    for name, value in playback_env(**env).items():
        monkeypatch.setenv(name, value)
    nb = new_notebook(
        cells=[
            new_code_cell(
                "import httpx\ntry:\n    httpx.get('https://api.exotel.com/')\nexcept Exception:\n    pass"
            )
        ]
    )
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    assert "api.exotel.com" in log.read_text()
