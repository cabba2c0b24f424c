"""The book build's kernels use IPC sockets: no "running over TCP without encryption" warning."""

from __future__ import annotations

import importlib.util

import nbformat
from book_paths import ROOT
from jupyter_cache.executors import utils

spec = importlib.util.spec_from_file_location("ipc_kernels", ROOT / "_ext" / "ipc_kernels.py")
ipc_kernels = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ipc_kernels)


def test_a_notebook_run_as_the_book_build_runs_it_gets_no_tcp_warning(capfd, monkeypatch, tmp_path):
    monkeypatch.setattr(utils, "executenb", utils.executenb)  # put back after the test
    ipc_kernels.setup(None)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    result = utils.single_nb_execution(notebook, cwd=str(tmp_path), timeout=60, allow_errors=False)
    assert result.err is None
    assert notebook.cells[0].outputs[0].text == "42\n"
    assert "without encryption" not in capfd.readouterr().err
