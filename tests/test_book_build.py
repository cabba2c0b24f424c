"""The book builds with Sphinx warnings as errors, and any unexpected cell error fails it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from book_paths import ROOT, playback_env, toc_files
from nbformat.v4 import new_code_cell, new_markdown_cell

JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
BUILD = [str(JUPYTER_BOOK), "build", ".", "--warningiserror", "--nitpick", "--keep-going"]
NO_NETWORK = ["unshare", "--net", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]

pytestmark = pytest.mark.build


def copy_book(dst: Path) -> Path:
    """The book's sources in ``dst``; the kernels still find cassettes through ``helpers``."""
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(ROOT / name, dst / name)
    shutil.copytree(ROOT / "book", dst / "book")
    return dst


def build(src: Path, prefix: list[str] = ()) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*prefix, *BUILD], cwd=src, env=playback_env(), capture_output=True, text=True, timeout=600
    )


def append_cell(notebook: Path, cell) -> None:
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(cell)
    nbformat.write(nb, notebook)


def html(src: Path, page: str) -> str:
    return (src / "_build" / "html" / f"{page}.html").read_text()


def test_book_builds_with_every_chapter_executed(tmp_path):
    src = copy_book(tmp_path)
    result = build(src)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for page in toc_files():
        assert (src / "_build" / "html" / f"{page}.html").exists(), page
    assert "answered by: sandbox" in html(src, "book/intro")
    assert "RateLimitError: 429" in html(src, "book/authentication")
    assert "401: Authentication failed" in html(src, "book/regions")


def test_an_unexpected_cell_error_fails_the_build(tmp_path):
    src = copy_book(tmp_path)
    append_cell(src / "book" / "intro.ipynb", new_code_cell("1 / 0"))
    result = build(src)
    assert result.returncode != 0
    assert "ZeroDivisionError" in result.stdout + result.stderr


def test_a_cell_tagged_raises_exception_may_fail(tmp_path):
    src = copy_book(tmp_path)
    append_cell(
        src / "book" / "intro.ipynb",
        new_code_cell("1 / 0", metadata={"tags": ["raises-exception"]}),
    )
    result = build(src)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "ZeroDivisionError" in html(src, "book/intro")


def test_a_sphinx_warning_fails_the_build(tmp_path):
    src = copy_book(tmp_path)
    append_cell(
        src / "book" / "intro.ipynb", new_markdown_cell("See [a missing page](missing.md).")
    )
    result = build(src)
    assert result.returncode != 0
    assert "cross-reference target not found: 'missing.md'" in result.stdout + result.stderr


def test_a_cell_writing_to_stderr_fails_the_build(tmp_path):
    src = copy_book(tmp_path)
    append_cell(
        src / "book" / "intro.ipynb", new_code_cell("import sys\nprint('oops', file=sys.stderr)")
    )
    result = build(src)
    assert result.returncode != 0
    assert "stderr was found in the cell outputs" in result.stdout + result.stderr


def network_can_be_cut() -> bool:
    try:
        return (
            subprocess.run([*NO_NETWORK, "true"], capture_output=True, timeout=30).returncode == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.skipif(
    not network_can_be_cut(),
    reason="cannot create a network namespace here (needs unshare and root)",
)
def test_book_builds_with_the_network_cut_off(tmp_path):
    src = copy_book(tmp_path)
    result = build(src, NO_NETWORK)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "answered by: sandbox" in html(src, "book/intro")
