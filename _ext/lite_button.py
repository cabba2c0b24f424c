"""Sphinx: a "Run in your browser" button on each chapter page, opening it in the in-browser lab.

The lab (``lite/`` beside the pages, built by ``make book``: helpers/book/lite/) opens
``lab/index.html?path=<chapter>.ipynb``. The button is a plain link: nothing of the lab loads
until the reader presses it.
"""

from __future__ import annotations

from pathlib import Path

LAB = "lite/lab/index.html"


def add_lite_button(app, pagename, templatename, context, doctree) -> None:
    source = app.env.doc2path(pagename, False) if pagename in app.env.all_docs else None
    if source is None or Path(source).suffix != ".ipynb" or "header_buttons" not in context:
        return
    url = f"{context['pathto'](LAB, 1)}?path={Path(source).name}"
    context["header_buttons"].insert(
        0,
        {
            "type": "link",
            "url": url,
            "tooltip": "Run this chapter in your browser: nothing to install",
            "icon": "fas fa-play",
            "text": "Run in your browser",
            "label": "lite-button",
        },
    )


def setup(app):
    # After sphinx-book-theme fills header_buttons (priority 501).
    app.connect("html-page-context", add_lite_button, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
