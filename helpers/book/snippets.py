"""The book's copy-and-paste snippets, run against the loopback sandbox.

Each request a chapter teaches is also a file in ``book/snippets/<chapter>/``, one per language
(``<name>.sh`` curl, ``<name>.mjs`` Node.js, ``<name>.py`` Python), with what it printed when it
last ran committed beside it (``<name>.sh.out``). The chapters include both files in a tab set,
so what a page shows is what runs here. Each run gets a fresh sandbox with the frozen clock,
served as ``python -m helpers.sandbox`` serves it on two free loopback ports (one server for a
whole run of snippets, a new sandbox behind it for each), so the output is the same every time.

A snippet reads the base URL from ``EXOTEL_BASE_URL`` (the sandbox, ``http://127.0.0.1:4010``,
when unset) and the credentials from ``EXOTEL_API_KEY``, ``EXOTEL_API_TOKEN`` and
``EXOTEL_ACCOUNT_SID``. ``book/snippets/snippets.toml`` says what a snippet needs beyond that:
other sandbox flags, requests sent first (``setup``), or a key of its own (``key``).

Adding a language is one entry in :data:`LANGUAGES` (extension, tab label, command).

    python -m helpers.book.snippets check            # run every snippet, diff against .out
    python -m helpers.book.snippets record [PATH...]  # run and rewrite the .out files
"""

from __future__ import annotations

import argparse
import difflib
import os
import shutil
import subprocess
import sys
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from ..sandbox.accounts import DEMO_ACCOUNT_SID, DEMO_API_KEY, DEMO_API_TOKEN
from .paths import BOOK, ROOT

SNIPPETS = BOOK / "snippets"
CONFIG = SNIPPETS / "snippets.toml"
NODE_MODULES = ROOT / "node_modules"  # Node looks up from the snippets' folders
HOST = "127.0.0.1"
DEFAULT_SANDBOX_FLAGS = ("--frozen-clock",)
TIMEOUT = 60.0


@dataclass(frozen=True)
class Language:
    label: str  # the tab's title on the page
    command: tuple[str, ...]  # the interpreter; the snippet's path is appended
    needs: str  # the program that must be on PATH, named in the skip reason


#: One entry per language: the file extension, the tab label, how to run it.
LANGUAGES: dict[str, Language] = {
    ".sh": Language("curl", ("bash",), "curl"),
    ".mjs": Language("Node.js", ("node",), "node"),
    ".cjs": Language("Node.js", ("node",), "node"),
    ".py": Language("Python", (sys.executable,), sys.executable),
}


