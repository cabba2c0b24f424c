"""The chapter runtime: which cell is running, and the transport that answers its requests.

IPython's ``pre_run_cell`` event names the cell that runs (``info.raw_cell``), in nbclient, in
JupyterLab and in a browser kernel alike. Each request is looked up by that cell's key and its
order within this run of the cell, so no teaching cell names a recording, and running a cell
again replays it again.

In every mode but ``live`` the in-process sandbox sees every request, replayed or not, so its
state (calls placed, callbacks owed, failures staged) is the state the recording was made in,
and a request the recordings do not hold gets an answer that follows from what came before.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

import httpx

from ..client import tls_context
from .cassette import Cassette, Exchange, cell_key, first_line
from .modes import Mode
from .outcomes import not_recorded
from .redaction import Redactor
from .state import differences, sandbox_state

#: Set by the tests: a file where each playback kernel appends, after each cell, which
#: recordings it replayed and where the sandbox now answers otherwise (JSON lines).
REPORT_VAR = "EXOTEL_HANDBOOK_REPORT"
DROPPED_HEADERS = {
    "authorization",
    "cookie",
    "set-cookie",
    "proxy-authorization",
    "content-length",
    "content-encoding",
    "transfer-encoding",
}


class Runtime:
    """One chapter's recordings in this process, and the cell that is running."""

    def __init__(self, chapter: str, mode: Mode, path: Path, report: str | None = None):
        self.chapter = chapter
        self.mode = mode
        self.path = path
        self.report = report
        if mode is Mode.PLAYBACK:
            self.cassette = Cassette.load(path, chapter)
        else:
            source = "live Exotel API" if mode is Mode.LIVE else "sandbox"
            self.cassette = Cassette(chapter, source)
        self._lock = threading.Lock()
        self._dirty = False
        self.begin_cell("")

    # -- cells -------------------------------------------------------------------------------

    def begin_cell(self, source: str) -> None:
        """A cell starts: its requests count from the first again."""
        with self._lock:
            self.key, self.code, self.index = cell_key(source), first_line(source), 0
            self._recording_started = False
            self._announced = False
            self._replayed: list[int] = []
            self._findings: list[dict] = []

    def end_cell(self) -> None:
        """A cell ended (or failed, or was stopped): save a recording, report a playback."""
        with self._lock:
            if self._dirty and self.mode.records:
                self.cassette.save(self.path)
                self._dirty = False
            if self.report and (self._replayed or self._findings):
                line = {
                    "chapter": self.chapter,
                    "cell": self.key,
                    "code": self.code,
                    "replayed": self._replayed,
                    "findings": self._findings,
                }
                with open(self.report, "a") as out:
                    out.write(json.dumps(line) + "\n")
            self._replayed, self._findings = [], []

    def next_request(self) -> tuple[str, str, int]:
        with self._lock:
            found = self.key, self.code, self.index
            self.index += 1
            return found

    # -- what a request leaves behind --------------------------------------------------------

    def record(self, key: str, code: str, exchange: Exchange) -> None:
        with self._lock:
            if not self._recording_started:
                self.cassette.start_cell(key, code)
                self._recording_started = True
            self.cassette.add(key, code, exchange)
            self._dirty = True

    def replayed(self, index: int, recorded: Exchange, now: Exchange) -> None:
        with self._lock:
            self._replayed.append(index)
            if self.report and recorded.to_json() != now.to_json():
                self._findings.append(
                    {
                        "index": index,
                        "kind": "differs",
                        "recorded": recorded.to_json(),
                        "sandbox": now.to_json(),
                    }
                )

    def answered_by_sandbox(self, index: int, reason: str, now: Exchange) -> None:
        with self._lock:
            announce, self._announced = not self._announced, True
            if self.report:
                self._findings.append(
                    {
                        "index": index,
                        "kind": "not recorded",
                        "reason": reason,
                        "sandbox": now.to_json(),
                    }
                )
        if announce:
            print(not_recorded(reason))


