"""``python -m helpers.book.lite lock | fetch | build [--out DIR]``: see the package's docstring."""

from __future__ import annotations

import argparse
import sys
import time

from ..errors import LiteError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.book.lite", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("lock", help="resolve the wheels again and rewrite lite/lock.json")
    commands.add_parser("fetch", help="download what lite/lock.json names into the cache")
    build = commands.add_parser("build", help="build the lab (from the cache; fetches once)")
    build.add_argument("--out", default="_build/html/lite", help="where (default: %(default)s)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        if args.command == "lock":
            from .lock import lock

            locked = lock()
            print(f"lite/lock.json: {len(locked['packages'])} packages for the in-browser lab")
        elif args.command == "fetch":
            from .fetch import fetch

            fetch()
        else:
            from pathlib import Path

            from .build import build_lab

            cached = build_lab(Path(args.out))
            how = "unchanged inputs: copied from the cache" if cached else "built"
            print(f"In-browser lab in {args.out} ({how}, {time.monotonic() - started:.1f} s)")
    except LiteError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
