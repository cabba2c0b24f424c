"""Building a copy of the book, as `make book` does (shared by the build and browser tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from book_paths import playback_env

from helpers.book.rerecord import copy_book_sources

JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
BUILD = [str(JUPYTER_BOOK), "build", ".", "--all", "--warningiserror", "--nitpick", "--keep-going"]


def copy_book(dst: Path) -> Path:
    """The book's sources in ``dst``; the kernels still find cassettes through ``helpers``."""
    return copy_book_sources(dst)


def build(src: Path, prefix: list[str] = (), **env: str) -> subprocess.CompletedProcess:
    """``make book``'s build of ``src`` in playback; ``env`` adds variables (a cassette folder)."""
    return subprocess.run(
        [*prefix, *BUILD],
        cwd=src,
        env=playback_env(**env),
        capture_output=True,
        text=True,
        timeout=600,
    )
