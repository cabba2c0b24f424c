"""The book builds with Sphinx warnings as errors, and any unexpected cell error fails it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from book_build import BUILD, build, copy_book
from book_paths import CASSETTES, ROOT, toc_files
from nbformat.v4 import new_code_cell, new_markdown_cell

NO_NETWORK = ["unshare", "--net", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]

pytestmark = pytest.mark.build


def append_cell(notebook: Path, cell) -> None:
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(cell)
    nbformat.write(nb, notebook)


def html(src: Path, page: str) -> str:
    return (src / "_build" / "html" / f"{page}.html").read_text()


def test_book_builds_with_every_chapter_executed(built_book):
    src = built_book.src
    assert built_book.returncode == 0, built_book.log
    for page in toc_files():
        assert (src / "_build" / "html" / f"{page}.html").exists(), page
    assert "answered by: sandbox" in html(src, "book/intro")
    assert "RateLimitError: 429" in html(src, "book/authentication")
    assert "401: Authentication failed" in html(src, "book/regions")
    assert "helpers.book.chapter.Chapter" in html(src, "book/api_reference")


def test_the_make_book_recipe_builds_as_the_tests_do():
    recipe = next(
        line for line in (ROOT / "Makefile").read_text().splitlines() if "$(JB) build" in line
    )
    assert recipe.split("$(JB) ")[1].split() == BUILD[1:]


def test_a_second_build_in_the_same_folder_shows_a_changed_cassette(tmp_path):
    """Sphinx rebuilds only changed sources; a cassette change must still reach the page."""
    (tmp_path / "book").mkdir()
    src, cassettes = copy_book(tmp_path / "book"), tmp_path / "cassettes"
    shutil.copytree(CASSETTES, cassettes)
    assert build(src, EXOTEL_HANDBOOK_CASSETTES=str(cassettes)).returncode == 0
    recording = cassettes / "regions" / "wrong-region.yaml"
    recording.write_text(recording.read_text().replace("Authentication failed", "Go away"))
    result = build(src, EXOTEL_HANDBOOK_CASSETTES=str(cassettes))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "401: Go away" in html(src, "book/regions")


def test_an_unexpected_cell_error_fails_the_build(tmp_path):
    src = copy_book(tmp_path)
    append_cell(src / "book" / "intro.ipynb", new_code_cell("1 / 0"))
    result = build(src)
    assert result.returncode != 0
    assert "ZeroDivisionError" in result.stdout + result.stderr


def test_an_exercise_solution_that_fails_its_check_fails_the_build(tmp_path):
    src = copy_book(tmp_path)
    notebook = src / "book" / "intro.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    solution = next(c for c in nb.cells if "solution" in c.metadata.get("tags", []))
    solution.source += "\nassert False, 'this solution is wrong'"
    nbformat.write(nb, notebook)
    result = build(src)
    assert result.returncode != 0
    assert "this solution is wrong" in result.stdout + result.stderr


def test_a_cell_tagged_raises_exception_may_fail(tmp_path):
    src = copy_book(tmp_path)
    append_cell(
        src / "book" / "intro.ipynb",
        new_code_cell("1 / 0", metadata={"tags": ["raises-exception"]}),
    )
    result = build(src)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "ZeroDivisionError" in html(src, "book/intro")


def test_a_broken_internal_link_fails_the_build(tmp_path):
    """Each kind of internal link: to a page, to a heading, and to an API reference entry."""
    src = copy_book(tmp_path)
    append_cell(
        src / "book" / "intro.ipynb",
        new_markdown_cell(
            "See [a missing page](missing.md), [a missing heading](#no-such-heading) and "
            "{py:class}`helpers.NoSuchClass`."
        ),
    )
    result = build(src)
    assert result.returncode != 0
    log = result.stdout + result.stderr
    assert "cross-reference target not found: 'missing.md'" in log
    assert "'no-such-heading'" in log
    assert "py:class reference target not found: helpers.NoSuchClass" in log


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