_runtimes: dict[tuple[str, str, Mode], Runtime] = {}
_registry_lock = threading.Lock()


def runtime_for(chapter: str, mode: Mode, path: Path, env: Mapping[str, str]) -> Runtime:
    """The one runtime of ``chapter`` in this process (two Chapter objects share it), its
    IPython events registered once."""
    with _registry_lock:
        key = (chapter, str(path), mode)
        runtime = _runtimes.get(key)
        if runtime is None:
            runtime = _runtimes[key] = Runtime(chapter, mode, path, env.get(REPORT_VAR))
            _listen(runtime)
        return runtime


def _listen(runtime: Runtime) -> None:
    """Follow the cells IPython runs, if this is IPython; start from the cell running now."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython else None
    if shell is None:
        return
    history = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None)
    if history:
        runtime.begin_cell(history[-1])
    shell.events.register("pre_run_cell", lambda info: runtime.begin_cell(info.raw_cell or ""))
    shell.events.register("post_run_cell", lambda result: runtime.end_cell())


def live_transport() -> httpx.BaseTransport:
    """The live API's transport: TLS 1.2 or newer, certificates checked."""
    return httpx.HTTPTransport(verify=tls_context())


class ChapterTransport(httpx.BaseTransport):
    """Answers a chapter's requests as its mode says: replayed, from the sandbox, or live."""

    def __init__(self, runtime: Runtime, sandbox, redactor: Redactor, source: str):
        self.runtime = runtime
        self.sandbox = sandbox
        self.redactor = redactor
        self.source = source
        if runtime.mode is Mode.LIVE:
            self._answer: httpx.BaseTransport = live_transport()
        else:
            self._answer = sandbox.transport(source)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        runtime = self.runtime
        key, code, index = runtime.next_request()
        request.read()
        state = None
        if runtime.mode is not Mode.LIVE:
            state = sandbox_state(self.sandbox, self.source, request, self.redactor)
        response = self._answer.handle_request(request)
        response.read()
        if runtime.mode is Mode.SANDBOX:
            return response
        now = self.exchange(request, state, response)
        if runtime.mode.records:
            runtime.record(key, code, now)
            return response
        cell, recorded = runtime.cassette.lookup(key, index)
        reason = self._mismatch(cell, recorded, now)
        if reason is None:
            runtime.replayed(index, recorded, now)
            return recorded.response(request)
        runtime.answered_by_sandbox(index, reason, now)
        return response

    def _mismatch(self, cell, recorded: Exchange | None, now: Exchange) -> str | None:
        if cell is None:
            return "this cell has no recording"
        if recorded is None:
            return f"its recording holds {len(cell.exchanges)} request(s)"
        if not recorded.same_request(now.method, now.url, now.body):
            return f"its recording sent {recorded.method} {recorded.url} here"
        live = self.runtime.cassette.source != "sandbox"  # recorded with no sandbox state
        if not live and recorded.state != now.state:
            changed = ", ".join(differences(recorded.state, now.state or {}))
            return f"recorded with other sandbox settings: {changed}"
        return None

    def exchange(self, request: httpx.Request, state, response: httpx.Response) -> Exchange:
        """The request and its answer, scrubbed, as a recording keeps them."""
        scrub = self.redactor
        body = request.content.decode(errors="replace") if request.content else None
        headers = {
            k.lower(): scrub.text(v)
            for k, v in response.headers.multi_items()
            if k.lower() not in DROPPED_HEADERS
        }
        content = scrub.data(response.content)
        return Exchange(
            method=request.method,
            url=scrub.text(str(request.url)),
            body=scrub.text(body) if body else None,
            state=state,
            status=response.status_code,
            headers=headers,
            content=content if isinstance(content, bytes) else content.encode(),
        )

    def close(self) -> None:
        self._answer.close()


def report_lines(path: str | os.PathLike) -> list[dict]:
    """The lines a playback with :data:`REPORT_VAR` set wrote."""
    text = Path(path).read_text() if Path(path).exists() else ""
    return [json.loads(line) for line in text.splitlines() if line.strip()]
