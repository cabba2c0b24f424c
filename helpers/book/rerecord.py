"""Running the book's notebooks: ``python -m helpers.book.rerecord record`` (what ``make cassettes`` does).

``record`` executes every chapter in the recording mode (``sandbox`` unless
``EXOTEL_HANDBOOK_MODE=live``), which rewrites its cassettes, then executes it again in
``playback`` and saves the outputs into the notebook, so committed outputs always show what the
committed cassettes replay.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from ..credentials import REGION_VAR, REQUIRED, SUBDOMAIN_VAR
from .paths import ROOT
from .recording import MODE_VAR, Mode

BOOK = ROOT / "book"
#: What a copy of the book needs to build (cassettes are found through ``helpers`` itself).
BOOK_FILES = ("_config.yml", "_toc.yml")
BOOK_FOLDERS = ("book", "_static", "_ext")
#: Installed, not written: the snippets' npm packages (``make node``) are no part of the book.
NOT_SOURCES = shutil.ignore_patterns("node_modules")
TIMEOUT = 120


def copy_book_sources(dst: Path, ignore=None) -> Path:
    """Copy the book's sources into ``dst`` (for builds that must not touch the repository)."""
    for name in BOOK_FILES:
        shutil.copy2(ROOT / name, dst / name)
    for folder in BOOK_FOLDERS:
        shutil.copytree(ROOT / folder, dst / folder, ignore=ignore or NOT_SOURCES)
    return dst


def chapters(book: Path = BOOK) -> list[Path]:
    return sorted(book.glob("*.ipynb"))


@contextmanager
def environment(mode: Mode, keep_credentials: bool) -> Iterator[None]:
    """Set the mode for the kernels this process starts; drop EXOTEL_* unless recording live."""
    saved = dict(os.environ)
    os.environ[MODE_VAR] = mode.value
    if not keep_credentials:
        for name in (*REQUIRED, REGION_VAR, SUBDOMAIN_VAR):
            os.environ.pop(name, None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def execute(path: Path, mode: Mode, *, keep_credentials: bool = False) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in ``mode``, from its own folder, and return it with outputs."""
    nb = nbformat.read(path, as_version=4)
    with environment(mode, keep_credentials):
        NotebookClient(
            nb,
            timeout=TIMEOUT,
            kernel_name="python3",
            record_timing=False,
            # One stdout block per cell: how the kernel happens to flush must not show in git.
            coalesce_streams=True,
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
    return nb


def record(paths: list[Path], mode: Mode, out=sys.stdout) -> None:
    for path in paths:
        started = time.perf_counter()
        execute(path, mode, keep_credentials=mode is Mode.LIVE)
        nb = execute(path, Mode.PLAYBACK)
        nbformat.write(nb, path)
        print(
            f"{path.relative_to(ROOT)}: recorded ({mode.value}) and replayed in "
            f"{time.perf_counter() - started:.1f} s",
            file=out,
        )


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.book.rerecord")
    parser.add_argument(
        "command",
        choices=["record", "refresh"],
        help="record: re-record cassettes, then refresh outputs; refresh: outputs only",
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook in book/")
    args = parser.parse_args(argv)
    mode = Mode.from_env(env)
    paths = [p.resolve() for p in args.notebooks] or chapters()
    if args.command == "refresh":
        for path in paths:
            nbformat.write(execute(path, Mode.PLAYBACK), path)
            print(f"{path.relative_to(ROOT)}: outputs refreshed from its cassettes")
        return 0
    record(paths, Mode.SANDBOX if mode is Mode.PLAYBACK else mode)
    return 0


if __name__ == "__main__":
    sys.exit(main())
