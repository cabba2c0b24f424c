"""Book builds that every process of one test run shares.

``make test`` runs the tests in several pytest-xdist workers. Each worker collects every test, so
each would start the whole-book build and the probe builds at collection; instead the first
process to claim a build starts it, and the others wait for its outcome in a folder the run
shares. The xdist controller makes that folder and hands it to its workers in
:data:`RUN_VAR` (tests/support/builds.py); without xdist the session's own temporary folder plays it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .book_build import BUILD_TIMEOUT, finish, stop

#: The folder a run's workers share, set by the xdist controller for its workers only.
RUN_VAR = "HANDBOOK_TEST_RUN"
#: Longer than any build: a build that never reports is a worker that died.
WAIT = BUILD_TIMEOUT + 120


def claim(path: Path) -> bool:
    """True for the one process that creates ``path`` first."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


class SharedBuild:
    """The build ``name`` in ``folder``: started by the first process of the run to get here,
    in the background; every process reads its outcome with :meth:`outcome`.

    ``start`` runs only in the starting process; it returns the started build and facts to keep
    with its outcome (JSON).
    """

    def __init__(
        self,
        folder: Path,
        name: str,
        start: Callable[[], tuple[subprocess.Popen, dict]],
    ) -> None:
        self.name = name
        self.done = folder / f"{name}.json"
        self.process: subprocess.Popen | None = None
        if claim(folder / f"{name}.claimed"):
            self.process, facts = start()
            (folder / f"{name}.pid").write_text(str(self.process.pid))
            self.waiter = threading.Thread(target=self._record, args=(facts,), daemon=True)
            self.waiter.start()

    def _record(self, facts: dict) -> None:
        try:
            done = finish(self.process)
            outcome = {"returncode": done.returncode, "log": done.stdout}
        except Exception as exc:  # a hung build, stopped: the waiting tests fail and say so
            stop(self.process)
            outcome = {"returncode": -1, "log": f"the {self.name} build did not finish: {exc!r}"}
        written = self.done.with_suffix(".tmp")
        written.write_text(json.dumps({**facts, **outcome}))
        written.replace(self.done)  # whole or not at all, for the processes polling for it

    def outcome(self) -> dict:
        """The finished build's facts, ``returncode`` and ``log`` (stdout and stderr)."""
        deadline = time.monotonic() + WAIT
        while not self.done.exists():
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"the {self.name} build did not finish within {WAIT} s: the test process that "
                    "started it stopped (see its output above)"
                )
            time.sleep(0.1)
        return json.loads(self.done.read_text())

    def finish_for_others(self) -> None:
        """This process is done: see a build it started through, for the others still waiting."""
        if self.process is not None:
            self.waiter.join()

    def stop(self) -> None:
        """Stop a build this process started, with its kernels (the session is over), once its
        waiter has recorded the outcome: the waiter alone reads the build's output, and the run's
        folder is removed next."""
        if self.process is None:
            return
        for stopping in (signal.SIGTERM, signal.SIGKILL):
            if self.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):  # it may end on its own meanwhile
                    os.killpg(self.process.pid, stopping)
            self.waiter.join(timeout=30)
            if not self.waiter.is_alive():
                return


def stop_leftovers(folder: Path) -> None:
    """Stop every build in ``folder`` that never reported (its worker was interrupted)."""
    for pid_file in folder.glob("*.pid"):
        if not pid_file.with_suffix(".json").exists():
            try:
                os.killpg(int(pid_file.read_text()), signal.SIGTERM)
            except (ProcessLookupError, ValueError):
                pass
