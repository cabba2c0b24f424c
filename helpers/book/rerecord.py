"""Running the book's notebooks: ``python -m helpers.book.rerecord record`` (what ``make cassettes`` does).

``record`` executes every chapter in the ``record`` mode (the sandbox answers; ``live`` if
``EXOTEL_HANDBOOK_MODE=live``), which writes its recordings, then executes it again in
``playback`` and saves the outputs into the notebook, so committed outputs always show what the
committed recordings replay.

A chapter records into a folder of its own first; its ``cassettes/<chapter>.json`` replaces the
committed one only once the whole chapter ran. A run that fails (no network, a wrong token, a cell that raises)
leaves ``cassettes/`` and the notebook as they were, and says why in one sentence first.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import nbformat
from jupyter_core.paths import jupyter_runtime_dir
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from traitlets.config import Config

from ..credentials import REGION_VAR, REQUIRED, SUBDOMAIN_VAR
from .errors import RecordingError
from .exercises import collapse
from .modes import CASSETTES_VAR, MODE_VAR, Mode, cassette_root, record_command
from .paths import ROOT, chapter_notebooks, copies, copy_note, is_copy

BOOK = ROOT / "book"
#: What a copy of the book needs to build (cassettes are found through ``helpers`` itself).
#: The README too: the Get started page offers it as a download.
BOOK_FILES = ("_config.yml", "_toc.yml", "README.md")
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
    return chapter_notebooks(book)


@contextmanager
def environment(
    mode: Mode, keep_credentials: bool, extra: Mapping[str, str] | None = None
) -> Iterator[None]:
    """Set the mode for the kernels this process starts; drop EXOTEL_* unless recording live."""
    saved = dict(os.environ)
    os.environ[MODE_VAR] = mode.value
    os.environ.update(extra or {})
    if not keep_credentials:
        for name in (*REQUIRED, REGION_VAR, SUBDOMAIN_VAR):
            os.environ.pop(name, None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def kernel_config() -> Config:
    """Kernels that talk to this process over Unix sockets (IPC), not TCP.

    Over TCP, ipykernel warns on every start that its traffic is not encrypted. The kernel runs on
    this machine and never listens beyond it either way; IPC sockets are files in Jupyter's
    runtime folder, which only this user can open, so the warning does not apply, and a security
    handbook should not teach its readers to scroll past one.
    """
    runtime = Path(jupyter_runtime_dir())
    runtime.mkdir(parents=True, exist_ok=True)
    # An absolute socket path: the kernel starts in the notebook's folder, this process does not.
    ip = str(runtime / f"handbook-{os.getpid()}-{uuid.uuid4().hex[:8]}-ipc")
    return Config({"KernelManager": {"transport": "ipc", "ip": ip}})


def execute(
    path: Path,
    mode: Mode,
    *,
    keep_credentials: bool = False,
    env: Mapping[str, str] | None = None,
) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in ``mode``, from its own folder, and return it with outputs."""
    nb = nbformat.read(path, as_version=4)
    with environment(mode, keep_credentials, env):
        NotebookClient(
            nb,
            config=kernel_config(),
            timeout=TIMEOUT,
            kernel_name="python3",
            record_timing=False,
            # One stdout block per cell: how the kernel happens to flush must not show in git.
            coalesce_streams=True,
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
    return nb


def install(staged: Path, committed: Path) -> list[Path]:
    """Move every file recorded under ``staged`` to the same place under ``committed``.

    Each file is copied beside its destination and renamed over it, so a cassette is always
    either the old recording or the new one, never half of each.
    """
    installed = []
    for source in sorted(p for p in staged.rglob("*") if p.is_file()):
        target = committed / source.relative_to(staged)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.installing")
        shutil.copyfile(source, partial)
        os.replace(partial, target)
        installed.append(target)
    return installed


def save(nb: nbformat.NotebookNode, path: Path) -> None:
    """Write ``nb`` with its solution cells collapsed for JupyterLab (see :mod:`helpers.book.exercises`)."""
    collapse(nb)
    nbformat.write(nb, path)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def failure(path: Path, mode: Mode, step: str, error: CellExecutionError) -> RecordingError:
    """One sentence first (the error's own message), then where it happened, then what to run."""
    evalue = _ANSI.sub("", error.evalue or "").strip() or "(no message)"
    traceback = _ANSI.sub("", str(error.traceback or ""))
    cell = next(
        (line.strip() for line in traceback.splitlines() if line.strip().startswith("Cell In[")),
        None,
    )
    lines = [
        f"{error.ename}: {evalue}",
        f"  while {step} {_shown(path)} (mode: {mode.value})" + (f", at {cell}" if cell else ""),
        f"  To run this chapter again: {record_command(path.stem, mode)}",
    ]
    return RecordingError("\n".join(lines))


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def record_one(path: Path, mode: Mode, root: Path) -> float:
    """Record ``path`` into a staging folder, install its cassettes under ``root``, replay it."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="handbook-recording-") as staging:
        try:
            execute(
                path,
                mode,
                keep_credentials=mode is Mode.LIVE,
                env={CASSETTES_VAR: staging},
            )
        except CellExecutionError as exc:
            raise failure(path, mode, "recording", exc) from None
        install(Path(staging), root)
        if not (Path(staging) / f"{path.stem}.json").exists():  # the chapter sends no request now
            (root / f"{path.stem}.json").unlink(missing_ok=True)
    try:
        nb = execute(path, Mode.PLAYBACK, env={CASSETTES_VAR: str(root)})
    except CellExecutionError as exc:
        raise failure(path, Mode.PLAYBACK, "replaying what was just recorded for", exc) from None
    save(nb, path)
    return time.perf_counter() - started


def record(paths: list[Path], mode: Mode, out=sys.stdout) -> None:
    root = cassette_root()
    for path in paths:
        took = record_one(path, mode, root)
        print(f"{_shown(path)}: recorded ({mode.value}) and replayed in {took:.1f} s", file=out)


def refresh(paths: list[Path], out=sys.stdout) -> None:
    for path in paths:
        try:
            nb = execute(path, Mode.PLAYBACK)
        except CellExecutionError as exc:
            raise failure(path, Mode.PLAYBACK, "refreshing the outputs of", exc) from None
        save(nb, path)
        print(f"{_shown(path)}: outputs refreshed from its cassettes", file=out)


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.book.rerecord")
    parser.add_argument(
        "command",
        choices=["record", "refresh"],
        help="record: re-record cassettes, then refresh outputs; refresh: outputs only",
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook in book/")
    args = parser.parse_args(argv)
    # jupyter_client logs through the root logger; keep this command's output to its own lines.
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    # On a busy machine a kernel's socket callback can fail while the kernel stops after the
    # error this command reports itself; tornado's line about it would come first and hide it.
    logging.getLogger("tornado").setLevel(logging.CRITICAL)
    try:
        mode = Mode.from_env(env)
        paths = [p.resolve() for p in args.notebooks] or chapters()
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise RecordingError(f"no such notebook: {', '.join(missing)}")
        for copy in [p for p in paths if is_copy(p)] + ([] if args.notebooks else copies()):
            print(f"note: {copy_note(copy)}", file=sys.stderr)
        paths = [p for p in paths if not is_copy(p)]
        if args.command == "refresh":
            refresh(paths)
        else:
            record(paths, Mode.LIVE if mode is Mode.LIVE else Mode.RECORD)
    except (RecordingError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
