"""``python -m helpers.webhooks`` in a child process on a loopback port, for the receiver's server
and chaos tests; ``HANDLER`` is a handler module that appends each event's id to a log."""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

from helpers.book.paths import ROOT
from tests.support.ports import free_port

START_DEADLINE = 20.0
HANDLER = """
import os

def handle(event):
    fd = os.open(os.environ["HANDLED_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, f"{event.id}\\n".encode())
    finally:
        os.close(fd)
"""


class Receiver:
    """The receiver in a subprocess on a loopback port; its output goes to files in ``tmp_path``
    (a pipe nobody reads while a test runs would fill, and block the receiver's logging)."""

    def __init__(
        self,
        tmp_path: Path,
        store: Path | str,
        *extra: str,
        allow: str = "127.0.0.1/32",
        open_files: int | None = None,
        port: int | None = None,
        wait: bool = True,
    ):
        """``wait``: return once it listens (an error if it exits first); False: at once."""
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]),
            "HANDLED_LOG": str(tmp_path / "handled.log"),
        }
        command = [
            sys.executable, "-m", "helpers.webhooks", "--host", "127.0.0.1",
            "--port", str(self.port), "--store", str(store), "--allow", allow, *extra,
        ]  # fmt: skip

        def limit_open_files() -> None:
            if open_files is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

        name = f"receiver-{self.port}-{uuid.uuid4().hex[:6]}"
        self.out_path, self.err_path = tmp_path / f"{name}.out", tmp_path / f"{name}.err"
        with self.out_path.open("w") as out, self.err_path.open("w") as err:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=err, text=True,
                preexec_fn=limit_open_files,
            )  # fmt: skip
        if wait:
            self._wait_until_listening()

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + START_DEADLINE
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"receiver exited: {self.err}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)  # polling the port with a deadline, not timing anything
        self.kill()
        raise AssertionError(f"nothing listened on port {self.port} within {START_DEADLINE} s")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> str:
        """SIGTERM, then what it printed."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        self.process.wait(15)
        return self.out_path.read_text()

    @property
    def err(self) -> str:
        """What it has logged so far."""
        return self.err_path.read_text()
