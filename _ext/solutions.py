"""Sphinx: a ``solution`` directive for the Markdown pages, shown like a chapter's solution cell.

In the chapters a solution is a code cell tagged ``hide-cell``, which MyST-NB renders as a
"Show the solution" toggle. The curl exercises (book/curl_exercises.md) have no cells, and an
``admonition`` dropdown looked like something else. This directive wraps its content in the same
node MyST-NB uses, with the same prompts, so both pages show one kind of toggle::

    :::{solution}
    The answer, in Markdown.
    :::
"""

from __future__ import annotations

from docutils import nodes
from myst_nb.sphinx_ import HideCodeCellNode
from sphinx.util.docutils import SphinxDirective

#: The prompts the chapters' solution cells set in their metadata (``code_prompt_show``/``_hide``).
SHOW = "Show the solution"
HIDE = "Hide the solution"


class Solution(SphinxDirective):
    has_content = True

    def run(self) -> list[nodes.Node]:
        hidden = HideCodeCellNode(prompt_show=SHOW, prompt_hide=HIDE)
        hidden["classes"].append("above-input")
        self.state.nested_parse(self.content, self.content_offset, hidden)
        return [nodes.container("", hidden, classes=["cell", "solution"])]


def setup(app):
    app.add_directive("solution", Solution)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
