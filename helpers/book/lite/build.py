"""``python -m helpers.book.lite build``: the lab, from the cache, into ``_build/html/lite``.

The lab is built from clean in a staging folder (an incremental ``jupyter lite build`` once
dropped the kernel's ``pyodideUrl``), then kept in the cache under the hash of everything it is
made of, so an unchanged book copies it instead of building it again. Pyodide's own lock file is
replaced by one listing only the wheels served beside it, with hashes and dependencies read from
those wheels, and the kernel preloads them all: nothing is looked up elsewhere.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from packaging.utils import canonicalize_name

from ..errors import LiteError
from ..paths import BOOK, CASSETTES, ROOT
from . import LITE, LOCK, cache_dir
from .fetch import fetch, read_lock
from .lock import project_requirements
from .pyodide import KERNEL_EXTENSION, RUNTIME_FILES
from .wheels import metadata, sha256

#: The wheel the lab installs the project from: ``helpers`` and, beside it as in the repository
#: (``helpers/book/paths.py`` finds them there), ``cassettes``.
PROJECT = "exotel-handbook"
PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
KERNELSPEC = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
#: What the lab leaves out of a wheel: jedi's stubs of third-party packages (2.6 of its 4.9 MB),
#: none of which the lab ships; completion keeps the standard library's.
SLIM = {"jedi": ("jedi/third_party/typeshed/stubs/", "jedi/third_party/django-stubs/")}
#: Finished labs kept in the cache (the newest first).
KEEP = 3


def inputs() -> list[Path]:
    """Every file the lab is made of, in a stable order."""
    files = [LOCK, LITE / "jupyter-lite.json", ROOT / "pyproject.toml"]
    files += sorted(BOOK.glob("*.ipynb"))
    files += sorted(
        p for p in (ROOT / "helpers").rglob("*") if p.is_file() and "__pycache__" not in p.parts
    )
    files += sorted(p for p in CASSETTES.rglob("*") if p.is_file())
    return files


def input_hash() -> str:
    digest = hashlib.sha256()
    for name in ("jupyterlite-core", "jupyterlite-pyodide-kernel"):
        digest.update(f"{name}=={importlib.metadata.version(name)}\n".encode())
    for path in inputs():
        digest.update(f"{path.relative_to(ROOT)}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_lab(out: Path, cache: Path | None = None) -> bool:
    """The lab in ``out``; True if an unchanged one came from the cache."""
    cache = cache_dir() if cache is None else cache
    labs = cache / "labs"
    labs.mkdir(parents=True, exist_ok=True)
    lab = labs / input_hash()
    # One build at a time per cache (test workers, two clones): the second waits, then copies.
    with (labs / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        cached = (lab / "jupyter-lite.json").exists()
        if not cached:
            _build(lab, read_lock(), cache)
        os.utime(lab)
        _prune(labs)
        _place(lab, out)
    return cached


def _build(lab: Path, lock: dict, cache: Path) -> None:
    pyodide, wheels = fetch(lock, cache)
    stage = lab.with_name(lab.name + ".partial")
    shutil.rmtree(stage, ignore_errors=True)
    served = stage / "static" / "pyodide"
    served.mkdir(parents=True)
    for name in RUNTIME_FILES:
        shutil.copy2(pyodide / name, served / name)
    for wheel in wheels:
        slim(wheel, served / wheel.name)
    project = project_wheel(served)
    (served / "pyodide-lock.json").write_text(
        json.dumps(pyodide_lock(pyodide, [*wheels, project], served), indent=1, sort_keys=True)
    )
    extension = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / KERNEL_EXTENSION
    # Only the kernel's labextension, not every one installed here (nbdime's, pygments').
    shutil.copytree(extension, stage / "labextensions" / KERNEL_EXTENSION)
    config = json.loads((LITE / "jupyter-lite.json").read_text())
    settings = config["jupyter-config-data"]["litePluginSettings"][PLUGIN]
    settings["loadPyodideOptions"]["packages"] = [*lock["roots"], PROJECT]
    (stage / "jupyter-lite.json").write_text(json.dumps(config, indent=1))
    files = stage / "files"
    files.mkdir()
    for notebook in sorted(BOOK.glob("*.ipynb")):
        (files / notebook.name).write_text(lab_notebook(notebook))
    output = stage / "_output"
    command = [sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", str(stage)]
    command += ["--contents", str(files), "--output-dir", str(output), "--apps", "lab"]
    command += ["--no-sourcemaps", "--ignore-sys-prefix", "--no-unused-shared-packages"]
    command += [f"--FederatedExtensionAddon.extra_labextensions_path={stage / 'labextensions'}"]
    done = subprocess.run(
        command,
        cwd=stage,
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"},
    )
    if done.returncode:
        raise LiteError(f"jupyter lite build failed:\n{(done.stdout + done.stderr)[-4000:]}")
    check_config(output)
    shutil.rmtree(lab, ignore_errors=True)
    output.rename(lab)
    shutil.rmtree(stage)


def lab_notebook(path: Path) -> str:
    """The chapter as the lab opens it: on the Pyodide kernel, outputs kept."""
    notebook = json.loads(path.read_text())
    notebook["metadata"]["kernelspec"] = KERNELSPEC
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def slim(wheel: Path, served: Path) -> None:
    """``wheel`` copied to ``served``, without what :data:`SLIM` leaves out of it (and out of
    its RECORD); Pyodide's lock then lists the served file's own hash."""
    dropped = next((v for k, v in SLIM.items() if wheel.name.startswith(f"{k}-")), ())
    if not dropped:
        shutil.copy2(wheel, served)
        return
    with (
        zipfile.ZipFile(wheel) as source,
        zipfile.ZipFile(served, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for item in source.infolist():
            if item.filename.startswith(dropped):
                continue
            data = source.read(item)
            if item.filename.endswith(".dist-info/RECORD"):
                lines = data.decode().splitlines(keepends=True)
                data = "".join(line for line in lines if not line.startswith(dropped)).encode()
            out.writestr(item, data)


def check_config(output: Path) -> None:
    """The built lab loads Pyodide from its own folder and never falls back to PyPI."""
    config = json.loads((output / "jupyter-lite.json").read_text())["jupyter-config-data"]
    settings = config["litePluginSettings"][PLUGIN]
    if settings.get("pyodideUrl") != "./static/pyodide/pyodide.mjs":
        raise LiteError(f"the built lab's pyodideUrl is {settings.get('pyodideUrl')!r}")
    if not any(e["name"] == KERNEL_EXTENSION for e in config.get("federated_extensions", [])):
        raise LiteError("the built lab has no Pyodide kernel (its labextension was not copied)")
    if not settings.get("disablePyPIFallback") or not config.get("exposeAppInBrowser"):
        raise LiteError("the built lab lost disablePyPIFallback or exposeAppInBrowser")


def pyodide_lock(pyodide: Path, wheels: list[Path], served: Path) -> dict:
    """Pyodide's lock, listing only ``wheels``, their hashes and dependencies read from them."""
    stock = json.loads((pyodide / "pyodide-lock.json").read_text())
    packages = {}
    for wheel in wheels:
        meta = metadata(served / wheel.name)
        packages[meta["name"]] = {
            "name": meta["name"],
            "version": meta["version"],
            "file_name": wheel.name,
            "install_dir": "site",
            "sha256": sha256(served / wheel.name),
            "package_type": "package",
            "imports": meta["imports"],
            "depends": [],
            "unvendored_tests": False,
        }
    lock = read_lock()
    for name, package in packages.items():
        package["depends"] = lock["packages"].get(name, {}).get("depends", [])
    packages[PROJECT]["depends"] = sorted(
        canonicalize_name(r.split(";")[0].split("[")[0].split("<")[0].split(">")[0].split("=")[0])
        for r in project_requirements()
    )
    return {"info": stock["info"], "packages": packages}


