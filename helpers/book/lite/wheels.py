"""What a wheel says about itself: its name, version, dependencies in Pyodide, top-level imports."""

from __future__ import annotations

import hashlib
import re
import zipfile
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

#: Pyodide 314's interpreter, as environment markers see it.
PYODIDE_MARKERS = {
    "implementation_name": "cpython",
    "implementation_version": "3.14.2",
    "os_name": "posix",
    "platform_machine": "wasm32",
    "platform_python_implementation": "CPython",
    "platform_release": "",
    "platform_system": "Emscripten",
    "platform_version": "",
    "python_full_version": "3.14.2",
    "python_version": "3.14",
    "sys_platform": "emscripten",
    "extra": "",
}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def metadata(wheel: Path) -> dict:
    """Name, version, what it requires (as written) and its top-level imports."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(archive.read(f"{dist_info}/METADATA").decode())
    return {
        "name": canonicalize_name(meta["Name"]),
        "version": meta["Version"],
        "requires": meta.get_all("Requires-Dist") or [],
        "imports": _imports(names),
    }


def needed_in_pyodide(requires: list[str], extras: set[str] = frozenset()) -> list[Requirement]:
    """The requirements that apply in Pyodide, with ``extras`` asked for."""
    needed = []
    for line in requires:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is None or any(
            marker.evaluate({**PYODIDE_MARKERS, "extra": extra}) for extra in {"", *extras}
        ):
            needed.append(requirement)
    return needed


def _imports(names: list[str]) -> list[str]:
    tops = set()
    for name in names:
        top = name.split("/")[0]
        if top.endswith((".dist-info", ".data")) or top.startswith("_"):
            continue
        if "/" in name or name.endswith(".py"):
            tops.add(re.sub(r"\.py$", "", top))
    return sorted(tops)
