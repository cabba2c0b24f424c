"""Sphinx: what a snippet printed reads as a response, beside the request that printed it.

A ``literalinclude`` of a snippet's output (``snippets/<chapter>/<name>.<ext>.out``) that holds
JSON is drawn by :func:`helpers.book.responses.printed_to_html`: pretty-printed, a long object's
``Sid``, ``Status`` or ``Message`` first and its other fields folded. Each snippet and its output
are wrapped in one ``div.exchange``, which ``_static/outputs.css`` lays out side by side on a wide
screen and one above the other on a phone. Only the HTML changes: the output file, and what the
tests compare, stay what the program printed.
"""

from __future__ import annotations

from pathlib import PurePath

from docutils import nodes
from sphinx.application import Sphinx

from helpers.book.responses import has_json, printed_to_html


def _snippet_source(node: nodes.Element) -> PurePath | None:
    source = node.get("source")
    if not source:
        return None
    path = PurePath(source)
    return path if "snippets" in path.parts else None


def _outermost(node: nodes.Element) -> nodes.Element:
    """The block a literalinclude made: its captioned wrapper, or the literal block itself."""
    parent = node.parent
    if isinstance(parent, nodes.container) and parent.get("literal_block"):
        return parent
    return node


def draw_responses(app: Sphinx, doctree: nodes.document) -> None:
    for block in list(doctree.findall(nodes.literal_block)):
        path = _snippet_source(block)
        if path is None or path.suffix != ".out":
            continue
        outer = _outermost(block)
        code = outer.previous_sibling()
        if isinstance(code, nodes.Element) and code.get("literal_block"):
            code_block = next(code.findall(nodes.literal_block), None)
        else:
            code_block = code if isinstance(code, nodes.literal_block) else None
        text = block.astext()
        if has_json(text):
            block.replace_self(
                nodes.raw(text, printed_to_html(text), format="html", classes=["response"])
            )
        source = code_block is not None and _snippet_source(code_block)
        if source and source.name == path.stem:  # list-and-fetch.sh, then list-and-fetch.sh.out
            parent = outer.parent
            exchange = nodes.container(classes=["exchange"])
            parent.replace(code, exchange)
            parent.remove(outer)
            exchange += [code, outer]


def setup(app: Sphinx) -> dict:
    app.connect("doctree-read", draw_responses)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
