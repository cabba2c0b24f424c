"""The in-browser lab (Pyodide, helpers/book/lite/): what a chapter cannot do there, said plainly.

Python in the browser has no threads, no sockets and no terminal. Where a chapter reaches one of
them, it stops with :class:`~helpers.book.errors.NeedsAComputerError`, whose message names the
part and how to run it on a computer, instead of a traceback about threads or a missing module.
"""

from __future__ import annotations

import sys

from .errors import NeedsAComputerError

#: True inside the in-browser lab (Pyodide is CPython built for Emscripten).
IN_BROWSER = sys.platform == "emscripten"
ON_A_COMPUTER = (
    "Run this chapter on your computer to see this part: `make lab` in a clone of the handbook "
    "(the README's Quick start)."
)


def needs_a_real_machine(what: str, why: str) -> NeedsAComputerError:
    """The error for ``what`` (``"The HTTPS receiver"``), which needs ``why`` (``"a socket"``)."""
    return NeedsAComputerError(
        f"{what} needs {why}, and this lab runs Python inside your browser, which has none. "
        + ON_A_COMPUTER
    )


def refuse_outside_a_computer(what: str, why: str) -> None:
    """Raise :func:`needs_a_real_machine` when running in the browser; nothing elsewhere."""
    if IN_BROWSER:
        raise needs_a_real_machine(what, why)


def explain_threads() -> None:
    """In the browser, a cell that starts a thread stops with the plain message, not Python's
    "can't start new thread" (the chapters show concurrent deliveries with thread pools)."""
    if not IN_BROWSER:
        return
    from IPython import get_ipython  # the lab's kernel is IPython's

    shell = get_ipython()
    if shell is None:
        return

    def plain(shell, etype, value, tb, tb_offset=None):
        if "can't start new thread" in str(value):
            error = needs_a_real_machine("This cell", "threads (it runs things at the same time)")
            return shell.showtraceback((NeedsAComputerError, error, None), exception_only=True)
        return shell.showtraceback((etype, value, tb), tb_offset=tb_offset)

    shell.set_custom_exc((RuntimeError,), plain)
