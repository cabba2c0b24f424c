"""Sphinx: citations of Exotel's pages, from the one registry (``helpers/book/sources.yaml``).

- ``{exotel}`faq.regenerate-immediate``` (MyST) or ``:exotel:`...``` (docstrings) puts a short
  link, ``[Security & Compliance FAQ]``, after a statement. It leads to the excerpt's entry on
  the Sources page, which shows the page's own words, its address and the date they were read;
  the link's tooltip shows the same. Citing a topic (``{exotel}`regenerate```) links its row in
  the disagreements table instead. An unknown key is a warning, so ``make book`` fails on it.
- ``:::{exotel-registry}`` renders every document and excerpt (book/sources.md);
  ``:::{exotel-disagreements}`` the table of topics with two values;
  ``:::{exotel-sandbox-choices}`` what the sandbox does on each topic (book/sandbox_sources.md).

A small role over our own registry rather than sphinxcontrib-bibtex: a citation here is an
excerpt with its date (a bibliography cites a work), and the same data must also generate the
disagreements table and the sandbox's choices, which a ``.bib`` file cannot hold.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole

from helpers.book.sources import SOURCES_PAGE, Excerpt, Registry, Topic, load
from helpers.errors import ExotelError

logger = logging.getLogger(__name__)


class exotel_citation(nodes.Inline, nodes.TextElement):
    """A citation until the post-transform knows where the Sources page is."""


def registry(env) -> Registry:
    if not hasattr(env, "_exotel_registry"):
        env._exotel_registry = load()
    return env._exotel_registry


class CitationRole(SphinxRole):
    def run(self):
        node = exotel_citation(self.rawtext, "", key=self.text.strip())
        self.set_source_info(node)
        return [node], []


def _citation_text(target: Excerpt | Topic) -> tuple[str, str]:
    if isinstance(target, Topic):
        return "[Exotel's pages disagree]", target.question
    return (
        f"[{target.document.short}]",
        f"“{target.text}” ({target.document.title}, read {target.read.isoformat()})",
    )


class ResolveCitations(SphinxPostTransform):
    default_priority = 5

    def run(self, **kwargs):
        docname = self.env.docname
        for node in list(self.document.findall(exotel_citation)):
            try:
                target = registry(self.env).cite(node["key"])
            except ExotelError as exc:
                logger.warning(str(exc), location=node)
                node.replace_self(nodes.Text(node["key"]))
                continue
            text, title = _citation_text(target)
            uri = self.app.builder.get_relative_uri(docname, SOURCES_PAGE)
            if docname == SOURCES_PAGE:
                uri = ""
            reference = nodes.reference(
                "",
                text,
                refuri=f"{uri}#{target.anchor}",
                reftitle=title,
                internal=True,
                classes=["exotel-citation"],
            )
            node.replace_self(reference)


LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)|`([^`]+)`")


def inline(text: str) -> list[nodes.Node]:
    """The registry's small Markdown: links to chapters or the web, and ``code``."""
    out: list[nodes.Node] = []
    position = 0
    for match in LINK.finditer(text):
        out.append(nodes.Text(text[position : match.start()]))
        label, target, code = match.groups()
        if code:
            out.append(nodes.literal(code, code))
        elif re.match(r"https?://", target):
            out.append(nodes.reference(label, label, refuri=target))
        else:
            stem = target.rsplit(".", 1)[0]
            xref = addnodes.pending_xref(
                "", refdomain="std", reftype="doc", reftarget=f"/book/{stem}", refexplicit=True
            )
            xref += nodes.inline(label, label)
            out.append(xref)
        position = match.end()
    out.append(nodes.Text(text[position:]))
    return out


def cite(key: str) -> exotel_citation:
    return exotel_citation("", "", key=key)


def table(headers: list[str], rows: list[tuple[str, list[list[nodes.Node]]]]) -> nodes.table:
    node = nodes.table(classes=["exotel-sources"])
    group = nodes.tgroup(cols=len(headers))
    node += group
    for _ in headers:
        group += nodes.colspec(colwidth=1)
    head = nodes.thead()
    row = nodes.row()
    for header in headers:
        row += nodes.entry("", nodes.paragraph(header, header))
    head += row
    group += head
    body = nodes.tbody()
    for ids, cells in rows:
        row = nodes.row(ids=[ids] if ids else [])
        for cell in cells:
            row += nodes.entry("", nodes.paragraph("", "", *cell))
        body += row
    group += body
    return node


def values_cell(topic: Topic) -> list[nodes.Node]:
    cell: list[nodes.Node] = []
    for index, (value, excerpts) in enumerate(topic.values.items()):
        if index:
            cell.append(nodes.Text("; "))
        cell.append(nodes.strong(value, value))
        for excerpt in excerpts:
            cell.extend([nodes.Text(" "), cite(excerpt.id)])
    return cell


class Disagreements(SphinxDirective):
    def run(self):
        rows = [
            (
                topic.anchor,
                [
                    [nodes.Text(topic.question)],
                    values_cell(topic),
                    [nodes.Text(topic.sandbox + (" (a choice)" if topic.choice else ""))],
                    inline(topic.book),
                ],
            )
            for topic in registry(self.env).disagreements()
        ]
        return [table(["Question", "What Exotel's pages say", "The sandbox", "In the book"], rows)]


class SandboxChoices(SphinxDirective):
    def run(self):
        rows = []
        for topic in registry(self.env).topics.values():
            pages = values_cell(topic)
            if topic.disputed:
                pages += [nodes.Text(" "), cite(topic.id)]
            rows.append(
                (
                    "",
                    [
                        [nodes.Text(topic.question)],
                        pages,
                        [nodes.Text(topic.sandbox)],
                        [nodes.Text("choice" if topic.choice else "follows the pages")],
                    ],
                )
            )
        return [table(["Question", "Exotel's pages", "The sandbox", "Choice?"], rows)]


class RegistryListing(SphinxDirective):
    def run(self):
        out = nodes.container(classes=["exotel-registry"])
        data = registry(self.env)
        for document in data.documents.values():
            out.append(
                nodes.rubric(document.title, document.title, ids=[f"exotel-doc-{document.id}"])
            )
            about = [nodes.reference(document.url, document.url, refuri=document.url)]
            if document.published:
                about.append(nodes.Text(f"; published {document.published.isoformat()}"))
            for version in document.versions:
                about.append(nodes.Text(f"; read {version.read.isoformat()}"))
                if version.note:
                    about.append(nodes.Text(f" ({version.note})"))
            out.append(nodes.paragraph("", "", *about))
            items = nodes.bullet_list()
            for excerpt in data.excerpts.values():
                if excerpt.document is not document:
                    continue
                body: list[nodes.Node] = [nodes.Text(f"“{excerpt.text}”")]
                if excerpt.section:
                    body.append(nodes.Text(f" ({excerpt.section})"))
                body.append(nodes.Text(f"; read {excerpt.read.isoformat()}."))
                if excerpt.topic:
                    topic = data.topics[excerpt.topic]
                    body.append(nodes.Text(f" {topic.question}: {excerpt.value}"))
                    if topic.disputed:
                        body.extend([nodes.Text(" "), cite(topic.id)])
                items += nodes.list_item("", nodes.paragraph("", "", *body), ids=[excerpt.anchor])
            out.append(items)
        return [out]


def setup(app):
    app.add_node(exotel_citation)
    app.add_role("exotel", CitationRole())
    app.add_post_transform(ResolveCitations)
    app.add_directive("exotel-registry", RegistryListing)
    app.add_directive("exotel-disagreements", Disagreements)
    app.add_directive("exotel-sandbox-choices", SandboxChoices)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
