"""Sphinx: a notebook cell tagged ``solution`` is hidden behind "Show the solution".

Before myst-nb reads a notebook, each ``solution`` cell gets the ``hide-cell`` tag and the
toggle's labels (see :mod:`helpers.book.exercises`), so a chapter needs nothing but the tag.
"""

from __future__ import annotations

import json

from helpers.book.exercises import is_solution, site_metadata


def dress_solutions(app, docname: str, source: list[str]) -> None:
    if not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    notebook = json.loads(source[0])
    solutions = [cell for cell in notebook.get("cells", []) if is_solution(cell)]
    if not solutions:
        return
    for cell in solutions:
        site_metadata(cell)
    source[0] = json.dumps(notebook, ensure_ascii=False)


def setup(app):
    app.connect("source-read", dress_solutions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
