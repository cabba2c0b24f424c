"""Saving a chapter in JupyterLab leaves it as committed, and a notebook saved elsewhere is put
back by the pre-commit hook: the kernelspec's display name, ``language_info`` and the collapsed
solutions (helpers/book/notebook_format.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import nbformat
import pytest
import yaml

from helpers.book.exercises import is_solution
from helpers.book.notebook_format import HOOK_OPTION, normalize, pre_save_hook
from helpers.book.workshop import lab_command
from tests.support.book_paths import BOOK, NOTEBOOKS, ROOT
from tests.support.ports import free_port

CHAPTER = BOOK / "regions.ipynb"


def as_jupyterlab_saves(content: dict) -> dict:
    """What JupyterLab 4 sends back for a chapter it opened, ran and saved: its own kernel's
    display name and Python, and each cell's view state as shown (a solution opened to read it
    loses ``collapsed`` and with it ``outputs_hidden``; an output scrolled gets ``scrolled``)."""
    content = json.loads(json.dumps(content))
    content["metadata"]["kernelspec"]["display_name"] = "Python 3 (ipykernel)"
    content["metadata"]["language_info"]["version"] = "3.12.3"
    solutions = [cell for cell in content["cells"] if is_solution(cell)]
    assert solutions, "the chapter has a solution cell to open"
    solutions[0]["metadata"]["jupyter"] = {"source_hidden": True}
    for cell in solutions[1:]:
        cell["metadata"]["collapsed"] = True
    code = next(cell for cell in content["cells"] if cell["cell_type"] == "code")
    code["metadata"]["scrolled"] = False
    return content


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_committed_chapter_is_already_in_normal_form(notebook):
    text = notebook.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    assert nbformat.writes(normalize(nb, nbformat.reads(text, as_version=4))) + "\n" == text


def save_in_jupyter_server(folder: Path, hook) -> bytes:
    """Open the chapter in jupyter_server's contents manager (what JupyterLab's file browser
    uses), change it as JupyterLab does, save it through the same manager; the bytes saved."""
    from jupyter_server.services.contents.filemanager import FileContentsManager

    shutil.copy2(CHAPTER, folder / CHAPTER.name)
    manager = FileContentsManager(root_dir=str(folder))
    if hook is not None:
        manager.register_pre_save_hook(hook)
    opened = manager.get(CHAPTER.name, content=True, type="notebook")
    content = as_jupyterlab_saves(json.loads(json.dumps(opened["content"])))
    manager.save({"type": "notebook", "format": "json", "content": content}, CHAPTER.name)
    return (folder / CHAPTER.name).read_bytes()


def test_saving_a_chapter_as_jupyterlab_does_leaves_it_as_committed(tmp_path):
    assert save_in_jupyter_server(tmp_path, pre_save_hook) == CHAPTER.read_bytes()


def test_without_the_hook_the_same_save_changes_the_chapter(tmp_path):
    """The test above can fail: the same save, with no hook, dirties the file."""
    saved = save_in_jupyter_server(tmp_path, None).decode()
    assert saved != CHAPTER.read_text(encoding="utf-8")
    assert '"display_name": "Python 3 (ipykernel)"' in saved


def test_jupyterlab_is_started_with_the_hook():
    assert HOOK_OPTION in lab_command(8888, "t", euid=1000)
    make_lab = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True)
    assert HOOK_OPTION in make_lab.stdout


# -- the pre-commit hook, for notebooks saved elsewhere ----------------------------------------


@pytest.fixture
def repository(tmp_path) -> Path:
    """A git repository whose last commit holds the chapter as the book commits it."""
    shutil.copy2(CHAPTER, tmp_path / CHAPTER.name)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    for command in (["init", "-q"], ["add", "."], ["commit", "-qm", "chapter"]):
        subprocess.run([*git, *command], cwd=tmp_path, check=True, capture_output=True)
    return tmp_path


def run_hook(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "helpers.book.notebook_format", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_pre_commit_hook_restores_what_jupyterlab_changed_and_says_so(repository):
    path = repository / CHAPTER.name
    saved = as_jupyterlab_saves(json.loads(path.read_text(encoding="utf-8")))
    nbformat.write(nbformat.from_dict(saved), path)
    assert path.read_bytes() != CHAPTER.read_bytes()

    first = run_hook(path)
    assert first.returncode == 1, first.stderr
    assert "restored the metadata JupyterLab changes on its own" in first.stdout
    assert path.read_bytes() == CHAPTER.read_bytes()
    assert run_hook(path).returncode == 0  # and nothing more to do


def test_the_pre_commit_hook_keeps_real_changes(repository):
    path = repository / CHAPTER.name
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source += "\nA new sentence."
    nbformat.write(nb, path)
    assert run_hook(path).returncode == 0
    assert "A new sentence." in path.read_text(encoding="utf-8")


def test_pre_commit_runs_the_hook_on_notebooks():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    hook = hooks["notebook-format"]
    assert hook["entry"].endswith("-m helpers.book.notebook_format")
    assert hook["types"] == ["jupyter"]


def test_a_chapter_saved_through_jupyter_servers_api_with_the_workshops_option_is_unchanged(
    tmp_path,
):
    """The save JupyterLab makes (a PUT of the whole notebook to /api/contents), to a Jupyter
    server started with the option `make lab` and `make workshop` give it."""
    shutil.copy2(CHAPTER, tmp_path / CHAPTER.name)
    port, token = free_port(), "handbook-test-token"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={tmp_path}",
            f"--IdentityProvider.token={token}",
            HOOK_OPTION,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api/contents/{CHAPTER.name}"
    headers = {"Authorization": f"token {token}"}
    try:
        deadline = time.monotonic() + 60
        while True:  # polling with a deadline for the server to answer, not timing anything
            assert server.poll() is None, server.stderr.read()
            try:
                opened = httpx.get(url, headers=headers, timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the Jupyter server did not answer in 60 s"
                time.sleep(0.1)
        assert opened.status_code == 200, opened.text
        content = as_jupyterlab_saves(opened.json()["content"])
        saved = httpx.put(
            url,
            headers=headers,
            json={"type": "notebook", "format": "json", "content": content},
            timeout=30,
        )
        assert saved.status_code == 200, saved.text
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert (tmp_path / CHAPTER.name).read_bytes() == CHAPTER.read_bytes()


def test_view_state_a_chapter_commits_on_purpose_is_kept_and_a_new_cells_is_dropped():
    reference = nbformat.read(CHAPTER, as_version=4)
    setup = next(cell for cell in reference.cells if cell.cell_type == "code")
    setup.metadata["jupyter"] = {"source_hidden": True}
    saved = as_jupyterlab_saves(json.loads(nbformat.writes(reference)))
    saved_setup = next(cell for cell in saved["cells"] if cell["id"] == setup.id)
    saved_setup["metadata"].pop("jupyter", None)  # shown on screen, then saved
    saved["cells"].append(
        {
            "cell_type": "code",
            "id": "new-cell",
            "metadata": {"collapsed": True},
            "source": "",
            "outputs": [],
            "execution_count": None,
        }
    )
    normalize(saved, reference)
    kept = next(cell for cell in saved["cells"] if cell["id"] == setup.id)
    assert kept["metadata"]["jupyter"] == {"source_hidden": True}
    assert saved["cells"][-1]["metadata"] == {}
