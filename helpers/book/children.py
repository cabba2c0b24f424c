"""The workshop's child servers: each started in its own session, awaited, and stopped."""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from .paths import ROOT


@dataclass
class Child:
    """A server this command started: its name, process, readiness URL and log file."""

    name: str
    process: subprocess.Popen
    url: str
    log: Path

    def why(self) -> str:
        """The last lines the process logged: usually the reason it stopped."""
        try:
            lines = [line for line in self.log.read_text(errors="replace").splitlines() if line]
        except OSError:
            lines = []
        return "\n".join(f"    {line}" for line in lines[-3:]) or "    (it logged nothing)"

    def stopped(self) -> str:
        code = self.process.returncode
        how = f"exit code {code}"
        if code is not None and code < 0:
            try:
                how = f"killed by {signal.Signals(-code).name}"
            except ValueError:
                pass
        return f"{self.name} stopped ({how}). Its last words, from {self.log}:\n{self.why()}"


def wait_until_up(
    url: str,
    process: subprocess.Popen,
    *,
    name: str = "the sandbox",
    accept: Callable[[httpx.Response], bool] = lambda answer: True,
    timeout: float = 60.0,
    get: Callable[[str], httpx.Response] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Return once ``url`` answers as ``accept`` expects; raise RuntimeError if ``process`` exits,
    something else answers, or time runs out. ``get`` defaults to one HTTP client for every try
    (``httpx.get`` would set up TLS again on each)."""
    if get is None:
        with httpx.Client(timeout=1.0) as client:
            return wait_until_up(
                url, process, name=name, accept=accept, timeout=timeout, get=client.get, sleep=sleep
            )
    waited = 0.0
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                f"{name} exited (code {process.returncode}) before answering on {url}"
            )
        try:
            answer = get(url)
        except httpx.TransportError:
            if waited >= timeout:
                raise RuntimeError(f"{name} did not answer on {url} in {timeout:.0f} s") from None
        else:
            if accept(answer):
                return
            raise RuntimeError(
                f"something else answers on {url}, not {name}; stop it, or choose another port"
            )
        sleep(0.1)
        waited += 0.1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, between fork and exec
    """Linux: the child gets SIGTERM if this process dies, even by SIGKILL."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start(name: str, command: list[str], url: str, logs: Path, **popen) -> Child:
    log = logs / f"{name.split()[-1].lower()}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Its own process group: Ctrl-C reaches this command only, which then stops each
            # child cleanly (JupyterLab would otherwise stop to ask "Shutdown this server?").
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            **popen,
        )
    return Child(name, process, url, log)


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
