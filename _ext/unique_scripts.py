"""Sphinx: each script tag once per page.

sphinx-thebe (which Jupyter Book 1 always loads) registers its configuration script twice under
Sphinx 7, and the page then throws "Identifier 'THEBE_JS_URL' has already been declared". The
browser test (tests/site/test_site_browser.py) fails on any JavaScript error, so duplicates of the
same script, with the same attributes, are dropped here; distinct scripts are left as they are.
"""

from __future__ import annotations


def _key(script) -> tuple:
    """What the tag will say: its file (None and "" both mean an inline script) and attributes."""
    filename = getattr(script, "filename", script) or ""
    attributes = getattr(script, "attributes", {}) or {}
    return (str(filename), tuple(sorted(attributes.items())))


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    # Last, after every other extension has added its scripts for the page.
    app.connect("html-page-context", drop_duplicate_scripts, priority=1000)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
