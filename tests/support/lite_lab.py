"""Driving the in-browser lab (helpers/book/lite/) in chromium: shared by its browser tests and
benchmarks/lite.py. The lab exposes its application object (``exposeAppInBrowser``)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

#: Name look-ups off loopback fail in the browser itself, workers and service worker included.
OFFLINE = '--host-resolver-rules="MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1"'

KERNEL_IDLE = """() => {
  const widget = window.jupyterapp?.shell.currentWidget;
  const kernel = widget?.sessionContext?.session?.kernel;
  return kernel?.connectionStatus === "connected" && kernel.status === "idle";
}"""
#: Edit → Clear Outputs of All Cells, then Run → Run All Cells, awaited: true once every cell ran
#: (it stops at an untagged error). Cleared first, so what a cell shows is what this run printed.
RUN_ALL_CELLS = """async (ms) => {
  await window.jupyterapp.commands.execute("notebook:clear-all-cell-outputs");
  const run = window.jupyterapp.commands.execute("notebook:run-all-cells");
  const late = new Promise(resolve => setTimeout(() => resolve("timed out"), ms));
  return await Promise.race([run, late]);
}"""
NOTEBOOK_JSON = "() => window.jupyterapp.shell.currentWidget.content.model.toJSON()"
#: The open notebook's cells replaced by another chapter's (its JSON), on the same kernel, whose
#: user namespace is cleared first (``%reset -f``). Silent, so the lab's count of executions stays;
#: the kernel's IPython counts every request, so the reset takes its own count back.
SWAP_CHAPTER = """async (notebook) => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session.kernel;
  const code = "%reset -f\\nget_ipython().execution_count -= 1";
  const reset = {code, silent: true, store_history: false};
  await kernel.requestExecute(reset).done;
  panel.content.model.fromJSON(notebook);
}"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (the base class's name)
        pass


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """``folder`` on 127.0.0.1, on a port the OS picks; yields its URL."""
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Guarded:
    """A browser context that refuses every request off ``origin`` and keeps each one's URL,
    and the paths of those it let through."""

    def __init__(self, browser, origin: str) -> None:
        self.origin = origin
        self.refused: list[str] = []
        self.loaded: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.route("**/*", self._route)

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(f"{self.origin}/"):
            self.loaded.append(url.removeprefix(self.origin).split("?")[0])
            route.continue_()
        elif url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.refused.append(url)
            route.abort("blockedbyclient")


def open_chapter(page, origin: str, chapter: str, ready_ms: int) -> None:
    """Open ``chapter`` in the lab as the page's button does, and wait for its kernel."""
    page.goto(f"{origin}/lite/lab/index.html?path={chapter}.ipynb")
    page.wait_for_function(KERNEL_IDLE, timeout=ready_ms)
