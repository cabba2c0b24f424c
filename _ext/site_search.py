"""Sphinx: the site search finds status codes and ranks the chapters first.

Sets ``html_search_scorer`` to ``_ext/search_scorer.js`` (which says what it changes and why) by
absolute path: Sphinx opens the file relative to the working directory, and the tests build from
a copy of the book.
"""

from __future__ import annotations

from pathlib import Path

SCORER = Path(__file__).with_name("search_scorer.js")


def use_scorer(app, config) -> None:
    config.html_search_scorer = str(SCORER)


def setup(app):
    app.connect("config-inited", use_scorer)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
