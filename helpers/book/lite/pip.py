"""pip, run for the lab: always against PyPI, whatever this machine's pip configuration adds, so
the hashes in ``lite/lock.json`` are PyPI's and hold on every machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ..errors import LiteError

INDEX = "https://pypi.org/simple"
#: pip's settings kept from the environment (how to reach PyPI); its configuration files and
#: every other setting (local mirrors, extra indexes, machine-wide constraints) are left out.
KEPT = (
    "PIP_CERT",
    "PIP_CLIENT_CERT",
    "PIP_PROXY",
    "PIP_TRUSTED_HOST",
    "PIP_DEFAULT_TIMEOUT",
    "PIP_CACHE_DIR",
    "PIP_RETRIES",
)
#: Wheels that any Python 3.14 can load: pure Python.
PURE = [
    "--only-binary",
    ":all:",
    "--python-version",
    "3.14",
    "--implementation",
    "py",
    "--abi",
    "none",
    "--platform",
    "any",
]


def pip(*args: str, env: dict[str, str] | None = None) -> None:
    command = [sys.executable, "-m", "pip", *args[:1], "--index-url", INDEX, "--quiet", *args[1:]]
    done = subprocess.run(
        command,
        env={**_environment(), **(env or {})},
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise LiteError(
            f"pip {args[0]} failed (it needs PyPI the first time; later builds use the cache):\n"
            + (done.stderr or done.stdout)[-3000:]
        )


def build_sdist_wheel(sdist: Path, folder: Path, env: dict[str, str]) -> Path:
    """The wheel ``sdist`` builds with ``env`` (PyYAML without libyaml: pure Python)."""
    folder.mkdir(parents=True, exist_ok=True)
    before = set(folder.glob("*.whl"))
    pip("wheel", "--no-deps", str(sdist), "-w", str(folder), env=env)
    (wheel,) = set(folder.glob("*.whl")) - before or sorted(folder.glob("*.whl"))[-1:]
    if not wheel.name.endswith("-py3-none-any.whl"):
        raise LiteError(f"{sdist.name} built {wheel.name}, which Pyodide cannot load (not pure)")
    return wheel


def _environment() -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") or k in KEPT}
    return {**kept, "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
