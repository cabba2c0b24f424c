"""What the first view of each page loads, in bytes, against a target of 1 MB.

Opens every page the table of contents names, the API reference's included, of the built site
(``make book`` first; or ``--site DIR``) in the browser tests' chromium at 1280 px from a
loopback server, waits for it to load, and lists every file it fetched with its size as served
(uncompressed) and gzipped (what a web server would send).
The target is the uncompressed total of a page's first view. Nothing is timed.

Run: ``.venv/bin/python benchmarks/page_weight.py [--site _build/html] [--page book/intro]``.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.book_paths import ROOT, toc_pages  # noqa: E402
from tests.support.chromium import CHROMIUM  # noqa: E402

TARGET = 1_000_000


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (the base class's name)
        pass


def first_view(browser, url: str, site: Path) -> list[tuple[str, int, int]]:
    """(path, bytes, gzipped bytes) of every file the page at ``url`` loads, largest first."""
    fetched: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("requestfinished", lambda request: fetched.append(request.url))
    page.goto(url, wait_until="load")
    page.wait_for_timeout(500)  # fonts and deferred scripts a stylesheet or script asks for
    page.close()
    files = []
    origin = url.split("/", 3)[:3]
    for address in dict.fromkeys(fetched):
        path = address.split("?")[0].split("#")[0].replace("/".join(origin) + "/", "", 1)
        body = (site / path).read_bytes()
        files.append((path, len(body), len(gzip.compress(body, 6))))
    return sorted(files, key=lambda f: -f[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--page", action="append", help="book/<name> (default: every page)")
    args = parser.parse_args()
    if not (args.site / "book").is_dir():
        sys.exit(f"no built site in {args.site}: run `make book` first")
    if CHROMIUM is None:
        sys.exit("no chromium: run `make browser`")
    from playwright.sync_api import sync_playwright

    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(args.site))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    over = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for name in args.page or toc_pages():
            files = first_view(browser, f"{base}/{name}.html", args.site)
            total, zipped = sum(f[1] for f in files), sum(f[2] for f in files)
            print(f"\n{name}: {total:,} bytes ({zipped:,} gzipped) in {len(files)} files")
            for path, size, packed in files:
                print(f"  {size:>10,} {packed:>10,}  {path}")
            if total > TARGET:
                over.append(name)
        browser.close()
    server.shutdown()
    print(f"\ntarget: each first view <= {TARGET:,} bytes uncompressed; over: {over or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
