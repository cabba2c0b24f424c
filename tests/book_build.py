"""Building a copy of the book, as `make book` does (shared by the build and browser tests)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from book_paths import ROOT, playback_env

JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
BUILD = [str(JUPYTER_BOOK), "build", ".", "--warningiserror", "--nitpick", "--keep-going"]


def copy_book(dst: Path) -> Path:
    """The book's sources in ``dst``; the kernels still find cassettes through ``helpers``."""
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(ROOT / name, dst / name)
    for folder in ("book", "_static", "_ext"):
        shutil.copytree(ROOT / folder, dst / folder)
    return dst


def build(src: Path, prefix: list[str] = ()) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*prefix, *BUILD], cwd=src, env=playback_env(), capture_output=True, text=True, timeout=600
    )