def project_wheel(folder: Path) -> Path:
    """``helpers`` (its data files too) and ``cassettes`` as a wheel Pyodide installs into
    site-packages."""
    version = importlib.metadata.version(PROJECT)
    dist = f"{PROJECT.replace('-', '_')}-{version}"
    wheel = folder / f"{dist}-py3-none-any.whl"
    files = [
        p for p in (ROOT / "helpers").rglob("*") if p.is_file() and "__pycache__" not in p.parts
    ]
    files += [p for p in CASSETTES.rglob("*") if p.is_file()]
    requires = "".join(f"Requires-Dist: {r}\n" for r in project_requirements())
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            archive.write(path, path.relative_to(ROOT).as_posix())
        archive.writestr(
            f"{dist}.dist-info/METADATA",
            f"Metadata-Version: 2.1\nName: {PROJECT}\nVersion: {version}\n{requires}",
        )
        archive.writestr(
            f"{dist}.dist-info/WHEEL",
            "Wheel-Version: 1.0\nGenerator: helpers.book.lite\nRoot-Is-Purelib: true\n"
            "Tag: py3-none-any\n",
        )
        archive.writestr(f"{dist}.dist-info/RECORD", "")
    return wheel


def _prune(labs: Path) -> None:
    finished = sorted(
        (p for p in labs.iterdir() if p.is_dir() and not p.name.endswith(".partial")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in finished[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)


def _place(lab: Path, out: Path) -> None:
    """``lab`` copied to ``out`` as hard links where the file system allows (no copy of 30 MB)."""
    shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(lab, out, copy_function=link)
