"""``make workshop``: the sandbox on loopback and JupyterLab side by side, and what to type.

``python -m helpers.book.workshop`` checks that both ports are free, starts
``python -m helpers.sandbox`` on 127.0.0.1 and JupyterLab on the book (unless ``--no-lab``), waits
until each answers as itself, and only then prints the demo credentials, the URLs and curl
commands that work against the sandbox. If either stops, it says which and why, and stops the
other. Ctrl-C (or SIGTERM) stops both. Their logs go to a temporary folder, removed when
Ctrl-C stops them and kept, named in the error, when something fails.

The sandbox runs with the documented demo credentials only: any ``EXOTEL_*`` credentials in your
environment are kept away from it, so nothing printed here is ever a real secret.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import httpx

from ..command_line import port_number
from ..credentials import REGION_VAR, REQUIRED, SUBDOMAIN_VAR
from ..sandbox.accounts import DEMO_ACCOUNT_SID, DEMO_API_KEY, DEMO_API_TOKEN, demo_credentials
from ..sandbox.serving import exports
from ..sandbox.wire import SANDBOX_HEADER, SANDBOX_NOTICE
from .children import Child, start, stop, wait_until_up
from .notebook_format import HOOK_OPTION
from .paths import ROOT

HOST = "127.0.0.1"
#: The Makefile's PORT and LAB_PORT when the user gives none.
DEFAULT_PORT, DEFAULT_LAB_PORT = 4010, 8888
#: A made-up Indian mobile number; the ``+`` is why the SMS command uses ``--data-urlencode``.
EXAMPLE_TO = "+919820000000"


def sandbox_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` without EXOTEL_* credentials, so the sandbox serves the demo account."""
    return {k: v for k, v in env.items() if k not in (*REQUIRED, REGION_VAR, SUBDOMAIN_VAR)}


def sandbox_command(port: int) -> list[str]:
    """The sandbox on ``port`` (the demo account's region) and ``port + 1`` (the other one)."""
    return [
        sys.executable,
        "-m",
        "helpers.sandbox",
        "--host",
        HOST,
        "--port",
        str(port),
        "--other-region-port",
        str(port + 1),
    ]


def lab_command(port: int, token: str, euid: int | None = None) -> list[str]:
    """JupyterLab on the book; ``--allow-root`` when running as root (containers, devcontainers),
    which JupyterLab otherwise refuses."""
    euid = os.geteuid() if euid is None and hasattr(os, "geteuid") else euid
    return [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        *(["--allow-root"] if euid == 0 else []),
        f"--ServerApp.ip={HOST}",
        f"--ServerApp.port={port}",
        # Fail on a taken port instead of quietly moving to the next one.
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={ROOT / 'book'}",
        # Saving a chapter leaves it as committed (helpers/book/notebook_format.py).
        HOOK_OPTION,
    ]


def port_in_use(port: int, host: str = HOST) -> bool:
    """True if another program listens on ``host:port`` (what the server would fail to bind)."""
    with socket.socket() as probe:
        # As uvicorn and tornado bind: a port left in TIME_WAIT by a stopped server is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def next_free(port: int, span: int = 1, in_use: Callable[[int], bool] = port_in_use) -> int:
    """The first port after ``port`` where ``span`` ports in a row are free."""
    candidate = port + 1
    while any(in_use(p) for p in range(candidate, candidate + span)):
        candidate += 1
    return candidate


def workshop_command(port: int, lab_port: int | None, **change: int) -> str:
    """``make workshop`` with ``change`` and the settings the user gave (those not at their
    default), so a suggestion never drops a port the user chose.

    >>> workshop_command(4012, 8888, LAB_PORT=8889)
    'make workshop PORT=4012 LAB_PORT=8889'
    """
    settings = {"PORT": port, "LAB_PORT": lab_port, **change}
    defaults = {"PORT": DEFAULT_PORT, "LAB_PORT": DEFAULT_LAB_PORT}
    words = [
        f"{name}={value}"
        for name, value in settings.items()
        if value is not None and (name in change or value != defaults[name])
    ]
    return " ".join(["make workshop", *words])


def busy_port_message(busy: int, what: str, command: str) -> str:
    return (
        f"Port {busy} is in use by another program, so {what} cannot start there. "
        f"Try another: {command}"
    )


def busy_ports(port: int, lab_port: int | None, in_use=port_in_use) -> str | None:
    """What to say if a port the workshop needs is taken, before anything starts; else None."""
    for busy, what in ((port, "the sandbox"), (port + 1, "the sandbox's other-region host")):
        if in_use(busy):
            # The sandbox takes two ports in a row: suggest the next free pair.
            command = workshop_command(port, lab_port, PORT=next_free(port, 2, in_use))
            return busy_port_message(busy, what, command)
    if lab_port is not None and in_use(lab_port):
        command = workshop_command(port, lab_port, LAB_PORT=next_free(lab_port, 1, in_use))
        return busy_port_message(lab_port, "JupyterLab", command)
    return None


