"""The book's order, kept in three places that must agree: ``_toc.yml``, the intro's "What the
book covers" table, and each chapter's "What's next?", whose first link is the page after it.

:func:`problems` says what disagrees, each with the line to add; :func:`add_chapter` (run by
``make chapter``) puts a new chapter in all three, so the book agrees before anyone edits it.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import yaml

COVERS = "## What the book covers"
NEXT = "## What's next?"
#: What ``make chapter`` writes where the contributor still has to say something.
COVERS_PLACEHOLDER = "say what a reader will learn here"
NEXT_PLACEHOLDER = "say in a line why to read it next."
LINK = re.compile(r"\[[^\]]+\]\(([^)#\s]+)[^)]*\)")


def toc_entries(root: Path) -> list[str]:
    """Every page ``_toc.yml`` names, root first (``book/intro`` style, no suffix)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    entries = [toc["root"]]
    for part in toc.get("parts", []):
        entries += [chapter["file"] for chapter in part["chapters"]]
    return entries


def page_path(root: Path, entry: str) -> Path:
    """The file behind a toc entry: its notebook, or else its Markdown page."""
    notebook = root / f"{entry}.ipynb"
    return notebook if notebook.exists() else root / f"{entry}.md"


def link(root: Path, entry: str) -> str:
    """How a page in ``book/`` links to ``entry``: ``authentication.ipynb``."""
    return page_path(root, entry).name


def title(path: Path) -> str:
    """A page's ``# Title``; its file name where it has none."""
    text = (
        "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
        if path.suffix == ".ipynb" and path.exists()
        else (path.read_text() if path.exists() else "")
    )
    return next(
        (line[2:].strip() for line in text.splitlines() if line.startswith("# ")), path.stem
    )


def covers_cell(intro: Path) -> tuple[nbformat.NotebookNode, nbformat.NotebookNode]:
    """The intro notebook and its cell holding the "What the book covers" table."""
    nb = nbformat.read(intro, as_version=4)
    return nb, next(c for c in nb.cells if c.cell_type == "markdown" and COVERS in c.source)


def covers_links(intro: Path) -> list[str]:
    """The pages the table's rows link to, in order (``authentication.ipynb``)."""
    _, cell = covers_cell(intro)
    rows = [line for line in cell.source.splitlines() if line.startswith("| [")]
    return [LINK.search(row)[1] for row in rows]


def _next_span(lines: list[str]) -> tuple[int, int] | None:
    """Where the text under "What's next?" starts and ends in a cell's lines; None if absent."""
    if NEXT not in lines:
        return None
    start = lines.index(NEXT) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("#")), len(lines))
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return start, end


def next_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode | None:
    return next(
        (c for c in nb.cells if c.cell_type == "markdown" and _next_span(c.source.splitlines())),
        None,
    )


def whats_next(path: Path) -> str | None:
    """The text under a notebook's "What's next?" heading; None if it has none."""
    if path.suffix != ".ipynb" or not path.exists():
        return None
    cell = next_cell(nbformat.read(path, as_version=4))
    if cell is None:
        return None
    lines = cell.source.splitlines()
    start, end = _next_span(lines)
    return "\n".join(lines[start:end])


def problems(root: Path) -> list[str]:
    """What in ``root`` disagrees with ``_toc.yml``, each with what to add; [] when all agree."""
    entries = toc_entries(root)
    intro = page_path(root, entries[0])
    listed = covers_links(intro)
    found = []
    for previous, entry in zip(entries, entries[1:], strict=False):
        target = link(root, entry)
        if target not in listed:
            after = (
                f"after the row of {link(root, previous)}"
                if link(root, previous) in listed
                else "where it belongs"
            )
            found.append(
                f'{entries[0]}.ipynb\'s "What the book covers" table has no row for {entry}: add '
                f"`| [{title(page_path(root, entry))}]({target}) | {COVERS_PLACEHOLDER} |` {after}."
            )
    pages = {link(root, entry) for entry in entries[1:]}
    for target in listed:
        if target not in pages:
            found.append(
                f'{entries[0]}.ipynb\'s "What the book covers" table links to {target}, which '
                f"_toc.yml does not list: remove its row, or add `- file: book/{Path(target).stem}` "
                "to _toc.yml."
            )
    for entry, following in zip(entries, entries[1:], strict=False):
        text = whats_next(page_path(root, entry))
        if text is None:
            continue
        first = LINK.search(text)
        target = link(root, following)
        if first is None or first[1] != target:
            linked = f"it links to {first[1]} first" if first else "it links to nothing"
            found.append(
                f"{entry}.ipynb's \"What's next?\" must start with a link to the page after it in "
                f"_toc.yml, {following} ({linked}): begin it with "
                f"`[{title(page_path(root, following))}]({target}): {NEXT_PLACEHOLDER}`"
            )
    return found


def _set_next(cell: nbformat.NotebookNode, text: str) -> str:
    """Replace the text under "What's next?" in ``cell``; returns the text it had."""
    lines = cell.source.splitlines()
    start, end = _next_span(lines)
    old = "\n".join(lines[start:end])
    cell.source = _joined([*lines[:start], *text.splitlines(), *lines[end:]], cell.source)
    return old


def _joined(lines: list[str], was: str) -> str:
    """``lines`` as a cell's source, ending in a newline where the old source did."""
    return "\n".join(lines) + ("\n" if was.endswith("\n") else "")


def add_chapter(root: Path, name: str) -> list[str]:
    """Put ``book/<name>`` (already in ``_toc.yml``) into the intro's table and the chain of
    "What's next?": the page before it now points to it, and it points where that page did.
    Returns what it changed, one line each, to print."""
    entries = toc_entries(root)
    entry = f"book/{name}"
    position = entries.index(entry)
    path = page_path(root, entry)
    new_title = title(path)
    changed = []

    intro = page_path(root, entries[0])
    if entry != entries[0]:
        nb, cell = covers_cell(intro)
        lines = cell.source.splitlines()
        rows = [i for i, line in enumerate(lines) if line.startswith("| [")]
        before = link(root, entries[position - 1])
        at = next((i for i in rows if LINK.search(lines[i])[1] == before), rows[-1]) + 1
        lines.insert(at, f"| [{new_title}]({path.name}) | {COVERS_PLACEHOLDER} |")
        cell.source = _joined(lines, cell.source)
        nbformat.write(nb, intro)
        changed.append(
            f'{intro.relative_to(root)}: a row for it in "What the book covers" '
            f"(replace '{COVERS_PLACEHOLDER}')"
        )

    following = entries[position + 1] if position + 1 < len(entries) else None
    onward = (
        f"[{title(page_path(root, following))}]({link(root, following)}): {NEXT_PLACEHOLDER}"
        if following
        else None
    )
    previous = page_path(root, entries[position - 1]) if position else None
    if previous is not None and whats_next(previous) is not None:
        nb = nbformat.read(previous, as_version=4)
        old = _set_next(next_cell(nb), f"[{new_title}]({path.name}): {NEXT_PLACEHOLDER}")
        nbformat.write(nb, previous)
        changed.append(
            f'{previous.relative_to(root)}: its "What\'s next?" now points to {entry} '
            "(its old text moved to the new chapter's)"
        )
        first = LINK.search(old)
        if following and first and first[1] == link(root, following):
            onward = old
    nb = nbformat.read(path, as_version=4)
    cell = next_cell(nb)
    if cell is not None and onward:
        _set_next(cell, onward)
        nbformat.write(nb, path)
    return changed
