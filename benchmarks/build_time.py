"""How long the book takes to build, against a floor that runs no notebook code.

Measures, from temporary copies of the book's sources (_config.yml, _toc.yml, book/):

- real:  a cold ``jupyter-book build . --all --warningiserror --nitpick --keep-going`` in playback
         mode (fresh directory: no _build, no jupyter-cache), as ``make book`` runs it;
- floor: the same cold build of a copy whose code cells hold only a comment (outputs cleared),
         so Sphinx renders the same pages and the kernels still start, but no chapter code runs;
- the ratio real/floor against a target of 1.3;
- each notebook executed on its own with nbclient, as is and emptied (the kernel start floor).

The copies need nothing else: notebooks import the installed ``helpers`` package, which finds
the cassettes from its own location (this repository's cassettes/), not from the working
directory. Figures are wall-clock seconds; with --repeat N the minimum and median are shown and
the ratio uses the minima. Nothing is asserted except that every build and notebook succeeds.

Run: ``.venv/bin/python benchmarks/build_time.py`` (``make benchmark`` runs benchmarks/ratios.py), or
``.venv/bin/python benchmarks/build_time.py --repeat 3 --json benchmarks/results/build.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from helpers.book.paths import ROOT
from helpers.book.rerecord import copy_book_sources

JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
BUILD = [str(JUPYTER_BOOK), "build", ".", "--all", "--warningiserror", "--nitpick", "--keep-going"]
TARGET = 1.3
CHAPTER_TARGET = 3.0  # seconds of playback for a chapter's code, kernel start excluded
MODE_VAR = "EXOTEL_HANDBOOK_MODE"
# Not "": myst-nb drops blank code cells, and then a section such as "## Imports" would start with
# the next cell's "---", an error under --warningiserror. A comment keeps the page's structure and
# costs one empty round trip to the kernel per cell.
PLACEHOLDER = "# emptied for the benchmark floor"


def check_cassettes() -> Path:
    """The copies rely on helpers finding the cassettes in this repository, not next to the book."""
    from helpers.book.modes import cassette_root

    root = cassette_root().resolve()
    if not root.is_dir() or ROOT / "book" in root.parents:
        sys.exit(f"helpers resolves cassettes to {root}, which a copy of book/ would not provide")
    return root


@contextmanager
def book_copy(empty: bool) -> Iterator[Path]:
    """A fresh temporary copy of the book's sources; ``empty`` empties every code cell."""
    with tempfile.TemporaryDirectory(prefix="handbook-bench-") as tmp:
        dest = Path(tmp)
        ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "_build")
        copy_book_sources(dest, ignore=ignore)
        if empty:
            for path in (dest / "book").glob("*.ipynb"):
                nb = nbformat.read(path, as_version=4)
                for cell in nb.cells:
                    if cell.cell_type == "code":
                        cell.source, cell.outputs, cell.execution_count = PLACEHOLDER, [], None
                nbformat.write(nb, path)
        yield dest


def time_build(empty: bool) -> float:
    with book_copy(empty) as tmp:
        started = time.perf_counter()
        proc = subprocess.run(
            BUILD,
            cwd=tmp,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=os.environ,
        )
        elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        print(f"\n{'floor' if empty else 'real'} build failed (exit {proc.returncode}); log tail:")
        print("\n".join(proc.stdout.splitlines()[-40:]))
        sys.exit(1)
    return elapsed


def time_notebooks(empty: bool) -> dict[str, float]:
    times = {}
    with book_copy(empty) as tmp:
        for path in sorted((tmp / "book").glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            client = NotebookClient(
                nb,
                timeout=120,
                kernel_name="python3",
                resources={"metadata": {"path": str(path.parent)}},
            )
            started = time.perf_counter()
            client.execute(stderr=subprocess.DEVNULL)  # the kernel's own startup log
            times[path.name] = time.perf_counter() - started
    return times


def summary(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:6.2f} s"
    return f"{min(values):6.2f} s (min), {statistics.median(values):6.2f} s (median)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    os.environ[MODE_VAR] = "playback"  # for the builds and for the kernels nbclient starts
    print(f"cassettes: {check_cassettes()} (found by helpers, outside the copies)")

    builds: dict[str, list[float]] = {"real": [], "floor": []}
    notebooks: dict[str, dict[str, list[float]]] = {}
    for run in range(1, args.repeat + 1):
        for kind in ("real", "floor"):  # interleaved, so drift hits both alike
            builds[kind].append(time_build(empty=kind == "floor"))
            print(f"run {run}: {kind:<5} build {builds[kind][-1]:6.2f} s", flush=True)
        for kind in ("real", "empty"):
            for name, seconds in time_notebooks(empty=kind == "empty").items():
                notebooks.setdefault(name, {"real": [], "empty": []})[kind].append(seconds)

    ratio = min(builds["real"]) / min(builds["floor"])
    print(f"\ncold build, real:  {summary(builds['real'])}")
    print(f"cold build, floor: {summary(builds['floor'])}")
    verdict = "met" if ratio <= TARGET else "not met"
    print(f"ratio real/floor:  {ratio:.2f}  (target ≤ {TARGET}: {verdict})")
    print(
        f"\n{'notebook':<24} {'seconds':>8} {'emptied':>8} {'code':>8}   "
        f"(min of {args.repeat}; target: each chapter's code under {CHAPTER_TARGET:g} s)"
    )
    for name, t in notebooks.items():
        real, floor = min(t["real"]), min(t["empty"])
        met = "met" if real - floor < CHAPTER_TARGET else "NOT met"
        print(f"{name:<24} {real:8.2f} {floor:8.2f} {real - floor:8.2f}   {met}")

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        figures = {"builds": builds, "ratio": ratio, "target": TARGET, "notebooks": notebooks}
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
