"""The three wings of ``helpers`` and the arrows between them, every direction checked.

The library a reader copies imports nothing from the servers or the book's machinery; the servers
import nothing from the book, nor from each other, and share one module, ``helpers.serving``;
``helpers`` exports the library and nothing
else (pinned, as httpx's ``tests/test_exported_members.py`` pins its own); each wing's exceptions
derive from the library's ``ExotelError`` and are drawn in the tree of its ``errors.py``.
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import helpers
from helpers.errors import ExotelError

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
#: Outside the library: what the servers' and the workshop's command lines share.
SHARED = ("command_line",)
#: Outside the library: serving on uvicorn (header deadline, connection cap), which both servers
#: use. The one arrow from a server to a module that is neither the library nor its own wing.
SERVERS_SHARE = "helpers.serving"
SANDBOX, RECEIVER, BOOK = "helpers.sandbox", "helpers.webhooks", "helpers.book"
OUTSIDE_LIBRARY = tuple(f"helpers.{name}" for name in SHARED) + (SERVERS_SHARE,)
#: What each part of the package must not import.
FORBIDDEN = {
    **{f"helpers.{name}": (SANDBOX, RECEIVER, BOOK) + OUTSIDE_LIBRARY for name in LIBRARY},
    **{name: (SANDBOX, RECEIVER, BOOK) for name in OUTSIDE_LIBRARY},
    SANDBOX: (RECEIVER, BOOK),
    RECEIVER: (SANDBOX, BOOK),
}
#: The wings that keep exceptions of their own, each in its errors.py.
WINGS_WITH_ERRORS = ("helpers", SANDBOX, RECEIVER, BOOK)
HEAVY = ("vcr", "yaml", "starlette", "uvicorn", "nbformat", "nbclient", "matplotlib")

EXPORTED = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "Credentials",
    "ENDPOINT_LIMITS",
    "EndpointPacer",
    "ExotelClient",
    "ExotelError",
    "InsecureTransportError",
    "MUMBAI",
    "MissingCredentialsError",
    "NetworkError",
    "NotFoundError",
    "Pacer",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "REGIONS",
    "RateLimitError",
    "RegenerateRule",
    "Region",
    "RetriesExhaustedError",
    "RetryEvent",
    "RetryPolicy",
    "RotationError",
    "SINGAPORE",
    "SecretFileError",
    "ServerError",
    "UnknownRegionError",
    "endpoint_category",
    "get_region",
    "loopback",
    "mask",
    "parse_retry_after",
    "tls_context",
]


def modules_after(statement: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``statement``."""
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path) -> set[str]:
    """Every module a file imports, relative imports resolved."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module or "")
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1] + [node.module or ""])
            names.add(base.rstrip("."))
            names.update(f"{base.rstrip('.')}.{alias.name}" for alias in node.names)
    return names


def files_of(part: str) -> list[Path]:
    """The source files of a module, or of every module of a package."""
    path = PACKAGE.parent / part.replace(".", "/")
    return sorted(path.rglob("*.py")) if path.is_dir() else [path.with_suffix(".py")]


def within(name: str, parts: tuple[str, ...]) -> bool:
    return any(name == part or name.startswith(part + ".") for part in parts)


@pytest.mark.parametrize("part", FORBIDDEN)
def test_no_arrow_points_the_wrong_way(part):
    wrong = {
        f"{path.relative_to(PACKAGE.parent)} imports {name}"
        for path in files_of(part)
        for name in imported_names(path)
        if within(name, FORBIDDEN[part])
    }
    assert sorted(wrong) == [], (
        f"{part} must not import from {', '.join(FORBIDDEN[part])}: arrows run from the book to "
        "the servers and the library, and from the servers to the library"
    )


@pytest.mark.parametrize("server", [SANDBOX, RECEIVER])
def test_a_server_reaches_outside_the_library_only_for_what_the_servers_share(server):
    """Besides its own wing and the library, a server imports ``helpers.serving`` (and it does)
    and the command-line types; nothing else."""
    library = tuple(f"helpers.{name}" for name in LIBRARY)
    outside = {
        name
        for path in files_of(server)
        for name in imported_names(path)
        if name.startswith("helpers.") and not within(name, (server, *library))
    }
    assert sorted(name for name in outside if not within(name, OUTSIDE_LIBRARY)) == []
    assert SERVERS_SHARE in outside


def test_the_arrow_check_sees_relative_imports():
    """The check above would pass vacuously if it could not resolve ``from ..x import y``."""
    names = imported_names(PACKAGE / "sandbox" / "dashboard.py")
    assert {"helpers.clock", "helpers.sandbox.errors"} <= names


def test_helpers_exports_the_library_and_nothing_else():
    assert helpers.__all__ == EXPORTED


@pytest.mark.parametrize("name", EXPORTED)
def test_every_exported_name_comes_from_the_library(name):
    value = getattr(helpers, name)
    module = getattr(value, "__module__", None)
    if isinstance(value, type) or callable(value):
        assert module in {f"helpers.{m}" for m in LIBRARY}, f"{name} is from {module}"


def test_an_unknown_name_is_an_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        helpers.Nope  # noqa: B018


def test_the_books_first_import_is_helpers_book():
    from helpers.book import Chapter, Mode, response_source

    assert (Chapter.__module__, Mode.__module__) == (
        "helpers.book.chapter",
        "helpers.book.modes",
    )
    assert response_source.__module__ == "helpers.book.outcomes"


def exceptions_of(module) -> list[type[BaseException]]:
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, BaseException)
        and value.__module__ == module.__name__
    ]


@pytest.mark.parametrize("wing", WINGS_WITH_ERRORS)
def test_each_wings_exceptions_derive_from_exotel_error_and_are_in_its_tree(wing):
    errors = importlib.import_module(f"{wing}.errors")
    classes = exceptions_of(errors)
    assert classes, f"{wing}.errors defines no exception"
    assert [c.__name__ for c in classes if not issubclass(c, ExotelError)] == []
    drawn = {line.lstrip(" │├└─").split(" ")[0] for line in errors.__doc__.splitlines()}
    assert [c.__name__ for c in classes if c.__name__ not in drawn] == [], (
        f"the tree in {wing.replace('.', '/')}/errors.py draws each of its exceptions"
    )


def test_every_exception_is_defined_in_an_errors_module():
    elsewhere = [
        f"{path.relative_to(PACKAGE)}: {node.name}"
        for path in PACKAGE.rglob("*.py")
        if path.name != "errors.py"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef)
        and any(getattr(base, "id", "").endswith(("Exception", "Error")) for base in node.bases)
    ]
    assert elsewhere == [], "define exceptions in the wing's errors.py, under ExotelError"


def test_every_exception_is_named_for_an_error():
    names = [
        cls.__name__
        for wing in WINGS_WITH_ERRORS
        for cls in exceptions_of(importlib.import_module(f"{wing}.errors"))
    ]
    assert [name for name in names if not name.endswith("Error")] == []


def test_importing_the_client_loads_no_recorder_yaml_or_server():
    modules = modules_after("import helpers.client, helpers.retry, helpers.rotation")
    assert (
        sorted(
            m for m in modules if m.split(".")[0] in HEAVY or within(m, (SANDBOX, RECEIVER, BOOK))
        )
        == []
    )


def test_starting_the_receiver_loads_no_recorder_yaml_or_sandbox():
    modules = modules_after("import helpers.webhooks.__main__")
    assert sorted(m for m in modules if m.split(".")[0] in ("vcr", "yaml", "nbformat")) == []
    assert sorted(m for m in modules if within(m, (SANDBOX, BOOK))) == []


def test_import_helpers_alone_loads_only_the_package():
    modules = modules_after("import helpers")
    assert sorted(m for m in modules if m.startswith("helpers")) == ["helpers"]


def test_nbformat_loads_no_iri_parser():
    """Every book build, notebook run and JupyterLab imports nbformat, and with it jsonschema's
    format checkers. From jsonschema 4.25 those pull in rfc3987-syntax, which compiles ~30 Earley
    parsers on import; constraints.txt holds jsonschema at 4.24.1 to keep it out."""
    loaded = modules_after("import nbformat")
    assert not {"rfc3987_syntax", "lark"} & loaded, (
        "nbformat now loads rfc3987_syntax, a slow import in every process that reads a notebook."
        " Keep jsonschema at 4.24.1 in constraints.txt and uninstall rfc3987-syntax"
    )


def test_no_module_is_over_400_lines():
    """A module past 400 lines holds more than one job: split it by job, as multipart.py and
    postgres_connections.py were split from the receiver's payloads and store."""
    lines = {
        str(path.relative_to(PACKAGE)): len(path.read_text().splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    assert {path: n for path, n in lines.items() if n > 400} == {}
