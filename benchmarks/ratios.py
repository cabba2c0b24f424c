"""The handbook's three speed targets, each measured in this one run, printed as ratios.

1. ``import helpers.client`` against ``import httpx`` (goal ≤ 1.5; benchmarks/import_time.py).
2. A cold book build against its floor, the same book with every code cell emptied
   (goal ≤ 1.3; benchmarks/build_time.py), each twice, in the order real, floor, floor, real;
   beside it, the time of ``make book``'s second step, the in-browser lab (benchmarks/lite.py).
3. ``make test`` against ``make book``, run back to back in this repository with the set-up
   done (goal ≤ 3): book, test, book again, against the mean of the two books, so a change in
   the machine's load during the run does not favour either side. This runs every test once:
   minutes, on both cores. ``--no-tests`` skips it. It also prints the CPU time the machine
   spent on each (Linux), whose ratio the wall-clock one cannot beat by more than the cores.

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

import lite
from helpers.book.paths import ROOT

TEST_TARGET = 3.0


def busy_cpu_seconds() -> float | None:
    """CPU time the whole machine has spent busy so far (Linux /proc/stat), or None elsewhere.
    Unlike a process's own rusage it counts what a run starts outside its process tree too
    (chromium's helpers, the PostgreSQL server)."""
    try:
        with open("/proc/stat") as stat:
            user, nice, system, _idle, _iowait, irq, softirq = map(
                int, stat.readline().split()[1:8]
            )
    except (OSError, ValueError):
        return None
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def timed_make(target: str) -> tuple[float, float | None]:
    """(wall-clock seconds, busy CPU seconds of the machine or None) of ``make target``."""
    cpu_before, started = busy_cpu_seconds(), time.perf_counter()
    done = subprocess.run(
        ["make", target], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    elapsed, cpu_after = time.perf_counter() - started, busy_cpu_seconds()
    if done.returncode != 0:
        print("\n".join(done.stdout.splitlines()[-40:]))
        sys.exit(f"make {target} failed (exit {done.returncode}); its log tail is above")
    return elapsed, (cpu_after - cpu_before if cpu_before is not None else None)


def cpu_note(cpu: float | None) -> str:
    return f", {cpu:.0f} CPU-s" if cpu is not None else ""


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
    # make book's second step, not in the ratio: the in-browser lab (benchmarks/lite.py).
    lab_built, lab_copied = lite.build_times()
    print(f"in-browser lab {lab_built:.1f} s from clean, {lab_copied:.1f} s when unchanged")

    results = [
        ("import helpers.client / import httpx", imports, import_time.TARGET),
        ("cold build / floor", build_ratio, build_time.TARGET),
    ]
    if not args.no_tests:
        print("\n== make test against make book, back to back")
        before, before_cpu = timed_make("book")
        print(f"make book {before:.1f} s{cpu_note(before_cpu)}", flush=True)
        tests, tests_cpu = timed_make("test")
        print(f"make test {tests:.1f} s{cpu_note(tests_cpu)}", flush=True)
        after, after_cpu = timed_make("book")
        print(f"make book {after:.1f} s{cpu_note(after_cpu)} (again)")
        results.append(("make test / make book", tests / ((before + after) / 2), TEST_TARGET))
        if None not in (before_cpu, tests_cpu, after_cpu):
            # Not a goal: what the wall-clock ratio cannot go below on this many cores.
            work = tests_cpu / ((before_cpu + after_cpu) / 2)
            print(f"(CPU work: make test / make book = {work:.2f}; {os.cpu_count()} cores)")

    print()
    for name, ratio, target in results:
        verdict = "met" if ratio <= target else "NOT met"
        print(f"{name:<40} {ratio:5.2f}  (goal ≤ {target:g}: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
