"""``python -m helpers.book.lite fetch``: put what ``lite/lock.json`` names into the cache, once.

Each file is checked against the lock's hash, whether just downloaded or found in the cache; a
file that does not match is an error naming it, never used. With everything cached this needs
no network, no pip and no npm.
"""

from __future__ import annotations

import json
import shutil
import tarfile
import tempfile
from pathlib import Path

from ..errors import LiteError
from . import LOCK, cache_dir
from .pip import PURE, build_sdist_wheel, pip
from .pyodide import RUNTIME_FILES, kernel_wheels, pack_pyodide
from .wheels import sha256


def read_lock(path: Path = LOCK) -> dict:
    if not path.exists():
        raise LiteError(f"{path} is missing: python -m helpers.book.lite lock writes it")
    return json.loads(path.read_text())


def fetch(lock: dict | None = None, cache: Path | None = None) -> tuple[Path, list[Path]]:
    """Pyodide's runtime folder and every wheel, from the cache (downloaded there when missing)."""
    lock = read_lock() if lock is None else lock
    cache = cache_dir() if cache is None else cache
    files = cache / "files"
    files.mkdir(parents=True, exist_ok=True)
    wheels, missing = [], []
    for name, package in lock["packages"].items():
        if "wheel" in package:
            path = files / package["wheel"]
            if not _verified(path, package["sha256"]):
                missing.append(f"{name}=={package['version']}")
            wheels.append(path)
        elif "labextension" in package:
            wheels.append(_kernel_wheel(package, files))
        else:
            wheels.append(_sdist_wheel(name, package, cache))
    if missing:
        with tempfile.TemporaryDirectory(prefix="lite-fetch-", dir=cache) as tmp:
            pip("download", "--no-deps", *PURE, *missing, "-d", tmp)
            for path in Path(tmp).iterdir():
                shutil.move(path, files / path.name)
    for package in lock["packages"].values():
        if "wheel" in package and not _verified(files / package["wheel"], package["sha256"]):
            raise LiteError(
                f"{package['wheel']} from PyPI does not match lite/lock.json's hash: "
                "python -m helpers.book.lite lock, if the change is expected"
            )
    return _pyodide(lock["pyodide"], cache), wheels


def _verified(path: Path, digest: str) -> bool:
    return path.exists() and sha256(path) == digest


def _kernel_wheel(package: dict, files: Path) -> Path:
    for wheel in kernel_wheels():
        if wheel.name == package["labextension"] and sha256(wheel) == package["sha256"]:
            return wheel
    raise LiteError(
        f"the installed jupyterlite-pyodide-kernel has no {package['labextension']} matching "
        "lite/lock.json: `make setup` installs the locked version (or lock again)"
    )


def _sdist_wheel(name: str, package: dict, cache: Path) -> Path:
    """The pure wheel built from the locked sdist, built once per sdist hash."""
    built = cache / "built" / package["sdist_sha256"]
    wheels = sorted(built.glob("*.whl"))
    if wheels:
        return wheels[0]
    sdist = cache / "files" / package["sdist"]
    if not _verified(sdist, package["sdist_sha256"]):
        with tempfile.TemporaryDirectory(prefix="lite-fetch-", dir=cache) as tmp:
            pip("download", "--no-deps", "--no-binary", ":all:", f"{name}=={package['version']}",
                "-d", tmp)  # fmt: skip
            shutil.move(Path(tmp) / package["sdist"], sdist)
        if not _verified(sdist, package["sdist_sha256"]):
            raise LiteError(f"{package['sdist']} does not match lite/lock.json's hash")
    return build_sdist_wheel(sdist, built, package["build_env"])


def _pyodide(locked: dict, cache: Path) -> Path:
    """Pyodide's runtime files, unpacked from the npm tarball the lock names."""
    folder = cache / f"pyodide-{locked['version']}"
    if all((folder / name).exists() for name in [*RUNTIME_FILES, "pyodide-lock.json"]):
        return folder
    tgz = cache / "files" / f"pyodide-{locked['version']}.tgz"
    if not _verified(tgz, locked["sha256"]):
        pack_pyodide(tgz.parent)
        if not _verified(tgz, locked["sha256"]):
            raise LiteError(f"{tgz.name} from npm does not match lite/lock.json's hash")
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    with tarfile.open(tgz) as archive:
        for member in archive.getmembers():
            name = member.name.removeprefix("package/")
            if name in [*RUNTIME_FILES, "pyodide-lock.json"]:
                member.name = name
                archive.extract(member, partial, filter="data")
    partial.rename(folder)
    return folder


def missing(lock: dict | None = None, cache: Path | None = None) -> list[str]:
    """What ``fetch`` would have to download (empty once the cache holds everything)."""
    lock = read_lock() if lock is None else lock
    cache = cache_dir() if cache is None else cache
    absent = []
    for package in lock["packages"].values():
        if "wheel" in package and not _verified(
            cache / "files" / package["wheel"], package["sha256"]
        ):
            absent.append(package["wheel"])
        if "sdist" in package and not any(
            (cache / "built" / package["sdist_sha256"]).glob("*.whl")
        ):
            absent.append(package["sdist"])
    if not (cache / f"pyodide-{lock['pyodide']['version']}" / RUNTIME_FILES[0]).exists():
        absent.append(f"pyodide-{lock['pyodide']['version']}.tgz")
    return absent
