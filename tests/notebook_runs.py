"""Running notebooks for the tests: in playback, compared with their committed outputs, with
every Internet connection refused and logged."""

from __future__ import annotations

import shutil
from pathlib import Path

from book_paths import playback_env
from pytest_notebook.nb_regression import NBRegressionFixture

# Only volatile metadata is ignored: the kernel's exact Python version.
DIFF_IGNORE = ("/metadata/language_info",)
GUARD = Path(__file__).with_name("network_guard.py")


def regression(**env: str) -> NBRegressionFixture:
    """pytest-notebook's check, its kernel in playback; ``env`` adds variables."""
    return NBRegressionFixture(
        exec_timeout=120,
        exec_env=playback_env(**env),
        diff_ignore=DIFF_IGNORE,
        diff_use_color=False,
    )


def guarded(folder: Path) -> tuple[dict[str, str], Path]:
    """Variables that make a kernel load the network guard, and the log it writes refusals to."""
    shutil.copy(GUARD, folder / "sitecustomize.py")
    log = folder / "sockets.log"
    return {"PYTHONPATH": str(folder), "HANDBOOK_SOCKET_LOG": str(log)}, log
