"""The book's notebooks run in kernels that talk over Unix sockets (IPC), not TCP.

myst-nb executes each notebook through jupyter-cache and nbclient and passes them no kernel
configuration, so every kernel of ``make book`` used TCP, and ipykernel warned at each start:
"Kernel is running over TCP without encryption". A security handbook should not teach its
readers to scroll past that. This wraps jupyter-cache's call to nbclient so that each kernel gets
:func:`helpers.book.rerecord.kernel_config`, the IPC configuration the re-recorder already uses
(its docstring says why the warning does not apply to IPC sockets). Remove it when myst-nb lets
the configuration pass a kernel manager's settings.
"""

from __future__ import annotations

import functools

from jupyter_cache.executors import utils

from helpers.book.rerecord import kernel_config


def with_ipc_kernels(execute):
    """``execute`` (nbclient's), giving each notebook's kernel IPC sockets unless told otherwise."""

    @functools.wraps(execute)
    def run(nb, *args, **kwargs):
        kwargs.setdefault("config", kernel_config())
        return execute(nb, *args, **kwargs)

    run.ipc_kernels = True
    return run


def setup(app) -> dict:
    if not getattr(utils.executenb, "ipc_kernels", False):
        utils.executenb = with_ipc_kernels(utils.executenb)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
