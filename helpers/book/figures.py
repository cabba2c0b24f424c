"""Notebook figures that come out the same, byte for byte, on every run, and read on a phone.

A PNG output is a base64 blob: it cannot be diffed, and secret scanners (detect-secrets, in
``tests/test_hygiene.py``) report it as a high-entropy string. SVG with fixed element ids, text
kept as text and no creation date is small, readable in a diff, and stable between runs.

:func:`show` puts the SVG into the page itself, not into an image file: it then says what it
shows (``alt``: a screen reader reads it, and it is the notebook's plain-text output), and it
scales to the width of the page, with fonts large enough to stay readable when a phone shrinks
it to 360 pixels.

>>> from helpers.book.figures import show, stable_svg   # doctest: +SKIP
>>> stable_svg()                                        # doctest: +SKIP
>>> show(fig, "Requests per minute stay under the limit of 200.")   # doctest: +SKIP
"""

from __future__ import annotations

import io
from html import escape
from typing import Any

#: Points; matplotlib's default is 10, which a phone shrinks to about 6 pixels.
FONT_SIZE = 13


def stable_svg(salt: str = "exotel-handbook") -> None:
    """Make the notebook's inline figures deterministic SVG (call once, before plotting)."""
    import matplotlib.pyplot as plt
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    plt.rcParams.update({"svg.hashsalt": salt, "svg.fonttype": "none", "font.size": FONT_SIZE})
    set_matplotlib_formats("svg", bbox_inches="tight", metadata={"Date": None})


def show(fig: Any, alt: str) -> None:
    """Display ``fig`` as SVG in the page, described by ``alt`` (a sentence saying what it shows).

    The figure is closed afterwards, so the notebook does not display it a second time.
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    if not alt or not alt.strip():
        raise ValueError(
            "A figure needs alt text: pass show(fig, alt=...) a sentence saying what the figure "
            "shows, for readers who cannot see it."
        )
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    opening_end = svg.index(">") + 1
    described = (
        svg[: opening_end - 1].replace("<svg ", f'<svg role="img" aria-label="{escape(alt)}" ', 1)
        + ">"
        + f"<title>{escape(alt)}</title>"
        + svg[opening_end:]
    )
    display(
        {"text/html": f'<div class="handbook-figure">{described}</div>', "text/plain": alt},
        raw=True,
    )
