"""Sphinx: solutions hidden behind "Show the solution", the same on every page.

- In a chapter, a notebook cell tagged ``solution`` gets the ``hide-cell`` tag and the toggle's
  labels before myst-nb reads the notebook (see :mod:`helpers.book.exercises`), so a chapter
  needs nothing but the tag.
- The Markdown pages (book/curl_exercises.md) have no cells. There ``:::{solution}`` wraps its
  content in the node myst-nb uses for a hidden cell, with the same labels, so both pages show one
  kind of toggle (an ``admonition`` dropdown looked like something else)::

      :::{solution}
      The answer, in Markdown.
      :::
"""

from __future__ import annotations

import json

from docutils import nodes
from myst_nb.sphinx_ import HideCodeCellNode
from sphinx.util.docutils import SphinxDirective

from helpers.book.exercises import PROMPTS, is_solution, site_metadata

#: The labels of a chapter's solution toggle.
SHOW = PROMPTS["code_prompt_show"]
HIDE = PROMPTS["code_prompt_hide"]


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


class Solution(SphinxDirective):
    has_content = True

    def run(self) -> list[nodes.Node]:
        hidden = HideCodeCellNode(prompt_show=SHOW, prompt_hide=HIDE)
        hidden["classes"].append("above-input")
        self.state.nested_parse(self.content, self.content_offset, hidden)
        return [nodes.container("", hidden, classes=["cell", "solution"])]


def setup(app):
    app.connect("source-read", dress_solutions)
    app.add_directive("solution", Solution)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
