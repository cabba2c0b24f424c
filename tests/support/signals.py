"""What a child a test stops with Ctrl-C's signal needs from its start."""

from __future__ import annotations

import signal


def ctrl_c_as_in_a_terminal() -> None:
    """A ``preexec_fn``: SIGINT back to its default in the child. A suite started in the
    background by a shell without job control (``make test &`` in a script, some CI runners)
    ignores SIGINT, every child inherits that, and Python then never turns it into
    KeyboardInterrupt: the child would ignore the test's Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
