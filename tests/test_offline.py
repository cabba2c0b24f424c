"""Playback never touches the network: every socket connection and DNS look-up is refused and logged.

Each notebook runs once per session for this test and the regression test alike (the ``replay``
fixture in tests/conftest.py), with tests/network_guard.py loaded into its kernel.
"""

from __future__ import annotations

import pytest
from book_paths import NOTEBOOKS, playback_env
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook
from notebook_runs import guarded


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_playback_opens_no_network_connection(notebook, replay):
    assert replay(notebook).refused == []


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
