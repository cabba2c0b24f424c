"""The in-browser lab: a self-hosted JupyterLite with every chapter, built into ``_build/html/lite``.

``python -m helpers.book.lite lock`` resolves the wheels the browser needs (the kernel's own and
the project's dependencies, pure Python, for Pyodide's Python) and writes ``lite/lock.json`` with
their hashes; ``fetch`` puts them and Pyodide into a cache once (the only step that needs the
package registries); ``build`` (run by ``make book``) lays out the lab from that cache alone.
Pyodide comes from npm, wheels from the package index, nothing from a CDN at reading time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from ..paths import ROOT

#: What the lab is built from: the lock file and the lab's own settings.
LITE = ROOT / "lite"
LOCK = LITE / "lock.json"
#: Where downloads, built wheels and finished labs are kept between builds.
CACHE_VAR = "EXOTEL_HANDBOOK_LITE_CACHE"


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$EXOTEL_HANDBOOK_LITE_CACHE``, else ``~/.cache/exotel-handbook/lite`` (shared by clones)."""
    env = os.environ if env is None else env
    if env.get(CACHE_VAR):
        return Path(env[CACHE_VAR])
    base = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "exotel-handbook" / "lite"
