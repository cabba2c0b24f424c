"""``python -m helpers.sandbox`` in a child process with a memory and an open-file limit, for the
tests that attack it over real sockets: whatever they do, the machine keeps its memory."""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from helpers.sandbox import DEMO_API_KEY, DEMO_API_TOKEN
from tests.support.ports import free_pair
from tests.support.signals import ctrl_c_as_in_a_terminal

ROOT = Path(__file__).resolve().parents[2]
#: Address space the served sandbox may use (a regression that formats a huge number stops here).
MEMORY_LIMIT = 2 * 1024**3
OPEN_FILES = 256
AUTH = (DEMO_API_KEY, DEMO_API_TOKEN)


class ServedSandbox:
    """The sandbox on two free loopback ports, its stderr in ``log``; a context manager."""

    def __init__(self, log: Path, *flags: str, open_files: int = OPEN_FILES):
        self.port = free_pair()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.flags = flags
        self.open_files = open_files
        self.process: subprocess.Popen | None = None

    def _limits(self) -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, self.open_files))
        ctrl_c_as_in_a_terminal()

    def __enter__(self) -> ServedSandbox:
        command = [sys.executable, "-m", "helpers.sandbox", "--port", str(self.port), *self.flags]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log, preexec_fn=self._limits
            )
        end = time.monotonic() + 20
        with httpx.Client(timeout=2) as client:
            while time.monotonic() < end:
                if self.process.poll() is not None:
                    raise AssertionError(f"the sandbox exited: {self.log.read_text()}")
                try:
                    if client.get(f"{self.origin}/_sandbox/admin/").status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                time.sleep(0.05)  # polling with a deadline, not timing anything
        raise AssertionError("the sandbox did not answer within 20 s")

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send ``sig`` and wait; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def resident_bytes(self) -> int:
        """The process's resident memory now."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kilobytes = next(
            line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")
        )
        return int(kilobytes) * 1024

    def client(self, **options) -> httpx.Client:
        return httpx.Client(base_url=self.origin, timeout=options.pop("timeout", 10), **options)
