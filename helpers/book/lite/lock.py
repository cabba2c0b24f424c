"""``python -m helpers.book.lite lock``: resolve the browser's wheels and write ``lite/lock.json``.

The roots are what the Pyodide kernel loads at start and the project's own dependencies. Each is
resolved for Pyodide's Python (its markers: ``sys_platform == "emscripten"``, 3.14), one level
of dependencies at a time, from pure-Python wheels on PyPI, at the version ``constraints.txt``
gives the desktop kernels where it names one, so a chapter prints the same in both. pip's own
resolver is not used: it reads markers for the machine it runs on, and pulls in wheels Pyodide
has no use for (pexpect, psutil). PyYAML has no pure wheel: its sdist is locked and built
without libyaml.
"""

from __future__ import annotations

import json
import tempfile
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from ..errors import LiteError
from ..paths import ROOT
from . import LOCK
from .pip import PURE, build_sdist_wheel, pip
from .pyodide import PYODIDE_VERSION, kernel_wheels, pack_pyodide
from .wheels import metadata, needed_in_pyodide, sha256

#: What the kernel loads at start besides its own three wheels (ipykernel's shim, piplite,
#: pyodide-kernel), which come with the jupyterlite-pyodide-kernel labextension.
KERNEL_ROOTS = ["micropip", "comm", "ipython", "jedi"]
#: Built from their sdists, pure Python (the index has no wheel Pyodide can load).
FROM_SDIST = {"pyyaml": {"PYYAML_FORCE_LIBYAML": "0"}}


def project_requirements() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return list(project["dependencies"])


def pins(constraints: Path) -> dict[str, str]:
    found = {}
    for line in constraints.read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            found[canonicalize_name(name)] = version.split(";")[0].strip()
    return found


def lock(path: Path = LOCK, constraints: Path = ROOT / "constraints.txt") -> dict:
    """Resolve, download and hash every wheel; write and return the lock."""
    pinned = pins(constraints)
    packages: dict[str, dict] = {}
    wanted: dict[str, list[Requirement]] = {}
    with tempfile.TemporaryDirectory(prefix="lite-lock-") as tmp:
        tmp = Path(tmp)
        for wheel in kernel_wheels():
            meta = metadata(wheel)
            packages[meta["name"]] = {**meta, "labextension": wheel.name, "sha256": sha256(wheel)}
        level = [Requirement(r) for r in KERNEL_ROOTS + project_requirements()]
        level += [r for m in list(packages.values()) for r in needed_in_pyodide(m["requires"])]
        roots = sorted({canonicalize_name(r.name) for r in level} | set(packages))
        while level:
            new = {}
            for requirement in level:
                name = canonicalize_name(requirement.name)
                wanted.setdefault(name, []).append(requirement)
                if name not in packages and name not in new:
                    new[name] = requirement
            for name, requirement in new.items():
                packages[name] = _download(name, requirement, pinned.get(name), tmp)
            level = [
                r
                for name in new
                for r in needed_in_pyodide(packages[name]["requires"], _extras(wanted[name]))
            ]
        _check(wanted, packages)
        pyodide = {
            "npm": "pyodide",
            "version": PYODIDE_VERSION,
            "sha256": sha256(pack_pyodide(tmp / "npm")),
        }
    for name, meta in packages.items():
        meta["depends"] = sorted(
            {
                canonicalize_name(r.name)
                for r in needed_in_pyodide(meta.pop("requires"), _extras(wanted.get(name, [])))
            }
        )
    result = {
        "about": f"The in-browser lab's Python packages for Pyodide {PYODIDE_VERSION}; "
        "refresh with: python -m helpers.book.lite lock",
        "pyodide": pyodide,
        "roots": roots,
        "packages": dict(sorted(packages.items())),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    return result


def _extras(requirements: list[Requirement]) -> set[str]:
    return {extra for r in requirements for extra in r.extras}


def _download(name: str, requirement: Requirement, pin: str | None, tmp: Path) -> dict:
    spec = f"{name}=={pin}" if pin else f"{name}{requirement.specifier}"
    folder = tmp / name
    if name in FROM_SDIST:
        pip("download", "--no-deps", "--no-binary", ":all:", spec, "-d", str(folder))
        (sdist,) = folder.iterdir()
        wheel = build_sdist_wheel(sdist, tmp / "built", FROM_SDIST[name])
        return {
            **metadata(wheel),
            "sdist": sdist.name,
            "sdist_sha256": sha256(sdist),
            "build_env": FROM_SDIST[name],
        }
    pip("download", "--no-deps", *PURE, spec, "-d", str(folder))
    (wheel,) = folder.iterdir()
    return {**metadata(wheel), "wheel": wheel.name, "sha256": sha256(wheel)}


def _check(wanted: dict[str, list[Requirement]], packages: dict[str, dict]) -> None:
    """Every specifier any package asked for holds for the version chosen."""
    for name, requirements in wanted.items():
        version = packages[name]["version"]
        for requirement in requirements:
            if not requirement.specifier.contains(version, prereleases=True):
                raise LiteError(
                    f"{name} {version} was chosen, but {requirement} is asked for: pin a version "
                    "both accept in constraints.txt, then lock again"
                )
