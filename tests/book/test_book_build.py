"""The book builds with Sphinx warnings as errors, and any unexpected cell error fails it.

The whole book is built once per session (tests/support/builds.py), offline where the machine allows.
Each way a build fails, or must not, is proven on a one-page book with the project's own
configuration (tests/book_build.py); those builds start together when the tests are collected.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.book_build import BUILD, PROBE
from tests.support.book_paths import ROOT, toc_pages

pytestmark = pytest.mark.build


def html(src: Path, page: str) -> str:
    return (src / "_build" / "html" / f"{page}.html").read_text()


def test_book_builds_with_every_chapter_executed(built_book):
    assert built_book.returncode == 0, built_book.log
    for page in toc_pages():
        assert (built_book.html / f"{page}.html").exists(), page
    assert "answered by: sandbox" in html(built_book.src, "book/intro")
    assert "RateLimitError: 429" in html(built_book.src, "book/authentication")
    assert '<td class="status-refused">401</td><td>Authentication failed' in html(
        built_book.src, "book/regions"
    )
    assert "helpers.book.chapter.Chapter" in html(built_book.src, "book/api_machinery")


def test_no_kernel_of_the_build_warns_that_it_runs_over_tcp(built_book):
    """Its kernels talk over Unix sockets (_ext/ipc_kernels.py), so none prints ipykernel's
    "Kernel is running over TCP without encryption" (kernels write to the build's stderr)."""
    assert built_book.returncode == 0, built_book.log
    assert "without encryption" not in built_book.output


def test_book_builds_with_the_network_cut_off(built_book):
    if not built_book.offline:
        pytest.skip("cannot create a network namespace here (needs unshare and root)")
    assert built_book.returncode == 0, built_book.log
    assert "answered by: sandbox" in html(built_book.src, "book/intro")


def test_the_make_book_recipe_builds_as_the_tests_do():
    recipe = next(
        line for line in (ROOT / "Makefile").read_text().splitlines() if "$(JB) build" in line
    )
    assert recipe.split("$(JB) ")[1].split() == BUILD[1:]


def warnings_of(result) -> list[str]:
    """The warnings a build reports, which fail it: each alone would (BUILD has --warningiserror;
    with --keep-going Sphinx reports them all, writes every page, then fails)."""
    assert result.returncode != 0
    assert "build finished with problems" in result.stdout
    return [
        line.split("WARNING: ", 1)[1] for line in result.stdout.splitlines() if "WARNING: " in line
    ]


#: What the warnings probe (tests/book_build.py) is built to make its build report, and no more.
PROBE_WARNINGS = [
    "cross-reference target not found: 'missing.md'",
    "cross-reference target not found: 'no-such-heading'",
    "py:class reference target not found: helpers.NoSuchClass",
    "stderr was found in the cell outputs",
]


def test_a_probe_page_shows_a_recorded_answer(probe):
    """The probe page runs a chapter's machinery: helpers, a recording, the sandbox's answer."""
    src, _ = probe("warnings")
    assert "api.in.exotel.com 401: Authentication failed" in html(src, PROBE)


def test_a_cell_error_fails_the_build_even_in_an_exercise_solution(probe):
    """An exercise's hidden solution runs with the book, and its error fails the build: so does
    an error in any other cell that is not tagged ``raises-exception``."""
    _, result = probe("failing-solution")
    assert result.returncode != 0
    assert "CellExecutionError" in result.stdout
    assert "this solution is wrong" in result.stdout


def test_a_cell_tagged_raises_exception_may_fail(probe):
    """Its error is shown on the page, and the build neither stops nor warns for it: the build
    of its book reports that book's warnings, one for each, and nothing else."""
    src, result = probe("warnings")
    assert "ZeroDivisionError" in html(src, PROBE)
    assert "CellExecutionError" not in result.stdout
    reported = warnings_of(result)
    assert len(reported) == len(PROBE_WARNINGS), reported
    for expected in PROBE_WARNINGS:
        assert any(expected in line for line in reported), (expected, reported)


def test_a_broken_internal_link_fails_the_build(probe):
    """Each kind of internal link: to a page, to a heading, and to an API reference entry."""
    warnings = "\n".join(warnings_of(probe("warnings")[1]))
    assert "cross-reference target not found: 'missing.md'" in warnings
    assert "cross-reference target not found: 'no-such-heading'" in warnings
    assert "py:class reference target not found: helpers.NoSuchClass" in warnings


def test_a_cell_writing_to_stderr_fails_the_build(probe):
    warnings = "\n".join(warnings_of(probe("warnings")[1]))
    assert "stderr was found in the cell outputs" in warnings


def test_a_second_build_over_the_first_shows_a_changed_recording(probe):
    """Built again over its first build's output, a page shows what its changed recording says.
    (The second build runs in a copy, as other tests read the first. Both builds report the
    probe's warnings, as the first did, and write the page all the same.)"""
    src, first = probe("warnings")
    again = probe.copy("warnings")
    assert "401: Authentication failed" in html(again, PROBE)
    recording = probe.cassettes(again) / "probe.json"
    recording.write_text(recording.read_text().replace("Authentication failed", "Go away"))
    second = probe.rebuild(again)
    assert len(warnings_of(second)) == len(warnings_of(first)), second.stdout[-3000:]
    assert "401: Go away" in html(again, PROBE)
    assert "401: Go away" not in html(src, PROBE)
