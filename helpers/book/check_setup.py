"""``python -m helpers.book.check_setup`` (``make check``): is this laptop ready for the workshop?

Each check says in plain words what it found and, when something is missing, how to fix it. Every
check takes what it inspects as arguments, so each failure can be tested.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from ..command_line import port_number
from ..credentials import REGION_VAR, SUBDOMAIN_VAR
from ..sandbox.wire import SANDBOX_HEADER, SANDBOX_NOTICE
from .modes import MODE_VAR
from .paths import ROOT, chapter_notebooks, copies, copy_note
from .workshop import (
    DEFAULT_LAB_PORT,
    DEFAULT_PORT,
    busy_port_message,
    is_jupyter,
    port_in_use,
    workshop_command,
)

MINIMUM_PYTHON = (3, 11)
KERNEL = "python3"
SANDBOX_PORT = DEFAULT_PORT
LAB_PORT = DEFAULT_LAB_PORT


@dataclass(frozen=True)
class Result:
    """One check: ``ok`` True (fine), False (must be fixed) or None (a note, nothing to fix)."""

    ok: bool | None
    message: str

    @property
    def label(self) -> str:
        return {True: "ok", False: "MISSING", None: "note"}[self.ok]


def check_python(version: Sequence[int]) -> Result:
    found = ".".join(str(part) for part in version[:3])
    if tuple(version[:2]) >= MINIMUM_PYTHON:
        return Result(True, f"Python {found}")
    need = ".".join(map(str, MINIMUM_PYTHON))
    return Result(
        False,
        f"Python {found} is too old: the handbook needs {need} or newer. Install it, then run "
        f"`make check PYTHON=python{need}`.",
    )


def check_kernel(kernel_python: str | None) -> Result:
    if kernel_python:
        return Result(True, f"Jupyter's {KERNEL} kernel runs {kernel_python}")
    return Result(
        False,
        f"Jupyter has no {KERNEL!r} kernel, so the chapters cannot run. Fix: `make setup`, or "
        f"`.venv/bin/python -m ipykernel install --user --name {KERNEL}`.",
    )


def check_helpers(python: str, run: Callable[[list[str]], subprocess.CompletedProcess]) -> Result:
    """``helpers`` imports in ``python`` from outside the repository, as a kernel needs it to."""
    result = run([python, "-c", "import helpers, helpers.sandbox; print(helpers.__file__)"])
    if result.returncode == 0:
        return Result(True, f"helpers imports ({result.stdout.strip()})")
    last = (result.stderr.strip().splitlines() or ["no error message"])[-1]
    return Result(
        False,
        f"{python} cannot import helpers ({last}). Fix: `make setup`, which installs the "
        "project into .venv; start JupyterLab with `make lab` or `make workshop`.",
    )


def check_cassettes(book: Path, cassettes: Path) -> Result:
    chapters = [p.stem for p in chapter_notebooks(book)]
    missing = [name for name in chapters if not (cassettes / f"{name}.json").exists()]
    if not chapters:
        return Result(False, f"no chapters found in {book}: is this the handbook's repository?")
    if missing:
        return Result(
            False,
            f"no cassettes for {', '.join(missing)} in {cassettes}: the chapters cannot replay. "
            "Fix: `git checkout -- cassettes` (or `git pull`); they are part of the repository.",
        )
    return Result(True, f"cassettes for all {len(chapters)} chapters")


def check_copies(book: Path) -> list[Result]:
    """A note for each copy JupyterLab made in ``book``, which the other checks skip."""
    return [Result(None, copy_note(path)) for path in copies(book)]


def check_environment(env: Mapping[str, str]) -> list[Result]:
    """A leftover ``EXOTEL_HANDBOOK_MODE`` or ``EXOTEL_REGION`` (from recording live, say) that
    every chapter JupyterLab starts would inherit; nothing when neither is set."""
    results = []
    mode = env.get(MODE_VAR, "").strip()
    if mode.lower() == "live":
        results.append(
            Result(
                False,
                f"{MODE_VAR}={mode} is set in this shell, so the chapters would call the live "
                f"Exotel API with your own credentials, and those that use made-up numbers refuse "
                f"to run. Fix: `unset {MODE_VAR}` (playback is the default), then start again.",
            )
        )
    elif mode.lower() in ("sandbox", "record"):
        results.append(
            Result(
                None,
                f"{MODE_VAR}={mode} is set in this shell: the chapters will run against the "
                f"in-process sandbox instead of their recordings"
                + (", and record into cassettes/" if mode.lower() == "record" else "")
                + f". For the workshop as written: `unset {MODE_VAR}`.",
            )
        )
    elif mode and mode.lower() != "playback":
        results.append(
            Result(
                False,
                f"{MODE_VAR}={mode} is not a mode (playback, sandbox, record or live), and every chapter "
                f"would stop on it. Fix: `unset {MODE_VAR}` (playback is the default).",
            )
        )
    for variable in (REGION_VAR, SUBDOMAIN_VAR):
        value = env.get(variable, "").strip()
        if value:
            results.append(
                Result(
                    None,
                    f"{variable}={value} is set in this shell. Playback ignores it (the "
                    f"recordings are the demo account's), but in sandbox or live mode the "
                    f"chapters would use that data centre's addresses. Unless you mean to: "
                    f"`unset {variable}`.",
                )
            )
    return results


def check_lab(installed: bool) -> Result:
    if installed:
        return Result(True, "JupyterLab is installed")
    return Result(
        False,
        "JupyterLab is not installed, and `make workshop` needs it. Fix, while the network is "
        "there: `make setup-lab` (once; afterwards the workshop starts offline).",
    )


def check_sandbox(
    port: int, get: Callable[[str], httpx.Response], lab_port: int = LAB_PORT
) -> Result:
    url = f"http://127.0.0.1:{port}/_sandbox/admin/"
    try:
        answer = get(url)
    except httpx.TransportError:
        return Result(
            None,
            f"the sandbox is not running on 127.0.0.1:{port}; only the curl exercises need it: "
            "`make workshop` starts it.",
        )
    # Only the sandbox sends its marker, with this exact text, on its dashboard path.
    if answer.status_code == 200 and answer.headers.get(SANDBOX_HEADER) == SANDBOX_NOTICE:
        return Result(True, f"the sandbox answers on 127.0.0.1:{port}")
    return Result(
        False,
        f"something else answers on 127.0.0.1:{port}, not the handbook's sandbox. Stop it, or "
        f"use another port: `{workshop_command(port, lab_port, PORT=port + 1)}`.",
    )


def check_lab_port(
    port: int, in_use: bool, get: Callable[[str], httpx.Response], sandbox_port: int = SANDBOX_PORT
) -> Result:
    if not in_use:
        return Result(True, f"port {port} is free for JupyterLab")
    another = workshop_command(sandbox_port, port, LAB_PORT=port + 1)
    try:
        jupyter = is_jupyter(get(f"http://127.0.0.1:{port}/api"))
    except httpx.TransportError:
        jupyter = False
    if jupyter:
        return Result(
            None,
            f"a Jupyter server already runs on 127.0.0.1:{port}: the workshop's, if it is running; "
            f"if not, `{another}`.",
        )
    return Result(False, busy_port_message(port, "JupyterLab", another) + ".")


def native_kernel_python() -> str | None:
    """The Python that Jupyter's ``python3`` kernel runs, or None if there is no such kernel."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        argv = KernelSpecManager().get_kernel_spec(KERNEL).argv
    except NoSuchKernel:
        return None
    if not argv:
        return None
    # jupyter_client starts a kernel whose command is plain `python` with its own interpreter.
    return sys.executable if argv[0] in ("python", f"python{sys.version_info[0]}") else argv[0]


