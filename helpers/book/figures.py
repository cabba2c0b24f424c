"""Notebook figures that come out the same, byte for byte, on every run.

A PNG output is a base64 blob: it cannot be diffed, and secret scanners (detect-secrets, in
``tests/test_hygiene.py``) report it as a high-entropy string. SVG with fixed element ids, text
kept as text and no creation date is small, readable in a diff, and stable between runs.

>>> from helpers.book.figures import stable_svg   # doctest: +SKIP
>>> stable_svg()                             # doctest: +SKIP
"""

from __future__ import annotations


def stable_svg(salt: str = "exotel-handbook") -> None:
    """Make the notebook's inline figures deterministic SVG (call once, before plotting)."""
    import matplotlib.pyplot as plt
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    plt.rcParams.update({"svg.hashsalt": salt, "svg.fonttype": "none"})
    set_matplotlib_formats("svg", bbox_inches="tight", metadata={"Date": None})
