"""Notebooks saved as the book commits them, whoever saves them.

JupyterLab changes a notebook on its own when it saves it: the kernelspec's display name becomes
the local kernel's ("Python 3 (ipykernel)"), ``language_info`` the local Python's, and each
cell's view state (``collapsed``, ``scrolled``, ``jupyter.outputs_hidden``) follows what was
opened on screen, so a solution cell loses the ``outputs_hidden`` that collapses it. None of it is
content; all of it makes a diff, and a ``git pull`` conflict at the end of a workshop day.

:func:`normalize` puts those back: the book's kernelspec, ``language_info`` and each cell's view
state as they were (on disk, or as committed; a new cell has none), and every solution cell
collapsed (:func:`helpers.book.exercises.collapse`). It runs

- in JupyterLab, as jupyter_server's ``pre_save_hook`` (:func:`pre_save_hook`; ``make lab`` and
  ``make workshop`` set it), so saving a chapter leaves it as committed;
- before each commit, as a pre-commit hook (``python -m helpers.book.notebook_format FILE...``),
  for notebooks saved elsewhere.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import nbformat

from .exercises import COLLAPSED, is_solution

#: The kernelspec every chapter is committed with.
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
#: Cell metadata a front end writes for what is shown on screen.
VIEW_STATE = ("collapsed", "scrolled", "jupyter")
#: The setting that makes JupyterLab run :func:`pre_save_hook` (``make lab``, ``make workshop``).
HOOK_OPTION = "--ContentsManager.pre_save_hook=helpers.book.notebook_format.pre_save_hook"


def normalize(
    nb: MutableMapping[str, Any], reference: MutableMapping[str, Any] | None = None
) -> MutableMapping[str, Any]:
    """Undo, in place, what a front end changes on its own; ``reference`` is the notebook as it
    was (its ``language_info`` and its cells' view state, by cell id, are kept). Returns ``nb``."""
    metadata = nb.setdefault("metadata", {})
    if metadata.get("kernelspec", {}).get("name") == KERNELSPEC["name"]:
        metadata["kernelspec"] = dict(KERNELSPEC)
    if reference is not None and "language_info" in reference.get("metadata", {}):
        metadata["language_info"] = copy.deepcopy(reference["metadata"]["language_info"])
    before = {
        cell.get("id"): cell.get("metadata", {})
        for cell in (reference or {}).get("cells", [])
        if cell.get("id")
    }
    for cell in nb.get("cells", []):
        cell_metadata = cell.setdefault("metadata", {})
        was = {} if is_solution(cell) else before.get(cell.get("id"), {})
        for key in VIEW_STATE:
            cell_metadata.pop(key, None)
            if key in was:
                cell_metadata[key] = copy.deepcopy(was[key])
        if is_solution(cell):
            cell_metadata["jupyter"] = dict(COLLAPSED)
    return nb


def pre_save_hook(model: dict, path: str, contents_manager: Any, **kwargs: Any) -> None:
    """jupyter_server's ``ContentsManager.pre_save_hook``: a notebook is saved normalised,
    keeping the ``language_info`` of the file it replaces."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    reference = None
    try:
        on_disk = Path(contents_manager._get_os_path(path))
        reference = json.loads(on_disk.read_text(encoding="utf-8"))
    except (AttributeError, OSError, ValueError):
        pass  # a new notebook, or a contents manager without files
    normalize(model["content"], reference)


def committed(path: Path) -> dict | None:
    """``path`` as the last commit has it; None outside git or for a new file."""
    try:
        shown = subprocess.run(
            ["git", "show", f"HEAD:./{path.name}"],
            cwd=path.parent,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if shown.returncode != 0:
        return None
    try:
        return json.loads(shown.stdout)
    except ValueError:
        return None


def normalize_file(path: Path) -> bool:
    """Rewrite ``path`` normalised against its last commit; True if it changed."""
    before = path.read_text(encoding="utf-8")
    nb = nbformat.reads(before, as_version=4)
    normalize(nb, committed(path))
    after = nbformat.writes(nb) + "\n"
    if after == before:
        return False
    path.write_text(after, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    """The pre-commit hook: exit 1 naming each notebook it rewrote (add them again), else 0."""
    changed = [p for p in map(Path, sys.argv[1:] if argv is None else argv) if normalize_file(p)]
    for path in changed:
        print(
            f"{path}: restored the metadata JupyterLab changes on its own (kernelspec, "
            "language_info, collapsed solutions); `git add` it again."
        )
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
