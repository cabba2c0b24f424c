"""Exercise solutions: a code cell tagged ``solution`` is all a chapter writes.

The rest follows from the tag, so a new chapter gets it right without hand-written metadata:

- on the site, ``_ext/solutions.py`` hides the cell behind a "Show the solution" toggle
  (:func:`site_metadata`, applied while the book builds);
- in JupyterLab, the cell is collapsed: ``python -m helpers.book.rerecord`` writes the
  ``jupyter`` metadata JupyterLab reads (:func:`collapse`) whenever it saves a notebook.
"""

from __future__ import annotations

from collections.abc import MutableMapping

SOLUTION_TAG = "solution"
HIDE_TAG = "hide-cell"
PROMPTS = {"code_prompt_show": "Show the solution", "code_prompt_hide": "Hide the solution"}
COLLAPSED = {"source_hidden": True, "outputs_hidden": True}


def is_solution(cell: MutableMapping) -> bool:
    return cell.get("cell_type") == "code" and SOLUTION_TAG in cell.get("metadata", {}).get(
        "tags", []
    )


def site_metadata(cell: MutableMapping) -> None:
    """Hide a solution cell on the site, behind toggles that say "solution" (myst-nb's own
    labels read "Show code cell content"). Labels a chapter sets itself are kept."""
    metadata = cell.setdefault("metadata", {})
    tags = metadata.setdefault("tags", [])
    if HIDE_TAG not in tags:
        tags.append(HIDE_TAG)
    prompts = metadata.setdefault("mystnb", {})
    for key, label in PROMPTS.items():
        prompts.setdefault(key, label)


def collapse(notebook: MutableMapping) -> int:
    """Collapse every solution cell in JupyterLab; returns how many cells changed."""
    changed = 0
    for cell in notebook.get("cells", []):
        if is_solution(cell) and cell.get("metadata", {}).get("jupyter") != COLLAPSED:
            cell["metadata"]["jupyter"] = dict(COLLAPSED)
            changed += 1
    return changed
