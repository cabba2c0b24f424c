"""Sphinx: inline code of at most :data:`SHORT` characters is marked ``short``.

On a phone, inline code broke wherever the browser could: ``make workshop`` at its space,
``in-progress`` and ``package-lock.json`` at their hyphens, so one command read as two.
``_static/layout.css`` keeps ``short`` code on one line; longer code (addresses, signatures) must
still wrap, or the page would be wider than the phone. tests/site checks both at 390 px.
"""

from __future__ import annotations

from docutils import nodes

#: What fits a 320 px phone's line in the book's code face, even indented as an API entry is.
SHORT = 24


def mark_short_code(app, doctree, docname) -> None:
    for literal in doctree.findall(nodes.literal):
        if len(literal.astext()) <= SHORT:
            literal["classes"].append("short")


def setup(app):
    app.connect("doctree-resolved", mark_short_code)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
