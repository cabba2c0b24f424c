"""Playback never touches the network: every socket connection and DNS look-up is refused and logged."""

from __future__ import annotations

import textwrap

import nbformat
import pytest
from book_paths import NOTEBOOKS, playback_env
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

GUARD = textwrap.dedent(
    '''
    """Loaded by the kernel (PYTHONPATH): refuse and log every Internet socket and DNS look-up."""
    import os
    import socket

    _LOG = os.environ["HANDBOOK_SOCKET_LOG"]
    _connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo


    def _refuse(what):
        with open(_LOG, "a") as log:
            log.write(f"{what}\\n")
        raise OSError(f"network disabled by the offline test: {what}")


    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _refuse(f"connect {address}")
        return _connect(self, address)


    def connect_ex(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _refuse(f"connect_ex {address}")
        return _connect_ex(self, address)


    def getaddrinfo(host, *args, **kwargs):
        _refuse(f"getaddrinfo {host}")


    socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo
    '''
)


@pytest.fixture
def guarded_kernel(tmp_path, monkeypatch):
    """Kernels started in this test load the guard; returns the log of refused attempts."""
    (tmp_path / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "sockets.log"
    for name, value in playback_env(PYTHONPATH=str(tmp_path), HANDBOOK_SOCKET_LOG=str(log)).items():
        monkeypatch.setenv(name, value)
    return log


def run(nb, folder):
    NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(folder)}},
    ).execute()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_playback_opens_no_network_connection(notebook, guarded_kernel):
    run(nbformat.read(notebook, as_version=4), notebook.parent)
    assert not guarded_kernel.exists() or guarded_kernel.read_text() == ""


def test_the_guard_catches_a_real_request(guarded_kernel, tmp_path):
    nb = new_notebook(
        cells=[
            new_code_cell(
                "import httpx\ntry:\n    httpx.get('https://api.exotel.com/')\nexcept Exception:\n    pass"
            )
        ]
    )
    run(nb, tmp_path)
    assert "api.exotel.com" in guarded_kernel.read_text()