@dataclass(frozen=True)
class Snippet:
    path: Path

    @property
    def key(self) -> str:
        """``<chapter>/<name>``: the entry in snippets.toml, shared by every language."""
        return f"{self.path.parent.name}/{self.path.stem}"

    @property
    def id(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"

    @property
    def language(self) -> Language:
        return LANGUAGES[self.path.suffix]

    @property
    def expected_path(self) -> Path:
        return self.path.with_name(self.path.name + ".out")

    def missing_tool(self) -> str | None:
        """Why this snippet cannot run here, or None."""
        tool = self.language.needs
        if shutil.which(tool) is None:
            return f"{tool} is not installed (make test installs it with apt-get as root)"
        if self.language.label == "Node.js" and uses_npm_packages(self.path):
            if not NODE_MODULES.is_dir():
                return f"{self.id} needs Express: run `make node` (npm ci in the repository root)"
        return None


@dataclass
class Setup:
    sandbox_flags: tuple[str, ...] = DEFAULT_SANDBOX_FLAGS
    steps: list[dict] = field(default_factory=list)
    key: dict[str, str] | None = None


def uses_npm_packages(path: Path) -> bool:
    text = path.read_text()
    return 'require("express")' in text or 'from "express"' in text


def all_snippets() -> list[Snippet]:
    return sorted(
        (Snippet(p) for p in SNIPPETS.glob("*/*") if p.suffix in LANGUAGES and p.is_file()),
        key=lambda s: s.id,
    )


def load_setups(config: Path = CONFIG) -> dict[str, Setup]:
    if not config.exists():
        return {}
    setups = {}
    for name, entry in tomllib.loads(config.read_text()).items():
        unknown = set(entry) - {"sandbox", "setup", "key"}
        if unknown:
            raise ValueError(
                f"{config.name} [{name}]: unknown setting {sorted(unknown)}; "
                "use sandbox, setup or key."
            )
        setups[name] = Setup(
            sandbox_flags=tuple(entry.get("sandbox", DEFAULT_SANDBOX_FLAGS)),
            steps=list(entry.get("setup", [])),
            key=entry.get("key"),
        )
    return setups


class SharedSandbox:
    """The sandbox's loopback server, as ``python -m helpers.sandbox`` serves it (the same
    arguments, the same Starlette app on uvicorn, one port per region), in a thread of this
    process, for many snippets in turn: :meth:`reset` puts a new sandbox (its own keys, calls,
    clock and rate-limit budgets) behind the same two ports before each one, rather than a new
    process for each snippet. A context manager.
    """

    def __init__(self) -> None:
        from ..sandbox.serving import listen, server

        self.sockets = [listen(HOST, 0), listen(HOST, 0)]
        self.port, self.other_port = (sock.getsockname()[1] for sock in self.sockets)
        self.origin = f"http://{HOST}:{self.port}"
        self._app = None
        # As python -m helpers.sandbox runs it: the same guards, the TCP peer as the client.
        self.server = server(self._serve, interface="asgi3", lifespan="off")
        self.thread = threading.Thread(
            target=self.server.run,
            kwargs={"sockets": self.sockets},
            name="snippets sandbox",
            daemon=True,
        )

    async def _serve(self, scope, receive, send) -> None:
        if self._app is None:
            raise RuntimeError("SharedSandbox.reset() was not called before the first request")
        await self._app(scope, receive, send)

    def reset(self, flags: tuple[str, ...] = DEFAULT_SANDBOX_FLAGS) -> None:
        """A fresh sandbox behind both ports, made from ``python -m helpers.sandbox`` flags."""
        from ..sandbox.server import create_app
        from ..sandbox.serving import make_sandbox, options_parser, other_region

        ports = ("--port", str(self.port), "--other-region-port", str(self.other_port))
        # The environment's EXOTEL_* values are the reader's, not the demo account's.
        sandbox = make_sandbox(options_parser().parse_args([*ports, *flags]), env={})
        region = sandbox.demo.region
        self._app = create_app(
            sandbox, region, {self.port: region, self.other_port: other_region(region)}
        )

    def __enter__(self) -> SharedSandbox:
        self.thread.start()
        deadline = time.monotonic() + TIMEOUT
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError(f"the sandbox's server on {self.origin} stopped as it started")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the sandbox did not start on {self.origin}")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        for sock in self.sockets:
            sock.close()

    def prepare(self, setup: Setup) -> dict[str, str]:
        """Send the setup requests; return the credentials the snippet runs with."""
        credentials = {
            "EXOTEL_API_KEY": DEMO_API_KEY,
            "EXOTEL_API_TOKEN": DEMO_API_TOKEN,
            "EXOTEL_ACCOUNT_SID": DEMO_ACCOUNT_SID,
        }
        with httpx.Client(base_url=self.origin, timeout=10.0) as client:
            for step in setup.steps:
                if "admin" in step:
                    url = f"/_sandbox/admin/{step['admin']}"
                    auth = None
                else:
                    url = f"/v1/Accounts/{DEMO_ACCOUNT_SID}/{step['post']}"
                    auth = (DEMO_API_KEY, DEMO_API_TOKEN)
                response = client.post(url, data=step.get("form", {}), auth=auth)
                response.raise_for_status()
            if setup.key:
                created = client.post("/_sandbox/admin/keys", data=setup.key)
                created.raise_for_status()
                body = created.json()
                credentials |= {"EXOTEL_API_KEY": body["key"], "EXOTEL_API_TOKEN": body["token"]}
        return credentials


@dataclass(frozen=True)
class Run:
    snippet: Snippet
    stdout: str
    stderr: str
    returncode: int


def run(
    snippet: Snippet, setups: dict[str, Setup] | None = None, server: SharedSandbox | None = None
) -> Run:
    """Run one snippet against a fresh sandbox on ``server`` (on a server of its own if None)."""
    if server is None:
        with SharedSandbox() as own:
            return run(snippet, setups, own)
    setup = (setups if setups is not None else load_setups()).get(snippet.key, Setup())
    server.reset(setup.sandbox_flags)
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXOTEL_")}
    env |= server.prepare(setup)
    env["EXOTEL_BASE_URL"] = server.origin
    env["NODE_NO_WARNINGS"] = "1"  # Node 18 calls fetch experimental, on stderr
    done = subprocess.run(
        [*snippet.language.command, snippet.path.name],
        cwd=snippet.path.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    return Run(snippet, done.stdout, done.stderr, done.returncode)


def normalise(text: str) -> list[str]:
    """Lines without trailing spaces; blank lines dropped, so a JSON body that gains or loses a
    final newline (curl prints exactly what the server sent) compares equal."""
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def difference(snippet: Snippet, printed: str) -> str:
    """A unified diff of the committed output against ``printed``; empty if they agree."""
    expected = snippet.expected_path.read_text() if snippet.expected_path.exists() else ""
    return "\n".join(
        difflib.unified_diff(
            normalise(expected),
            normalise(printed),
            fromfile=f"{snippet.id}.out (committed)",
            tofile=f"{snippet.id} (printed now)",
            lineterm="",
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.book.snippets",
        description="Run the book's snippets against the loopback sandbox.",
    )
    parser.add_argument("action", choices=["check", "record"])
    parser.add_argument("paths", nargs="*", type=Path, help="snippet files (default: all)")
    args = parser.parse_args(argv)
    snippets = [Snippet(p.resolve()) for p in args.paths] or all_snippets()
    for snippet in snippets:
        if snippet.path.suffix not in LANGUAGES or not snippet.path.is_file():
            print(f"error: {snippet.path} is not a snippet ({', '.join(LANGUAGES)})")
            return 2
    setups, failed = load_setups(), 0
    with SharedSandbox() as server:
        for snippet in snippets:
            failed += check_or_record(snippet, setups, server, record=args.action == "record")
    return 1 if failed else 0


def check_or_record(
    snippet: Snippet, setups: dict[str, Setup], server: SharedSandbox, *, record: bool
) -> int:
    """Run one snippet for the command line; 1 if it failed or printed something else."""
    if reason := snippet.missing_tool():
        print(f"skipped {snippet.id}: {reason}")
        return 0
    done = run(snippet, setups, server)
    if done.returncode != 0:
        print(f"FAILED {snippet.id} (exit {done.returncode}):\n{done.stderr}")
        return 1
    if record:
        # Without trailing spaces (fold -s leaves them), as the whitespace hook would commit it.
        snippet.expected_path.write_text(
            "".join(line.rstrip() + "\n" for line in done.stdout.splitlines())
        )
        print(f"recorded {snippet.id}")
    elif diff := difference(snippet, done.stdout):
        print(diff)
        return 1
    else:
        print(f"ok {snippet.id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
