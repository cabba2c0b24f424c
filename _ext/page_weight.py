"""Sphinx: a page loads what it uses.

The first view of a chapter was 2.7 MB. Three things every page loaded and none used:

- ``fontawesome.js`` (1.49 MB), which redraws the theme's icons as SVG although the theme's
  stylesheet already draws them from the icon font;
- ``searchindex.js`` (128 KB) with Sphinx's search scripts, blocking, for a search-as-you-type
  the book does not turn on (``search.html`` loads them itself);
- sphinx-thebe's script, stylesheet and configuration, although ``launch_buttons.thebe`` is off.

``templates/layout.html`` drops the first two from the theme's layout (and a second viewport
tag, with docutils' copy); this module adds that template and drops Thebe's files from every page while Thebe is off.
The same folder holds the banner that links the Get started page from every page
(``templates/sections/announcement.html``).
``benchmarks/page_weight.py`` lists the bytes a first view loads; tests/site checks the result.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

TEMPLATES = Path(__file__).with_name("templates")
THEBE_SCRIPT = re.compile(r"<script type=\"text/x-thebe-config\">.*?</script>\s*", re.S)
VIEWPORT = re.compile(r"<meta name=\"viewport\"[^>]*>\s*")


def thebe_is_on(app) -> bool:
    launch = (app.config.html_theme_options or {}).get("launch_buttons", {}) or {}
    return bool(launch.get("thebe"))


def add_templates(app, config) -> None:
    config.templates_path = [str(TEMPLATES), *config.templates_path]


def _is_thebe(asset) -> bool:
    filename = str(getattr(asset, "filename", asset) or "")
    body = str((getattr(asset, "attributes", {}) or {}).get("body", ""))
    return "thebe" in filename or "THEBE_JS_URL" in body


def lighten(app, pagename, templatename, context, doctree) -> None:
    context["theme_digest"] = theme_digest()
    # docutils writes a viewport tag of its own, beside Sphinx's.
    context["metatags"] = VIEWPORT.sub("", context.get("metatags", ""))
    if thebe_is_on(app):
        return
    context["script_files"] = [s for s in context.get("script_files", []) if not _is_thebe(s)]
    context["css_files"] = [c for c in context.get("css_files", []) if not _is_thebe(c)]
    if "body" in context:
        context["body"] = THEBE_SCRIPT.sub("", context["body"])


@functools.cache
def theme_digest() -> str:
    """pydata-sphinx-theme's asset digest, as its own layout writes it."""
    from pydata_sphinx_theme import __file__ as theme_init

    macros = Path(theme_init).parent / "theme/pydata_sphinx_theme/static/webpack-macros.html"
    found = re.search(r"digest=([0-9a-f]+)", macros.read_text())
    return found.group(1) if found else ""


def setup(app):
    app.connect("config-inited", add_templates)
    # After every other extension has added its scripts for the page.
    app.connect("html-page-context", lighten, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