def run_outside_repository(command: list[str]) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as elsewhere:
        return subprocess.run(command, cwd=elsewhere, capture_output=True, text=True, timeout=60)


def run_checks(port: int = SANDBOX_PORT, lab_port: int = LAB_PORT) -> list[Result]:
    kernel_python = native_kernel_python()
    return [
        check_python(sys.version_info),
        check_kernel(kernel_python),
        check_helpers(kernel_python or sys.executable, run_outside_repository),
        check_cassettes(ROOT / "book", ROOT / "cassettes"),
        *check_copies(ROOT / "book"),
        *check_environment(os.environ),
        check_lab(importlib.util.find_spec("jupyterlab") is not None),
        check_sandbox(port, lambda url: httpx.get(url, timeout=2.0), lab_port),
        check_lab_port(
            lab_port, port_in_use(lab_port), lambda url: httpx.get(url, timeout=2.0), port
        ),
    ]


def report(results: list[Result]) -> str:
    lines = ["Checking this machine for the Exotel API Security Handbook workshop:"]
    lines += [f"  {r.label:<8} {r.message}" for r in results]
    failed = sum(r.ok is False for r in results)
    if failed:
        lines.append(f"{failed} thing{'s' if failed > 1 else ''} to fix before the workshop.")
    else:
        lines.append("All set: run `make workshop` to start.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.book.check_setup", description=__doc__)
    parser.add_argument("--port", type=port_number, default=SANDBOX_PORT, help="the sandbox's port")
    parser.add_argument("--lab-port", type=port_number, default=LAB_PORT, help="JupyterLab's port")
    args = parser.parse_args(argv)
    results = run_checks(args.port, args.lab_port)
    print(report(results))
    return 1 if any(r.ok is False for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
