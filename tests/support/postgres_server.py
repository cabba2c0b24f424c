"""A throwaway PostgreSQL server in a temporary folder, from Debian's packages.

``make test`` installs them (``apt-get install postgresql``) when it may; otherwise the tests that
need PostgreSQL skip and say why. The server listens on a free loopback port, trusts local
connections (it holds nothing but test data), and is stopped and deleted at the end. As root it
runs as the ``postgres`` user the package creates: PostgreSQL refuses to run as root.

Used by tests/receiver/conftest.py and benchmarks/webhooks.py.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .ports import free_port

USER = "handbook"
INSTALL = "install Debian's postgresql package (make test does, with apt-get, as root)"


class Unavailable(Exception):
    """Why no throwaway server can be started here."""


def binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise Unavailable(f"PostgreSQL's initdb is not installed: {INSTALL}")


def _version(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


def _run_as() -> str | None:
    """The unprivileged user to run the server as, when this process is root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise Unavailable(
            "running as root, and there is no unprivileged 'postgres' user to run PostgreSQL as: "
            f"{INSTALL}, which creates it"
        ) from None
    return "postgres"


@dataclass
class PostgresServer:
    folder: Path
    bin: Path
    port: int
    user: str | None

    @classmethod
    def start(cls, *, fsync: bool = True) -> PostgresServer:
        """Initialise and start a server, or raise :class:`Unavailable` saying why not."""
        bin_ = binaries()
        user = _run_as()
        folder = Path(tempfile.mkdtemp(prefix="handbook-pg-"))
        if user:
            shutil.chown(folder, user)
        server = cls(folder, bin_, free_port(), user)
        try:
            server._run(
                "initdb", "-D", str(folder / "data"), "-U", USER, "-A", "trust", "-E", "UTF8",
                "--no-sync", "--no-instructions",
            )  # fmt: skip
            options = (
                f"-c listen_addresses=127.0.0.1 -p {server.port} "
                f"-c unix_socket_directories={folder} -c fsync={'on' if fsync else 'off'}"
            )
            server._run(
                "pg_ctl", "-D", str(folder / "data"), "-l", str(folder / "server.log"), "-w",
                "-t", "30", "-o", options, "start",
            )  # fmt: skip
        except BaseException:
            server.stop()
            raise
        atexit.register(server.stop)  # also when a run ends early (Ctrl-C, a failed fixture)
        return server

    def _run(self, tool: str, *args: str) -> None:
        result = subprocess.run(
            [str(self.bin / tool), *args],
            user=self.user,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if result.returncode != 0:
            log = self.folder / "server.log"
            detail = (result.stderr or result.stdout).strip()
            if log.exists():
                detail += "\n" + log.read_text()[-2000:]
            raise Unavailable(f"{tool} failed: {detail}")

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"

    def schema_url(self, schema: str) -> str:
        """A URL whose tables live in ``schema`` (created here): one fresh store per test."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as db:
            db.execute(f'CREATE SCHEMA "{schema}"')
        return f"{self.url}?options=-csearch_path%3D{schema}"

    def restart(self) -> None:
        """Stop the server (fast: its connections are ended) and start it again, same options."""
        data, log = str(self.folder / "data"), str(self.folder / "server.log")
        self._run("pg_ctl", "-D", data, "-l", log, "-m", "fast", "-w", "-t", "60", "restart")

    def processes(self) -> list[int]:
        """The postmaster and every process it started (its backends and helpers)."""
        postmaster = int((self.folder / "data" / "postmaster.pid").read_text().split()[0])
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # ended meanwhile
            if int(fields[1]) == postmaster:
                children.append(int(stat.parent.name))
        return [postmaster, *children]

    def stop(self) -> None:
        if (self.folder / "data" / "postmaster.pid").exists():
            subprocess.run(
                [str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate",
                 "-w", "stop"],
                user=self.user, cwd=self.folder, capture_output=True, timeout=60,
            )  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)
