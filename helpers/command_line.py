"""What the servers' and the workshop's command lines share (argparse types, and the guard every
``python -m helpers...`` runs first); not library code.

Its imports are those Python has loaded before any command starts: the guard is in place a few
milliseconds after a command starts, so a Ctrl-C while the command loads meets it.
"""

from __future__ import annotations

import importlib.util
import os
import sys

#: What every command needs installed: pyproject.toml's dependencies, by import name (a test
#: checks each is one of them).
REQUIRED_MODULES = ("httpx", "starlette", "uvicorn", "yaml", "certifi")
#: Where ``make setup`` installs them.
VENV_PYTHON = os.path.join(os.path.dirname(os.path.dirname(__file__)), ".venv", "bin", "python")


def port_number(text: str) -> int:
    """A TCP port from 1 to 65535: the ``type`` of every command line's ``--port`` option.

    Raises ``argparse.ArgumentTypeError``, so argparse prints the sentence and exits 2.

    >>> port_number("4010")
    4010
    """
    import argparse

    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give a number from 1 to 65535")
    return port


def guard_command(argv: list[str] | None = None) -> None:
    """Run by ``helpers/__init__.py`` when Python starts ``python -m helpers.<command>``, before
    the command's imports: a Ctrl-C while the command loads is one line, not a traceback, and a
    Python without the handbook's packages is told which one to use (exit 2)."""
    argv = list(sys.orig_argv if argv is None else argv)
    sys.excepthook = _one_line_on_ctrl_c(_command(argv), sys.excepthook)
    missing = [name for name in REQUIRED_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        print(f"error: {wrong_python(argv, missing)}", file=sys.stderr)
        raise SystemExit(2)


def _command(argv: list[str]) -> list[str]:
    """``-m module args...`` from Python's own command line (options before ``-m`` dropped)."""
    return argv[argv.index("-m") :] if "-m" in argv else argv[1:]


def wrong_python(argv: list[str], missing: list[str]) -> str:
    """The sentence for a command started with a Python that lacks ``missing``.

    >>> print(wrong_python(["/usr/bin/python3", "-m", "helpers.sandbox"], ["httpx"])[:54])
    /usr/bin/python3 does not have the handbook's packages
    """
    import shlex

    shown = (
        os.path.relpath(VENV_PYTHON)
        if VENV_PYTHON.startswith(os.getcwd() + os.sep)
        else VENV_PYTHON
    )
    run = shlex.join([shown, *_command(argv)])
    first = "" if os.path.exists(VENV_PYTHON) else "`make setup` (it creates .venv), then "
    return (
        f"{argv[0] if argv else 'this Python'} does not have the handbook's packages "
        f"(no module named {', '.join(missing)}). Run it with the project's Python: {first}{run}"
    )


def _one_line_on_ctrl_c(command: list[str], previous):
    def hook(kind, value, traceback) -> None:
        if issubclass(kind, KeyboardInterrupt):
            what = " ".join(["python", *command[:2]])
            print(f"\n{what} stopped (Ctrl-C).", file=sys.stderr, flush=True)
            os._exit(130)
        previous(kind, value, traceback)

    return hook
