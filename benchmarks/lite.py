"""The in-browser lab's speed and weight (helpers/book/lite/), as ratios against its goals.

- build: the lab built from clean with the downloads cached (what ``make book`` pays when a
  chapter, cassette or helper changed), and copied from the cache (when nothing did); printed
  beside the Sphinx build, whose ratio benchmarks/build_time.py measures. No goal of its own.
- weight: every file a cold load of a chapter fetches, as served and gzipped (what a web server
  sends), against 15 MB compressed.
- kernel: seconds from opening a chapter to an idle kernel, against 15 s.
- run all: each chapter's Run All Cells once its kernel is idle, against 10 s.

The browser is the tests' chromium, name look-ups off loopback refused, each chapter in a fresh
context (a cold load). Figures are wall-clock seconds on this machine as it is: run it when the
machine is otherwise quiet, and read the ratios.

Run: ``.venv/bin/python benchmarks/lite.py [--chapter intro ...]`` (every chapter by default).
"""

from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers.book.lite import cache_dir  # noqa: E402
from helpers.book.lite.build import build_lab  # noqa: E402
from helpers.book.lite.fetch import fetch  # noqa: E402
from tests.support.book_paths import NOTEBOOKS  # noqa: E402
from tests.support.chromium import CHROMIUM  # noqa: E402
from tests.support.lite_lab import OFFLINE, RUN_ALL_CELLS, Guarded, open_chapter, served  # noqa: E402

WEIGHT_GOAL = 15_000_000
KERNEL_GOAL = 15.0
RUN_ALL_GOAL = 10.0
PATIENCE_MS = 600_000


def build_times() -> tuple[float, float]:
    """(seconds to build from clean with downloads cached, seconds to copy an unchanged lab)."""
    fetch()
    real = cache_dir()
    with tempfile.TemporaryDirectory(prefix="lite-bench-") as folder:
        cache = Path(folder) / "cache"
        cache.mkdir()
        for part in real.iterdir():
            if part.name != "labs":
                (cache / part.name).symlink_to(part)
        started = time.perf_counter()
        build_lab(Path(folder) / "out", cache)
        built = time.perf_counter() - started
        started = time.perf_counter()
        build_lab(Path(folder) / "out", cache)
        return built, time.perf_counter() - started


def weight(site: Path, loaded: list[str]) -> tuple[int, int]:
    """Bytes as served and gzipped of every file in ``loaded`` (paths on the site)."""
    served_bytes = compressed = 0
    for path in dict.fromkeys(loaded):
        file = site / path.lstrip("/")
        if path.endswith("/"):
            file = file / "index.html"
        if file.is_file():
            body = file.read_bytes()
            served_bytes += len(body)
            compressed += len(gzip.compress(body, 6))
    return served_bytes, compressed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapter", action="append", help="a chapter's name (repeatable)")
    args = parser.parse_args()
    chapters = args.chapter or [n.stem for n in NOTEBOOKS]
    if CHROMIUM is None:
        sys.exit("no chromium: make browser")

    print("== build")
    built, copied = build_times()
    print(f"from clean (downloads cached) {built:.1f} s; unchanged, copied {copied:.1f} s")

    from playwright.sync_api import sync_playwright

    results = []
    with tempfile.TemporaryDirectory(prefix="lite-bench-site-") as folder:
        site = Path(folder)
        build_lab(site / "lite")
        with served(site) as origin, sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", OFFLINE], headless=True
            )
            print("\n== each chapter, cold: kernel ready, then Run all")
            for chapter in chapters:
                guarded = Guarded(browser, origin)
                page = guarded.context.new_page()
                started = time.perf_counter()
                open_chapter(page, origin, chapter, PATIENCE_MS)
                ready = time.perf_counter() - started
                started = time.perf_counter()
                finished = page.evaluate(RUN_ALL_CELLS, PATIENCE_MS)
                run_all = time.perf_counter() - started
                raw, compressed = weight(site, guarded.loaded)
                guarded.context.close()
                note = "" if finished is True else " (stopped early)"
                print(
                    f"{chapter:<16} kernel {ready:5.1f} s  run all {run_all:5.1f} s{note}  "
                    f"loaded {raw / 1e6:.1f} MB, {compressed / 1e6:.1f} MB gzipped, "
                    f"{len(guarded.refused)} refused off origin",
                    flush=True,
                )
                results.append((ready, run_all, compressed))
            browser.close()

    print()
    rows = [
        ("kernel ready / 15 s (slowest)", max(r[0] for r in results) / KERNEL_GOAL),
        ("run all / 10 s (slowest)", max(r[1] for r in results) / RUN_ALL_GOAL),
        ("cold load gzipped / 15 MB", max(r[2] for r in results) / WEIGHT_GOAL),
    ]
    for name, ratio in rows:
        print(f"{name:<40} {ratio:5.2f}  (goal ≤ 1: {'met' if ratio <= 1 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
