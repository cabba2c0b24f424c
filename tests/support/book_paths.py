"""Where the book's parts live, and the environment a playback run needs (shared by tests)."""

from __future__ import annotations

import os

import yaml

from helpers.book.modes import CASSETTES_VAR, MODE_VAR
from helpers.book.paths import BOOK, CASSETTES, ROOT, chapter_notebooks
from helpers.credentials import REGION_VAR, REQUIRED, SUBDOMAIN_VAR

__all__ = [
    "BOOK",
    "CASSETTES",
    "NOTEBOOKS",
    "ROOT",
    "api_reference_text",
    "playback_env",
    "toc_files",
    "toc_pages",
]

#: The chapters (JupyterLab's copies, ``intro-Copy1.ipynb``, are none).
NOTEBOOKS = chapter_notebooks(BOOK)


def toc_files() -> list[str]:
    """Every file the table of contents names, root first (``book/intro`` style, no suffix)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def toc_pages(caption: str | None = None) -> list[str]:
    """Every page the table of contents names, its chapters' sections included, in reading order;
    with ``caption``, only the pages of the part with that caption."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [] if caption else [toc["root"]]

    def walk(entries):
        for entry in entries:
            pages.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        if caption in (None, part.get("caption")):
            walk(part["chapters"])
    return pages


def api_reference_text() -> str:
    """The API reference's pages, its overview and one per wing (``book/api_*.md``), as one text."""
    return "\n".join(page.read_text() for page in sorted(BOOK.glob("api_*.md")))


def playback_env(**extra: str) -> dict[str, str]:
    """os.environ in playback mode, without any EXOTEL_* credentials (deterministic outputs)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in (*REQUIRED, REGION_VAR, SUBDOMAIN_VAR, CASSETTES_VAR)
    }
    env[MODE_VAR] = "playback"
    env.update(extra)
    return env
