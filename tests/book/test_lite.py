"""The in-browser lab's build machinery (helpers/book/lite/), without a browser or the network:
the lock file, the wheel of the project, Pyodide's markers, the checks on a built lab."""

from __future__ import annotations

import json
import zipfile

import pytest

from helpers.book.errors import LiteError
from helpers.book.lite import CACHE_VAR, LOCK, cache_dir
from helpers.book.lite.build import PLUGIN, check_config, project_wheel
from helpers.book.lite.fetch import missing, read_lock
from helpers.book.lite.lock import pins
from helpers.book.lite.wheels import needed_in_pyodide
from tests.support.book_paths import ROOT

LOCKED = read_lock()


def test_the_lock_holds_every_package_its_packages_depend_on():
    names = set(LOCKED["packages"])
    assert set(LOCKED["roots"]) <= names
    for name, package in LOCKED["packages"].items():
        assert set(package["depends"]) <= names, name


def test_every_locked_package_is_pure_python_with_a_hash():
    for name, package in LOCKED["packages"].items():
        wheel = package.get("wheel") or package.get("labextension")
        if wheel:
            assert wheel.endswith("-none-any.whl"), name
            assert len(package["sha256"]) == 64, name
        else:
            assert package["sdist"].endswith(".tar.gz"), name
            assert package["build_env"], name


def test_the_browser_gets_the_versions_the_desktop_kernels_run():
    """Except the kernel's own wheels: its ipykernel is a shim of the same name."""
    pinned = pins(ROOT / "constraints.txt")
    for name, package in LOCKED["packages"].items():
        if name in pinned and "labextension" not in package:
            assert package["version"] == pinned[name], name


def test_pyodide_markers_leave_out_what_only_a_desktop_needs():
    needed = needed_in_pyodide(
        [
            'pexpect>4.6; sys_platform != "win32" and sys_platform != "emscripten"',
            "jedi>=0.18.2",
            'typing_extensions>=4.6; python_version < "3.12"',
            'pytest; extra == "test"',
        ]
    )
    assert [r.name for r in needed] == ["jedi"]
    assert [r.name for r in needed_in_pyodide(['pytest; extra == "test"'], {"test"})] == ["pytest"]


def test_the_project_wheel_puts_cassettes_beside_helpers_as_the_repository_does(tmp_path):
    with zipfile.ZipFile(project_wheel(tmp_path)) as wheel:
        names = wheel.namelist()
    assert "helpers/book/chapter.py" in names
    assert "cassettes/intro.json" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert any(n.endswith(".dist-info/METADATA") for n in names)


def built_config(tmp_path, **settings):
    kernel = {"pyodideUrl": "./static/pyodide/pyodide.mjs", "disablePyPIFallback": True}
    config = {
        "jupyter-config-data": {
            "exposeAppInBrowser": True,
            "federated_extensions": [{"name": "@jupyterlite/pyodide-kernel-extension"}],
            "litePluginSettings": {PLUGIN: {**kernel, **settings}},
        }
    }
    (tmp_path / "jupyter-lite.json").write_text(json.dumps(config))
    return tmp_path


def test_a_built_lab_with_its_own_pyodide_passes_the_check(tmp_path):
    check_config(built_config(tmp_path))


def test_a_lab_that_lost_its_pyodide_url_is_refused(tmp_path):
    with pytest.raises(LiteError, match="pyodideUrl"):
        check_config(built_config(tmp_path, pyodideUrl=None))


def test_a_lab_that_may_fall_back_to_pypi_is_refused(tmp_path):
    with pytest.raises(LiteError, match="disablePyPIFallback"):
        check_config(built_config(tmp_path, disablePyPIFallback=False))


def test_an_empty_cache_lists_every_download(tmp_path):
    absent = missing(LOCKED, tmp_path)
    assert (
        len(absent)
        == len(LOCKED["packages"])
        - sum("labextension" in p for p in LOCKED["packages"].values())
        + 1
    )
    assert f"pyodide-{LOCKED['pyodide']['version']}.tgz" in absent


def test_a_cached_file_that_does_not_match_its_hash_is_listed_as_missing(tmp_path):
    name, package = next((n, p) for n, p in LOCKED["packages"].items() if "wheel" in p)
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / package["wheel"]).write_bytes(b"not the wheel")
    assert package["wheel"] in missing(LOCKED, tmp_path)


def test_the_cache_is_where_the_environment_says(tmp_path):
    assert cache_dir({CACHE_VAR: str(tmp_path)}) == tmp_path
    assert cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "exotel-handbook" / "lite"


def test_a_missing_lock_file_says_how_to_write_it(tmp_path):
    with pytest.raises(LiteError, match="helpers.book.lite lock"):
        read_lock(tmp_path / "lock.json")
    assert LOCK.exists()
