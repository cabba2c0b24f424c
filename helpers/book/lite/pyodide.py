"""Pyodide from npm (the version the kernel expects) and the kernel's own wheels."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION

from ..errors import LiteError

__all__ = ["PYODIDE_VERSION", "kernel_wheels", "pack_pyodide", "RUNTIME_FILES"]

#: What the lab serves from the npm package: the loader, the interpreter and its standard library.
RUNTIME_FILES = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip"]
KERNEL_EXTENSION = "@jupyterlite/pyodide-kernel-extension"


def pack_pyodide(folder: Path) -> Path:
    """``npm pack pyodide@<version>`` into ``folder``: the tarball, as the registry has it."""
    npm = shutil.which("npm")
    if npm is None:
        raise LiteError(
            "npm is needed once, to fetch Pyodide for the in-browser lab: `make node-tools` "
            "installs it (later builds use the cache and need neither npm nor the network)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [npm, "pack", f"pyodide@{PYODIDE_VERSION}", "--pack-destination", str(folder), "--silent"],
        capture_output=True,
        text=True,
        cwd=folder,
    )
    tgz = folder / f"pyodide-{PYODIDE_VERSION}.tgz"
    if done.returncode or not tgz.exists():
        raise LiteError(f"npm pack pyodide@{PYODIDE_VERSION} failed:\n{done.stderr[-2000:]}")
    return tgz


def kernel_wheels() -> list[Path]:
    """piplite, pyodide-kernel and the ipykernel shim, as the installed labextension ships them."""
    pypi = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / KERNEL_EXTENSION
    wheels = sorted((pypi / "static" / "pypi").glob("*.whl"))
    wanted = [w for w in wheels if not w.name.startswith("widgetsnbextension")]
    if not wanted:
        raise LiteError(f"no kernel wheels in {pypi}: is jupyterlite-pyodide-kernel installed?")
    return wanted
