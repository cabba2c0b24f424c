"""Sphinx: a bare domain in the prose links over https.

MyST's linkify turns ``status.exotel.com`` in a sentence into a link, to ``http://`` (its
default scheme), so the book linked Exotel's status page and developer site over plain HTTP
while teaching that Exotel refuses it. Every such link (its text is its address without the
scheme) gets ``https://``. tests/site checks that no link to Exotel is ``http://``.
"""

from __future__ import annotations

from docutils import nodes


def upgrade_bare_domains(app, doctree, docname) -> None:
    for link in doctree.findall(nodes.reference):
        uri = link.get("refuri", "")
        if uri.startswith("http://") and uri[len("http://") :] == link.astext():
            link["refuri"] = "https://" + uri[len("http://") :]


def setup(app):
    app.connect("doctree-resolved", upgrade_bare_domains)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
