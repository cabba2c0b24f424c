"""Where the book's parts live, and the environment a playback run needs (shared by tests)."""

from __future__ import annotations

import os

import yaml

from helpers.book.modes import CASSETTES_VAR, MODE_VAR
from helpers.book.paths import BOOK, CASSETTES, ROOT, chapter_notebooks
from helpers.credentials import REGION_VAR, REQUIRED, SUBDOMAIN_VAR

__all__ = ["BOOK", "CASSETTES", "NOTEBOOKS", "ROOT", "playback_env", "toc_files"]

#: The chapters (JupyterLab's copies, ``intro-Copy1.ipynb``, are none).
NOTEBOOKS = chapter_notebooks(BOOK)


def toc_files() -> list[str]:
    """Every file the table of contents names, root first (``book/intro`` style, no suffix)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


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