def curl_commands(origin: str, other_origin: str | None = None) -> list[str]:
    """Commands an attendee can paste; each answers 200 from a fresh sandbox, except the one
    whose comment names another status (the same key at the other region's address: 401)."""
    user = f"{DEMO_API_KEY}:{DEMO_API_TOKEN}"
    base = f"{origin}/v1/Accounts/{DEMO_ACCOUNT_SID}"
    wrong_region = []
    if other_origin:
        other = f"{other_origin}/v1/Accounts/{DEMO_ACCOUNT_SID}/Calls.json"
        wrong_region = [shlex.join(["curl", "-u", user, other]) + "   # the wrong region: 401"]
    return [
        shlex.join(["curl", "-u", user, f"{base}/Calls.json"]),
        shlex.join(
            [
                "curl",
                "-u",
                user,
                "--data-urlencode",
                "From=08010000000",
                "--data-urlencode",
                f"To={EXAMPLE_TO}",
                "--data-urlencode",
                "Body=Hello from the handbook sandbox",
                f"{base}/Sms/send.json",
            ]
        ),
        *wrong_region,
    ]


def banner(
    origin: str, lab_url: str | None, lab_log: Path | None = None, other_origin: str | None = None
) -> str:
    lines = [
        f"Exotel handbook workshop. The sandbox on {origin} is NOT the live Exotel API.",
        "",
        "Demo credentials (they work only in this sandbox):",
        f"  Account SID : {DEMO_ACCOUNT_SID}",
        f"  API key     : {DEMO_API_KEY}",
        f"  API token   : {DEMO_API_TOKEN}",
        "",
        "URLs:",
        f"  sandbox API      : {origin}/v1/Accounts/{DEMO_ACCOUNT_SID}/",
        f"  sandbox dashboard: {origin}/_sandbox/admin/  (the sandbox's own, not an Exotel API)",
    ]
    if other_origin:
        lines.append(f"  the other region : {other_origin}/  (the wrong region for this account)")
    if lab_url:
        lines.append(f"  JupyterLab       : {lab_url}")
    if lab_log:
        lines.append(f"  JupyterLab's log : {lab_log}")
    lines += ["", "Try (book/curl_exercises.md has more):"]
    lines += [f"  {command}" for command in curl_commands(origin, other_origin)]
    lines += [
        "",
        "For the curl exercises, in your shell:",
        f"  {exports(origin, other_origin or origin, demo_credentials({}))}",
        "",
        "Ctrl-C stops everything.",
    ]
    return "\n".join(lines)


def is_sandbox(answer: httpx.Response) -> bool:
    """The handbook's sandbox marks every answer; another program on the port does not."""
    return answer.status_code == 200 and answer.headers.get(SANDBOX_HEADER) == SANDBOX_NOTICE


def is_jupyter(answer: httpx.Response) -> bool:
    """Jupyter Server answers ``/api`` with its version, without a token."""
    try:
        return answer.status_code == 200 and "version" in answer.json()
    except ValueError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.book.workshop", description=__doc__)
    parser.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help=f"the sandbox's port ({DEFAULT_PORT})",
    )
    parser.add_argument(
        "--lab-port",
        type=port_number,
        default=DEFAULT_LAB_PORT,
        help=f"JupyterLab's port ({DEFAULT_LAB_PORT})",
    )
    parser.add_argument("--no-lab", action="store_true", help="start the sandbox only")
    args = parser.parse_args(argv)

    busy = busy_ports(args.port, None if args.no_lab else args.lab_port)
    if busy:
        print(f"error: {busy}", file=sys.stderr)
        return 2

    origin = f"http://{HOST}:{args.port}"
    logs = Path(tempfile.mkdtemp(prefix="handbook-workshop-"))
    children: list[Child] = []
    stopped_cleanly = False
    # SIGTERM (from a test, or a process manager) stops the children like Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        children.append(
            start(
                "the sandbox",
                sandbox_command(args.port),
                f"{origin}/_sandbox/admin/",
                logs,
                env=sandbox_env(os.environ),
            )
        )
        lab_url = None
        if not args.no_lab:
            token = secrets.token_hex(16)
            lab_origin = f"http://{HOST}:{args.lab_port}"
            children.append(
                start("JupyterLab", lab_command(args.lab_port, token), f"{lab_origin}/api", logs)
            )
            lab_url = f"{lab_origin}/lab?token={token}"
        # JupyterLab's first start on a slow laptop takes a while; the sandbox's does not.
        waits = ((is_sandbox, 30.0), (is_jupyter, 120.0))
        for child, (accept, timeout) in zip(children, waits, strict=False):
            try:
                wait_until_up(
                    child.url, child.process, name=child.name, accept=accept, timeout=timeout
                )
            except RuntimeError as exc:
                if child.process.poll() is not None:
                    raise RuntimeError(child.stopped()) from None
                raise RuntimeError(f"{exc}. Its log: {child.log}") from None
        # The banner promises both: one that answered and stopped since is not "ready".
        for child in children:
            if child.process.poll() is not None:
                raise RuntimeError(child.stopped())
        other_origin = f"http://{HOST}:{args.port + 1}"
        lab_log = children[1].log if lab_url else None
        print(banner(origin, lab_url, lab_log, other_origin), flush=True)
        while all(c.process.poll() is None for c in children):
            time.sleep(0.5)
        gone = next(c for c in children if c.process.poll() is not None)
        others = " and ".join(c.name for c in children if c is not gone)
        print(
            f"error: {gone.stopped()}" + (f"\nStopping {others}." if others else ""),
            file=sys.stderr,
        )
        return 1
    except RuntimeError as exc:
        others = [c.name for c in children if c.process.poll() is None]
        stopping = f"\nStopping {' and '.join(others)}." if others else ""
        print(f"error: {exc}{stopping}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        stopped_cleanly = True
        return 0
    finally:
        stop([c.process for c in children])
        if stopped_cleanly:
            shutil.rmtree(logs, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
