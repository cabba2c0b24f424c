"""How long ``import helpers.client`` takes, against ``import httpx`` (the one library it needs).

Each import runs in a fresh interpreter, timed around the import statement alone (interpreter
start-up and ``site`` excluded), ``--repeat`` times, the two alternated; the ratio uses the medians. The goal is 1.5:
the client a reader copies should cost little more than httpx itself, so it must not load vcrpy,
YAML, the sandbox or the book's machinery.

Run: ``.venv/bin/python benchmarks/import_time.py [--repeat 15]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

TARGET = 1.5
TIMED = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def import_seconds(module: str) -> float:
    """Seconds to import ``module`` in a fresh interpreter."""
    timed = subprocess.run(
        [sys.executable, "-c", TIMED.format(module=module)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(timed.stdout)


def measure(repeat: int = 15) -> float:
    """Print both import times and their ratio; return the ratio."""
    httpx, client = [], []
    for _ in range(repeat):  # alternated, so a change in the machine's load hits both alike
        httpx.append(import_seconds("httpx"))
        client.append(import_seconds("helpers.client"))
    ratio = statistics.median(client) / statistics.median(httpx)
    for name, values in (("import httpx", httpx), ("import helpers.client", client)):
        print(
            f"{name:<24} {1000 * statistics.median(values):6.1f} ms (median of {repeat}), "
            f"{1000 * min(values):6.1f} ms (min)"
        )
    verdict = "met" if ratio <= TARGET else "not met"
    print(f"ratio client/httpx:      {ratio:.2f}  (target ≤ {TARGET}: {verdict})")
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="fresh interpreters per import")
    measure(parser.parse_args().repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
