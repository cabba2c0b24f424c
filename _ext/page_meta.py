"""Sphinx: every page says what it is, to a search engine and a link preview.

- Each page gets a ``<meta name="description">``: its opening paragraph (and, where that ends
  with "In this chapter you will:", the goals listed after it), citations left out, cut at a
  word to at most :data:`LONGEST` characters; or the ``description`` of its front matter, where
  the opening does not read alone. The index and search pages, which have no prose, get the
  book's own (its first page's).
- The site's root ``index.html``, which sphinx-external-toc writes as a bare ``<meta>`` redirect
  to the first page, is a page of its own: a ``lang``, a title, the description and a link to
  follow where redirects are off. It is written before sphinx-external-toc looks, which then
  leaves it alone.

tests/site/test_site_browser.py reads them in chromium.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from docutils import nodes

LONGEST = 160
#: Where a citation stood, until the space before it is gone too.
CITED = "\uf8ff"  # a private-use character (docutils strips NUL, its own escape)
#: Nodes whose text is not a page's prose: outputs, code, citations, admonitions.
NOT_PROSE = ("cell_output", "admonition", "exotel-citation", "toctree-wrapper")

ROOT_PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>{title}</title>
<meta name="description" content="{description}" />
<link rel="canonical" href="{first_page}" />
<meta http-equiv="refresh" content="0; url={first_page}" />
</head>
<body>
<p><a href="{first_page}">{title}</a></p>
</body>
</html>
"""


def _is_prose(node: nodes.Node) -> bool:
    for ancestor in [node, *_ancestors(node)]:
        classes = ancestor.get("classes", []) if isinstance(ancestor, nodes.Element) else []
        if isinstance(ancestor, nodes.Admonition | nodes.literal_block | nodes.table):
            return False
        if any(name in classes for name in NOT_PROSE):
            return False
    return True


def _ancestors(node: nodes.Node):
    while node.parent is not None:
        node = node.parent
        yield node


def _text(node: nodes.Element) -> str:
    """The node's text without its citations (and the space before each)."""
    copy = node.deepcopy()
    # Resolved, a citation is a link of class exotel-citation; unresolved (the first page's
    # doctree, read back for the index pages), an exotel_citation node.
    for citation in list(copy.findall(nodes.Element)):
        if citation.tagname == "exotel_citation" or "exotel-citation" in citation["classes"]:
            citation.parent.replace(citation, nodes.Text(CITED))
    return re.sub(r"\s+", " ", re.sub(rf"\s*{CITED}", "", copy.astext())).strip()


def describe(doctree: nodes.document) -> str:
    """The page's opening paragraph (and its goals), in at most :data:`LONGEST` characters."""
    opening = next((p for p in doctree.findall(nodes.paragraph) if _is_prose(p) and _text(p)), None)
    if opening is None:
        return ""
    text = _text(opening)
    if text.endswith(":"):  # "In this chapter you will:" and the goals below it
        listed = opening.next_node(
            lambda n: isinstance(n, nodes.bullet_list | nodes.enumerated_list),
            descend=False,
            siblings=True,
        )
        if listed is not None:
            goals = [_text(item) for item in listed.children]
            text = f"{text} {'; '.join(g.rstrip('.') for g in goals)}."
    if len(text) > LONGEST:
        text = text[: LONGEST - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return text


def add_description(app, pagename, templatename, context, doctree) -> None:
    given = app.env.metadata.get(pagename, {}).get("description")
    description = given or (describe(doctree) if doctree is not None else "")
    description = description or book_description(app)
    context["metatags"] = (
        context.get("metatags", "")
        + f'\n    <meta name="description" content="{html.escape(description)}" />'
    )


def book_description(app) -> str:
    """The description of the book's first page, which speaks for the whole book."""
    if not hasattr(app, "_book_description"):
        app._book_description = describe(app.env.get_doctree(app.config.root_doc))
    return app._book_description


def write_root_page(app, exception) -> None:
    if exception is not None or app.builder.name != "html" or app.config.root_doc == "index":
        return
    first_page = app.builder.get_target_uri(app.config.root_doc)
    page = ROOT_PAGE.format(
        lang=html.escape(app.config.language or "en"),
        title=html.escape(app.config.html_title or app.config.project),
        description=html.escape(book_description(app)),
        first_page=html.escape(first_page),
    )
    (Path(app.outdir) / "index.html").write_text(page, encoding="utf8")


def setup(app):
    app.connect("html-page-context", add_description)
    # Before sphinx-external-toc's redirect (priority 500), which only writes a missing index.html.
    app.connect("build-finished", write_root_page, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
