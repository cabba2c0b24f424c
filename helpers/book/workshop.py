"""``make workshop``: the sandbox on loopback and JupyterLab side by side, and what to type.

``python -m helpers.book.workshop`` starts ``python -m helpers.sandbox`` on 127.0.0.1, waits until it
answers, starts JupyterLab on the book (unless ``--no-lab``), and prints the demo credentials, the
URLs and curl commands that work against the sandbox. Ctrl-C stops both.

The sandbox runs with the documented demo credentials only: any ``EXOTEL_*`` credentials in your
environment are kept away from it, so nothing printed here is ever a real secret.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping

import httpx

from ..credentials import REGION_VAR, REQUIRED, SUBDOMAIN_VAR
from ..sandbox.accounts import DEMO_ACCOUNT_SID, DEMO_API_KEY, DEMO_API_TOKEN
from .paths import ROOT

HOST = "127.0.0.1"
#: A made-up Indian mobile number; the ``+`` is why the SMS command uses ``--data-urlencode``.
EXAMPLE_TO = "+919820000000"


def sandbox_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` without EXOTEL_* credentials, so the sandbox serves the demo account."""
    return {k: v for k, v in env.items() if k not in (*REQUIRED, REGION_VAR, SUBDOMAIN_VAR)}


def sandbox_command(port: int) -> list[str]:
    return [sys.executable, "-m", "helpers.sandbox", "--host", HOST, "--port", str(port)]


def lab_command(port: int, token: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        f"--ServerApp.ip={HOST}",
        f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={ROOT / 'book'}",
    ]


def curl_commands(origin: str) -> list[str]:
    """Commands an attendee can paste; each answers 200 from a fresh sandbox."""
    user = f"{DEMO_API_KEY}:{DEMO_API_TOKEN}"
    base = f"{origin}/v1/Accounts/{DEMO_ACCOUNT_SID}"
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
    ]


def banner(origin: str, lab_url: str | None) -> str:
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
    if lab_url:
        lines.append(f"  JupyterLab       : {lab_url}")
    lines += ["", "Try (book/curl_exercises.md has more):"]
    lines += [f"  {command}" for command in curl_commands(origin)]
    lines += [
        "",
        "For the curl exercises, in your shell:",
        f"  export SANDBOX={origin} SANDBOX_SID={DEMO_ACCOUNT_SID} "
        f"SANDBOX_KEY={DEMO_API_KEY} SANDBOX_TOKEN={DEMO_API_TOKEN}",
        "",
        "Ctrl-C stops everything.",
    ]
    return "\n".join(lines)


def wait_until_up(
    url: str,
    process: subprocess.Popen,
    *,
    timeout: float = 30.0,
    get: Callable[[str], object] = lambda url: httpx.get(url, timeout=1.0),
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Return once ``url`` answers; raise RuntimeError if ``process`` exits or time runs out."""
    waited = 0.0
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                f"the sandbox exited (code {process.returncode}) before answering on {url}; "
                "is the port already in use? Try another: make workshop PORT=4011"
            )
        try:
            get(url)
            return
        except httpx.TransportError:
            if waited >= timeout:
                raise RuntimeError(
                    f"the sandbox did not answer on {url} in {timeout:.0f} s"
                ) from None
        sleep(0.1)
        waited += 0.1


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.book.workshop", description=__doc__)
    parser.add_argument("--port", type=int, default=4010, help="the sandbox's port (4010)")
    parser.add_argument("--lab-port", type=int, default=8888, help="JupyterLab's port (8888)")
    parser.add_argument("--no-lab", action="store_true", help="start the sandbox only")
    args = parser.parse_args(argv)

    origin = f"http://{HOST}:{args.port}"
    processes = [
        subprocess.Popen(
            sandbox_command(args.port),
            cwd=ROOT,
            env=sandbox_env(os.environ),
            stdout=subprocess.DEVNULL,
        )
    ]
    # SIGTERM (from a test, or a process manager) stops the children like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        wait_until_up(f"{origin}/_sandbox/admin/", processes[0])
        lab_url = None
        if not args.no_lab:
            token = secrets.token_hex(16)
            processes.append(subprocess.Popen(lab_command(args.lab_port, token), cwd=ROOT))
            lab_url = f"http://{HOST}:{args.lab_port}/lab?token={token}"
        print(banner(origin, lab_url), flush=True)
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        return max(p.returncode or 0 for p in processes)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    finally:
        stop(processes)


if __name__ == "__main__":
    sys.exit(main())
