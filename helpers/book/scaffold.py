"""``make chapter NAME=<name>``: a new chapter with the skeleton every chapter shares.

``python -m helpers.book.scaffold <name>`` writes ``book/<name>.ipynb`` (title, Overview with
numbered goals, Prerequisites table, a hidden set-up cell, a first section that sends one request,
Summary, What's next?, Resources, and Exercises with a solution), adds it to ``_toc.yml``, to the
intro's table and to the chain of "What's next?" (:mod:`helpers.book.contents`), then records it
from the sandbox, so the new chapter builds, replays and passes every test before a word of it is
changed. Replace the text in each cell, then record again with the command it prints.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from ..errors import ConfigurationError
from .contents import add_chapter
from .exercises import SOLUTION_TAG
from .modes import Mode, cassette_path, record_command
from .paths import ROOT

NAME = re.compile(r"[a-z][a-z0-9_]*")


def cells(name: str, title: str) -> list:
    md, code = new_markdown_cell, new_code_cell
    return [
        md(
            f"# {title}\n"
            "\n"
            "## Overview\n"
            "\n"
            "Say in a sentence or two what this chapter is for. In this chapter you will:\n"
            "\n"
            "1. The first thing a reader will be able to do.\n"
            "2. The second.\n"
            "\n"
            "## Prerequisites\n"
            "\n"
            "| Concept | Importance |\n"
            "|---|---|\n"
            "| Authentication: the key and token in the header | Necessary |\n"
            "| Python, and HTTP requests with httpx | Helpful |\n"
            "\n"
            "---"
        ),
        code(
            f'from helpers.book import Chapter\n\nchapter = Chapter("{name}")\n'
            "print(chapter.describe())",
            metadata={"tags": ["hide-input"]},
        ),
        md(
            "The set-up cell above (folded away on the site, shown in JupyterLab) imports what the "
            "chapter uses and says where this run's answers come from: its recordings, the "
            "sandbox, or your account."
        ),
        md(
            "---\n"
            "\n"
            "## A first request\n"
            "\n"
            "Explain what the next cell does and why, then let it do one thing. In playback, the "
            "chapter answers it from the recording of this cell, made by `make cassettes`."
        ),
        code(
            "calls = chapter.client().list_calls(PageSize=5)\n"
            'print(len(calls["Calls"]), "calls on this page")'
        ),
        md(
            "---\n"
            "\n"
            "## Summary\n"
            "\n"
            "- One line for each thing the reader can now do.\n"
            "\n"
            "## What's next?\n"
            "\n"
            "The chapter to read next, and why.\n"
            "\n"
            "## Resources\n"
            "\n"
            "- The Exotel page behind each claim, by its title and address."
        ),
        md(
            "---\n"
            "\n"
            "## Exercises\n"
            "\n"
            "Try each one in a new cell before opening the solution. The solutions run with the "
            "book, and each ends with an `assert` that checks its answer."
        ),
        md(
            "### Exercise 1: one call per page\n"
            "\n"
            "Ask for the calls one per page. How many calls does the first page hold?"
        ),
        code(
            'page = chapter.client().list_calls(PageSize=1)\n\nassert len(page["Calls"]) <= 1',
            metadata={"tags": [SOLUTION_TAG]},
        ),
    ]


def notebook(name: str, title: str) -> nbformat.NotebookNode:
    nb = new_notebook(cells=cells(name, title))
    for number, cell in enumerate(nb.cells):
        cell.id = f"cell-{number:02d}"  # stable ids, as the other chapters have
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return nb


def add_to_toc(toc: Path, name: str) -> str:
    """Add ``book/<name>`` as the last chapter of the last numbered part; returns that part's
    caption. Edits the text, so the file's comments and layout stay as they are."""
    entry = f"book/{name}"
    parts = yaml.safe_load(toc.read_text()).get("parts") or []
    numbered = [i for i, part in enumerate(parts) if part.get("numbered")] or list(
        range(len(parts))
    )
    if not numbered:
        raise ConfigurationError(
            f"{toc} has no parts to add {entry} to; add `- file: {entry}` by hand."
        )
    target = numbered[-1]
    lines = toc.read_text().splitlines(keepends=True)
    part, last = -1, None
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("- caption:"):
            part += 1
        elif part == target and stripped.startswith("- file:"):
            last = index
    if last is None:
        raise ConfigurationError(
            f"{toc}: cannot find the chapters of part {target + 1}; add `- file: {entry}` by hand."
        )
    indent = lines[last][: len(lines[last]) - len(lines[last].lstrip())]
    lines.insert(last + 1, f"{indent}- file: {entry}\n")
    toc.write_text("".join(lines))
    files = [c["file"] for p in yaml.safe_load(toc.read_text())["parts"] for c in p["chapters"]]
    if entry not in files:  # pragma: no cover - the layout above is what _toc.yml uses
        raise ConfigurationError(f"could not add {entry} to {toc}; add `- file: {entry}` by hand.")
    return parts[target].get("caption", f"part {target + 1}")


def scaffold(name: str, title: str | None = None, root: Path = ROOT) -> tuple[Path, list[str]]:
    """Write ``book/<name>.ipynb`` under ``root``, add it to ``root/_toc.yml``, the intro's table
    and the chain of "What's next?"; returns its path and what else changed, a line each."""
    if not name:
        raise ConfigurationError("name the chapter: make chapter NAME=my_chapter")
    if not NAME.fullmatch(name):
        raise ConfigurationError(
            f"{name!r} cannot name a chapter: use lower-case letters, digits and underscores, "
            "starting with a letter (it becomes book/<name>.ipynb and cassettes/<name>.json)."
        )
    path = root / "book" / f"{name}.ipynb"
    if path.exists():
        raise ConfigurationError(f"{path.relative_to(root)} already exists; choose another NAME.")
    if cassette_path(name).exists():
        raise ConfigurationError(
            f"cassettes/{name}.json already holds recordings of another chapter; choose another "
            "NAME."
        )
    nbformat.write(notebook(name, title or name.replace("_", " ").capitalize()), path)
    add_to_toc(root / "_toc.yml", name)
    return path, add_chapter(root, name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.book.scaffold", description=__doc__)
    parser.add_argument("name", nargs="?", default="", help="book/<name>.ipynb, e.g. call_logs")
    parser.add_argument("--title", help="the chapter's title (default: from the name)")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    parser.add_argument(
        "--no-record", action="store_true", help="write the notebook only, do not record it"
    )
    args = parser.parse_args(argv)
    try:
        path, changed = scaffold(args.name, args.title, args.root)
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    shown = path.relative_to(args.root)
    print(f"{shown}: written, and added to _toc.yml (move it to the part where it belongs).")
    for line in changed:
        print(line)
    if not args.no_record:
        from .errors import RecordingError
        from .rerecord import record

        try:
            record([path], Mode.RECORD)
        except RecordingError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    print(
        "Next: replace the text in each cell, then record it again with\n"
        f"  {record_command(args.name)}\n"
        f"and commit the notebook with cassettes/{args.name}.json."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
