"""Each snippet shown in a chapter is captioned with its file name and the line that runs it.

A ``literalinclude`` of a file under ``snippets/`` without a caption of its own gets one, such
as ``header-auth.mjs · run: node header-auth.mjs``; what a snippet printed (``.out``) keeps the
caption its page gives it. The caption is Markdown: the names are code, or linkify would take
``header-auth.sh`` for a web address.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from sphinx.application import Sphinx
from sphinx.directives.code import LiteralInclude

#: How each kind of snippet is run, from its own folder (book/get_started.md says how).
RUN = {".sh": "bash", ".mjs": "node", ".cjs": "node", ".py": "python"}


def caption(argument: str) -> str | None:
    """The caption for the file ``argument`` names, or None for what is not a snippet."""
    path = PurePosixPath(argument)
    if "snippets" not in path.parts or path.suffix not in RUN:
        return None
    return f"`{path.name}` · run: `{RUN[path.suffix]} {path.name}`"


class SnippetInclude(LiteralInclude):
    def run(self):
        if "caption" not in self.options and (text := caption(self.arguments[0])):
            self.options["caption"] = text
        return super().run()


def setup(app: Sphinx) -> dict:
    app.add_directive("literalinclude", SnippetInclude, override=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
