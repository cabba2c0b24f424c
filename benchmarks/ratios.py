"""The handbook's three speed targets, each measured in this one run, printed as ratios.

1. ``import helpers.client`` against ``import httpx`` (goal ≤ 1.5; benchmarks/import_time.py).
2. A cold book build against its floor, the same book with every code cell emptied
   (goal ≤ 1.3; benchmarks/build_time.py), each twice, in the order real, floor, floor, real.
3. ``make test`` against ``make book``, run back to back in this repository with the set-up
   done (goal ≤ 3): book, test, book again, against the mean of the two books, so a change in
   the machine's load during the run does not favour either side. This runs every test once:
   minutes, on both cores. ``--no-tests`` skips it.

Figures are wall-clock seconds on this machine as it is, other work included: run it when the
machine is otherwise quiet, and read the ratios, which shared load distorts less than seconds.

Run: ``.venv/bin/python benchmarks/ratios.py`` (``--no-tests`` for the first two only).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import build_time
import import_time

from helpers.book.paths import ROOT

TEST_TARGET = 3.0


def timed_make(target: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        ["make", target], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        print("\n".join(done.stdout.splitlines()[-40:]))
        sys.exit(f"make {target} failed (exit {done.returncode}); its log tail is above")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-tests", action="store_true", help="leave out make test / make book")
    args = parser.parse_args()

    print("== import time")
    imports = import_time.measure()

    print("\n== cold build against its floor")
    os.environ[build_time.MODE_VAR] = "playback"
    builds: dict[bool, list[float]] = {False: [], True: []}
    for empty in (False, True, True, False):  # real, floor, floor, real: drift hits both alike
        builds[empty].append(build_time.time_build(empty=empty))
        print(f"{'floor' if empty else 'real ':<5} {builds[empty][-1]:.1f} s", flush=True)
    build_ratio = sum(builds[False]) / sum(builds[True])

    results = [
        ("import helpers.client / import httpx", imports, import_time.TARGET),
        ("cold build / floor", build_ratio, build_time.TARGET),
    ]
    if not args.no_tests:
        print("\n== make test against make book, back to back")
        before = timed_make("book")
        print(f"make book {before:.1f} s", flush=True)
        tests = timed_make("test")
        print(f"make test {tests:.1f} s", flush=True)
        after = timed_make("book")
        print(f"make book {after:.1f} s (again)")
        results.append(("make test / make book", tests / ((before + after) / 2), TEST_TARGET))

    print()
    for name, ratio, target in results:
        verdict = "met" if ratio <= target else "NOT met"
        print(f"{name:<40} {ratio:5.2f}  (goal ≤ {target:g}: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
