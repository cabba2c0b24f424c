"""The three wings of ``helpers``: the library never leans on the servers or the book's machinery.

The model is httpx's ``tests/test_exported_members.py``: the public surface is guarded by a test.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import helpers

PACKAGE = Path(helpers.__file__).parent
LIBRARY = (
    "credentials",
    "regions",
    "client",
    "endpoints",
    "errors",
    "retry",
    "pacing",
    "rotation",
    "clock",
    "networks",
)
OTHER_WINGS = ("helpers.sandbox", "helpers.webhooks", "helpers.book")
HEAVY = ("vcr", "yaml", "starlette", "uvicorn", "nbformat", "nbclient", "matplotlib")


def modules_after(statement: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``statement``."""
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


def loaded_from(modules: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in prefixes or m.startswith(OTHER_WINGS))


def imported_names(path: Path) -> set[str]:
    """Every module a file imports, relative imports resolved against the helpers package."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "helpers." * (node.level > 0) + (node.module or "")
            names.add(base if node.level else node.module or "")
            if node.level and not node.module:
                names.update(f"helpers.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("name", LIBRARY)
def test_a_library_module_imports_nothing_from_the_servers_or_the_book(name):
    imports = imported_names(PACKAGE / f"{name}.py")
    assert not [m for m in imports if m.startswith(OTHER_WINGS)], (
        f"helpers/{name}.py is library code a reader copies: move what it needs from "
        f"{OTHER_WINGS} into the library, or keep it out of {name}.py"
    )


def test_importing_the_client_loads_no_recorder_yaml_or_server():
    modules = modules_after("import helpers.client, helpers.retry, helpers.rotation")
    assert loaded_from(modules, HEAVY) == []


def test_starting_the_receiver_loads_no_recorder_yaml_or_sandbox():
    modules = modules_after("import helpers.webhooks.__main__")
    assert sorted(m for m in modules if m.split(".")[0] in ("vcr", "yaml", "nbformat")) == []
    assert sorted(m for m in modules if m.startswith(("helpers.sandbox", "helpers.book"))) == []


def test_import_helpers_alone_loads_only_the_package():
    modules = modules_after("import helpers")
    assert sorted(m for m in modules if m.startswith("helpers")) == ["helpers"]


@pytest.mark.parametrize("name", helpers.__all__)
def test_every_public_name_resolves_to_the_object_in_its_module(name):
    value = getattr(helpers, name)
    assert value is not None
    if hasattr(value, "__module__") and isinstance(value, type):
        assert value.__module__.startswith("helpers.")


def test_an_unknown_name_is_an_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        helpers.Nope  # noqa: B018


def test_every_exception_the_helpers_raise_is_in_one_tree():
    from helpers import errors

    classes = [
        value
        for module in (errors,)
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Exception)
    ]
    assert all(issubclass(cls, errors.ExotelError) for cls in classes)
    documented = errors.__doc__
    assert all(cls.__name__ in documented for cls in classes), "the tree in errors.py lists each"
    raised_elsewhere = [
        path.relative_to(PACKAGE)
        for path in PACKAGE.rglob("*.py")
        if path.name != "errors.py"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef)
        and any(getattr(base, "id", "") in ("Exception", "ValueError") for base in node.bases)
    ]
    assert raised_elsewhere == [], "define exceptions in helpers/errors.py, under ExotelError"


def test_nbformat_loads_no_iri_parser():
    """Every book build, notebook run and JupyterLab imports nbformat, and with it jsonschema's
    format checkers. From jsonschema 4.25 those pull in rfc3987-syntax, which compiles ~30 Earley
    parsers on import (2 s a process); constraints.txt holds jsonschema at 4.24.1 to keep it out."""
    loaded = modules_after("import nbformat")
    assert not {"rfc3987_syntax", "lark"} & loaded, (
        "nbformat now loads rfc3987_syntax: a 2 s import in every process that reads a notebook."
        " Keep jsonschema at 4.24.1 in constraints.txt and uninstall rfc3987-syntax"
    )
