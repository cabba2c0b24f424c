"""Adding a chapter works the first time: every page is in the table of contents, and a chapter
written by `make chapter` records, replays unchanged and builds, with its solution behind a
"Show the solution" toggle, before anyone edits it.

The scaffolded chapter lives in a copy of the book under tmp_path, with its own cassette folder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from helpers.book import contents
from helpers.book.modes import CASSETTES_VAR
from helpers.book.paths import copy_note, is_copy
from helpers.book.rerecord import copy_book_sources
from helpers.book.scaffold import add_to_toc, notebook, scaffold
from helpers.errors import ConfigurationError
from tests.support.book_build import build, one_page_book
from tests.support.book_paths import BOOK, ROOT, playback_env, toc_pages
from tests.support.notebook_runs import difference, executed_notebook

NAME = "probe_chapter"
PAGES = sorted([*BOOK.glob("*.ipynb"), *BOOK.glob("*.md")])


def not_in_toc(page: Path, listed: list[str]) -> str | None:
    """What to do about a page missing from _toc.yml; None if it is listed."""
    entry = f"book/{page.stem}"
    if entry in listed:
        return None
    return (
        f"book/{page.name} is not in _toc.yml, so the book leaves it out without a word. Add "
        f"`- file: {entry}` to the `chapters:` of a part in _toc.yml, or to the `sections:` of a "
        "chapter (`make chapter` does this for a new chapter)."
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_page_in_book_is_in_the_table_of_contents(page):
    if is_copy(page):
        pytest.skip(copy_note(page))
    problem = not_in_toc(page, toc_pages())
    assert problem is None, problem


def test_a_copy_jupyterlab_made_is_skipped_with_a_note_and_a_page_is_not(tmp_path):
    copy, page = tmp_path / "book" / "intro-Copy1.ipynb", tmp_path / "book" / "call_logs.ipynb"
    assert is_copy(copy) and not is_copy(page)
    assert copy_note(copy).startswith("skipped book/intro-Copy1.ipynb: a copy JupyterLab made")
    assert "Add `- file: book/call_logs` to the `chapters:`" in not_in_toc(page, ["book/intro"])


def test_make_chapter_runs_the_scaffold_with_the_name_and_title():
    dry_run = subprocess.run(
        ["make", "-n", "chapter", "NAME=call_logs", "TITLE=Call logs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert '-m helpers.book.scaffold "call_logs" --title "Call logs"' in dry_run.stdout


def test_a_chapter_without_a_name_is_refused_with_the_command_to_type(tmp_path):
    with pytest.raises(ConfigurationError, match="make chapter NAME=my_chapter"):
        scaffold("", root=tmp_path)


def test_a_name_that_cannot_be_a_file_name_is_refused_with_the_rule(tmp_path):
    with pytest.raises(ConfigurationError, match="lower-case letters, digits and underscores"):
        scaffold("Call-Logs", root=tmp_path)


def test_an_existing_chapter_is_never_overwritten(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "regions.ipynb").write_text("{}")
    with pytest.raises(ConfigurationError, match="already exists"):
        scaffold("regions", root=tmp_path)
    assert (tmp_path / "book" / "regions.ipynb").read_text() == "{}"


# -- a scaffolded chapter, recorded ------------------------------------------------------------


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """`make chapter NAME=probe_chapter`'s command, in a copy of the book: (root, cassettes, run)."""
    root = copy_book_sources(tmp_path_factory.mktemp("repository"))
    cassettes = root / "cassettes"
    run = subprocess.run(
        [sys.executable, "-m", "helpers.book.scaffold", NAME, "--root", str(root)],
        cwd=ROOT,
        env=playback_env(**{CASSETTES_VAR: str(cassettes)}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    return root, cassettes, run


def headings(path: Path) -> list[str]:
    cells = nbformat.read(path, as_version=4).cells
    return [
        line
        for cell in cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("#")
    ]


def test_scaffolding_succeeds_and_says_how_to_record_again(scaffolded):
    run = scaffolded[2]
    assert run.returncode == 0, run.stderr
    assert f"rerecord record book/{NAME}.ipynb" in run.stdout


def around(root: Path, name: str) -> tuple[str, str]:
    """The pages before and after ``book/<name>`` in ``root``'s _toc.yml."""
    entries = contents.toc_entries(root)
    at = entries.index(f"book/{name}")
    return entries[at - 1], entries[at + 1]


def test_the_scaffold_says_what_it_changed_in_other_pages(scaffolded):
    root, _, run = scaffolded
    before, _ = around(root, NAME)
    assert 'book/intro.ipynb: a row for it in "What the book covers"' in run.stdout
    assert f'{before}.ipynb: its "What\'s next?" now points to book/{NAME}' in run.stdout


def test_the_scaffold_leaves_the_intro_and_the_whats_next_chain_in_order(scaffolded):
    root = scaffolded[0]
    before, after = around(root, NAME)
    assert contents.problems(root) == []
    assert f"{NAME}.ipynb" in contents.covers_links(root / "book" / "intro.ipynb")
    assert contents.whats_next(root / f"{before}.ipynb").startswith(
        f"[Probe chapter]({NAME}.ipynb): "
    )
    # The new chapter points where the page before it did, in that page's own words.
    assert contents.whats_next(root / "book" / f"{NAME}.ipynb") == contents.whats_next(
        ROOT / f"{before}.ipynb"
    )
    assert contents.LINK.search(contents.whats_next(root / "book" / f"{NAME}.ipynb"))[1] == (
        contents.link(root, after)
    )


def test_a_chapter_added_by_hand_is_named_with_the_row_and_link_to_add(tmp_path):
    """What the tests say to someone who skips `make chapter`: the exact lines to add."""
    root = copy_book_sources(tmp_path)
    nbformat.write(notebook("call_logs", "Call logs"), root / "book" / "call_logs.ipynb")
    add_to_toc(root / "_toc.yml", "call_logs")
    before, after = around(root, "call_logs")
    linked = contents.LINK.search(contents.whats_next(root / f"{before}.ipynb"))[1]
    after_title = contents.title(contents.page_path(root, after))
    assert contents.problems(root) == [
        'book/intro.ipynb\'s "What the book covers" table has no row for book/call_logs: add '
        "`| [Call logs](call_logs.ipynb) | say what a reader will learn here |` after the row of "
        f"{contents.link(root, before)}.",
        f"{before}.ipynb's \"What's next?\" must start with a link to the page after it in "
        f"_toc.yml, book/call_logs (it links to {linked} first): begin it with "
        "`[Call logs](call_logs.ipynb): say in a line why to read it next.`",
        "book/call_logs.ipynb's \"What's next?\" must start with a link to the page after it in "
        f"_toc.yml, {after} (it links to nothing): begin it with "
        f"`[{after_title}]({contents.link(root, after)}): say in a line why to read it next.`",
    ]


def test_a_row_for_a_page_the_toc_does_not_list_is_named(tmp_path):
    root = copy_book_sources(tmp_path)
    toc = root / "_toc.yml"
    toc.write_text(toc.read_text().replace("      - file: book/security_faq\n", ""))
    found = contents.problems(root)
    assert (
        'book/intro.ipynb\'s "What the book covers" table links to security_faq.ipynb, which '
        "_toc.yml does not list: remove its row, or add `- file: book/security_faq` to _toc.yml."
    ) in found


def test_the_scaffold_has_the_skeleton_the_readme_describes(scaffolded):
    found = headings(scaffolded[0] / "book" / f"{NAME}.ipynb")
    assert found[0] == "# Probe chapter"
    skeleton = ["## Overview", "## Prerequisites", "## Summary", "## What's next?"]
    skeleton += ["## Resources", "## Exercises", "### Exercise 1: one call per page"]
    assert [h for h in found if h in skeleton] == skeleton


def test_the_scaffold_is_added_to_the_table_of_contents(scaffolded):
    toc = yaml.safe_load((scaffolded[0] / "_toc.yml").read_text())
    files = [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]]
    assert f"book/{NAME}" in files


def test_the_scaffold_records_its_own_requests(scaffolded):
    _, cassettes, _ = scaffolded
    assert sorted(p.name for p in cassettes.iterdir()) == [f"{NAME}.json"]


def test_the_scaffold_passes_the_notebook_lint(scaffolded):
    notebook = scaffolded[0] / "book" / f"{NAME}.ipynb"
    ruff = Path(sys.executable).with_name("ruff")
    config = ["--config", str(BOOK / "ruff.toml")]
    for command in (["check", *config], ["format", "--check", *config]):
        run = subprocess.run([ruff, *command, notebook], capture_output=True, text=True)
        assert run.returncode == 0, run.stdout + run.stderr


def pages_linked(notebook: Path) -> tuple[str, ...]:
    """The other pages of the book a notebook's Markdown links to (``curl_exercises.md``)."""
    cells = nbformat.read(notebook, as_version=4).cells
    targets = {
        target
        for cell in cells
        if cell.cell_type == "markdown"
        for target in contents.LINK.findall(cell.source)
        if "://" not in target and target.endswith((".md", ".ipynb")) and target != notebook.name
    }
    return tuple(sorted(targets))


@pytest.fixture(scope="module")
def scaffold_build(scaffolded, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The scaffolded chapter built alone, as a one-page book with the handbook's configuration,
    playing back its own cassettes: (source folder, build)."""
    root, cassettes, _ = scaffolded
    notebook = root / "book" / f"{NAME}.ipynb"
    src = one_page_book(
        tmp_path_factory.mktemp("one-chapter"),
        f"book/{NAME}",
        root=root,
        linked=pages_linked(notebook),
    )
    shutil.copy2(root / "book" / f"{NAME}.ipynb", src / "book")
    return src, build(src, **{CASSETTES_VAR: str(cassettes)})


@pytest.mark.build
def test_the_scaffold_builds_with_its_solution_behind_a_solution_toggle(scaffold_build):
    src, result = scaffold_build
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    page = (src / "_build" / "html" / "book" / f"{NAME}.html").read_text()
    assert "Show the solution" in page
    assert "Show code cell content" not in page


@pytest.mark.build
def test_the_scaffold_replays_its_committed_outputs_unchanged(scaffolded, scaffold_build):
    """The build's run of the chapter (from its cassettes) prints what `make chapter` committed."""
    src, result = scaffold_build
    assert result.returncode == 0, result.stdout[-3000:]
    notebook = scaffolded[0] / "book" / f"{NAME}.ipynb"
    changed = difference(notebook, executed_notebook(src, notebook))
    assert changed is None, changed
