"""Notebook figures that come out the same, byte for byte, on every run, and read on a phone.

The chapters draw two small plots: a line (rate_limits) and grouped bars (security_faq). This
module writes their SVG by hand, a few dozen elements each: no plotting library, so a chapter's
kernel imports nothing heavy for them, and the same numbers always give the same bytes, so a committed output diffs cleanly
and no secret scanner mistakes it for a high-entropy string, as it would a base64 PNG.

:func:`show` puts the SVG into the page itself, not into an image file: it then says what it
shows (``alt``: a screen reader reads it, and it is the notebook's plain-text output), and it
scales to the width of the page, with text large enough to stay readable when a phone shrinks
it to 360 pixels.

>>> svg = line_chart([0, 1, 2], [0, 2, 1], label="calls", xlabel="s", ylabel="n", ymax=3)
>>> svg.startswith("<svg") and svg.count("<polyline") == 1
True
>>> show(svg, "Calls rise, then fall.")   # doctest: +SKIP
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from html import escape

#: The drawing's width in SVG units; it scales to the page's width.
WIDTH = 640
#: Text size in SVG units: at 360 pixels wide a phone draws it about 10 pixels tall.
FONT_SIZE = 19
#: matplotlib's first colours (tab:blue, tab:orange) for series, tab:red for a limit.
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd")
LIMIT_COLOUR = "#d62728"
INK = "#222222"
LEFT, RIGHT, BOTTOM = 78, 16, 62


def _number(value: float) -> str:
    """A coordinate with one decimal, without a trailing ``.0``: short and the same every run."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def nice_ticks(top: float, most: int = 6) -> list[float]:
    """Round tick values from 0 to at least ``top``, no more than ``most`` + 1 of them.

    >>> nice_ticks(230)
    [0, 50, 100, 150, 200, 250]
    >>> nice_ticks(700)
    [0, 200, 400, 600, 800]
    """
    if top <= 0:
        raise ValueError(f"A chart's top value must be above 0, not {top}.")
    magnitude = 10 ** math.floor(math.log10(top / most))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if top / (m * magnitude) <= most)
    count = math.ceil(top / step - 1e-9)
    return [int(i * step) if float(i * step).is_integer() else i * step for i in range(count + 1)]


def _text(x: float, y: float, text: str, anchor: str = "middle", extra: str = "") -> str:
    return (
        f'<text x="{_number(x)}" y="{_number(y)}" text-anchor="{anchor}"{extra}>'
        f"{escape(str(text))}</text>"
    )


class _Canvas:
    """Axes in a fixed-size drawing: data coordinates in, SVG coordinates out."""

    def __init__(self, height: int, xmax: float, ymax: float, top: int):
        self.height, self.xmax, self.ymax, self.top = height, xmax, ymax, top
        self.parts: list[str] = [
            f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        ]

    def x(self, value: float) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * value / self.xmax

    def y(self, value: float) -> float:
        bottom = self.height - BOTTOM
        return bottom - (bottom - self.top) * value / self.ymax

    def frame(self, yticks: list[float], ylabel: str, xlabel: str | None) -> None:
        left, right = LEFT, WIDTH - RIGHT
        bottom = self.height - BOTTOM
        self.parts.append(
            f'<rect x="{left}" y="{self.top}" width="{right - left}" height="{bottom - self.top}" '
            f'fill="none" stroke="{INK}"/>'
        )
        for tick in yticks:
            y = _number(self.y(tick))
            self.parts.append(
                f'<line x1="{left - 5}" y1="{y}" x2="{left}" y2="{y}" stroke="{INK}"/>'
            )
            self.parts.append(_text(left - 8, self.y(tick) + FONT_SIZE / 3, f"{tick:g}", "end"))
        middle = (self.top + bottom) / 2
        self.parts.append(
            _text(20, middle, ylabel, extra=f' transform="rotate(-90 20 {_number(middle)})"')
        )
        if xlabel:
            self.parts.append(_text((left + right) / 2, self.height - 10, xlabel))

    def svg(self) -> str:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{self.height}" '
            f'viewBox="0 0 {WIDTH} {self.height}" font-family="sans-serif" '
            f'font-size="{FONT_SIZE}" fill="{INK}">\n' + "\n".join(self.parts) + "\n</svg>"
        )


def _legend(canvas: _Canvas, entries: list[tuple[str, str, str]], x: float, y: float) -> None:
    """``(label, colour, "line" | "dashed" | "box")`` entries stacked from (x, y) downwards."""
    for i, (label, colour, kind) in enumerate(entries):
        row = y + i * (FONT_SIZE + 8)
        if kind == "box":
            canvas.parts.append(
                f'<rect x="{_number(x)}" y="{_number(row - 12)}" width="24" height="14" '
                f'fill="{colour}"/>'
            )
        else:
            dash = ' stroke-dasharray="8 5"' if kind == "dashed" else ""
            canvas.parts.append(
                f'<line x1="{_number(x)}" y1="{_number(row - 6)}" x2="{_number(x + 26)}" '
                f'y2="{_number(row - 6)}" stroke="{colour}" stroke-width="2.5"{dash}/>'
            )
        canvas.parts.append(_text(x + 34, row, label, "start"))


def line_chart(
    x: Sequence[float],
    y: Sequence[float],
    *,
    label: str,
    xlabel: str,
    ylabel: str,
    ymax: float,
    limit: float | None = None,
    limit_label: str | None = None,
) -> str:
    """One line through the points ``(x[i], y[i])``, with a dashed horizontal ``limit`` if given,
    and a legend in the lower right. Returns the SVG for :func:`show`."""
    if len(x) != len(y) or not x:
        raise ValueError(
            f"A line needs as many x values as y values, at least one: got {len(x)} and {len(y)}."
        )
    yticks = nice_ticks(ymax)
    canvas = _Canvas(height=340, xmax=nice_ticks(max(x))[-1], ymax=ymax, top=12)
    canvas.frame([t for t in yticks if t <= ymax], ylabel, xlabel)
    bottom = canvas.height - BOTTOM
    for tick in nice_ticks(canvas.xmax):
        position = _number(canvas.x(tick))
        canvas.parts.append(
            f'<line x1="{position}" y1="{bottom}" x2="{position}" y2="{bottom + 5}" '
            f'stroke="{INK}"/>'
        )
        canvas.parts.append(_text(canvas.x(tick), bottom + 5 + FONT_SIZE, f"{tick:g}"))
    points = "\n".join(
        f"{_number(canvas.x(a))},{_number(canvas.y(b))}" for a, b in zip(x, y, strict=True)
    )
    canvas.parts.append(
        f'<polyline points="{points}" fill="none" stroke="{COLOURS[0]}" stroke-width="2.5"/>'
    )
    entries = [(label, COLOURS[0], "line")]
    if limit is not None:
        level = _number(canvas.y(limit))
        canvas.parts.append(
            f'<line x1="{LEFT}" y1="{level}" x2="{WIDTH - RIGHT}" y2="{level}" '
            f'stroke="{LIMIT_COLOUR}" stroke-width="2" stroke-dasharray="8 5"/>'
        )
        entries.append((limit_label or f"limit: {limit:g}", LIMIT_COLOUR, "dashed"))
    _legend(canvas, entries, WIDTH - RIGHT - 300, bottom - 12 - (len(entries) - 1) * 27)
    return canvas.svg()


def bar_chart(
    groups: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    ylabel: str,
    title: str,
    value_format: str = "{:.0f}",
) -> str:
    """Bars side by side for each group, one colour per series, each bar labelled with its value
    (``value_format``), a title above and a legend. Returns the SVG for :func:`show`."""
    for name, values in series.items():
        if len(values) != len(groups):
            raise ValueError(
                f"Series {name!r} has {len(values)} values for {len(groups)} groups; give one "
                "value per group."
            )
    top_value = max(v for values in series.values() for v in values) * 1.2
    canvas = _Canvas(height=400, xmax=len(groups), ymax=top_value, top=44)
    canvas.parts.append(_text(WIDTH / 2, 28, title, extra=' font-weight="bold"'))
    canvas.frame(nice_ticks(top_value)[:-1], ylabel, None)
    slot = (WIDTH - LEFT - RIGHT) / len(groups)
    width = slot * 0.7 / len(series)
    bottom = canvas.height - BOTTOM
    for g, group in enumerate(groups):
        centre = LEFT + slot * (g + 0.5)
        canvas.parts.append(_text(centre, bottom + 5 + FONT_SIZE, group))
        for s, values in enumerate(series.values()):
            left = centre + (s - len(series) / 2) * width
            y = canvas.y(values[g])
            canvas.parts.append(
                f'<rect x="{_number(left)}" y="{_number(y)}" width="{_number(width)}" '
                f'height="{_number(bottom - y)}" fill="{COLOURS[s % len(COLOURS)]}"/>'
            )
            canvas.parts.append(_text(left + width / 2, y - 6, value_format.format(values[g])))
    entries = [(name, COLOURS[s % len(COLOURS)], "box") for s, name in enumerate(series)]
    _legend(canvas, entries, WIDTH - RIGHT - 200, canvas.top + 28)
    return canvas.svg()


def show(svg: str, alt: str) -> None:
    """Display ``svg`` (from :func:`line_chart` or :func:`bar_chart`) in the page, described by
    ``alt`` (a sentence saying what it shows)."""
    from IPython.display import display

    if not alt or not alt.strip():
        raise ValueError(
            "A figure needs alt text: pass show(svg, alt=...) a sentence saying what the figure "
            "shows, for readers who cannot see it."
        )
    if not isinstance(svg, str) or not svg.startswith("<svg"):
        raise ValueError(
            "show() takes the SVG text that line_chart() or bar_chart() returns, not "
            f"a {type(svg).__name__}."
        )
    opening_end = svg.index(">") + 1
    described = (
        svg[: opening_end - 1].replace("<svg ", f'<svg role="img" aria-label="{escape(alt)}" ', 1)
        + ">"
        + f"<title>{escape(alt)}</title>"
        + svg[opening_end:]
    )
    display(
        # The text (the notebook's diff, a terminal) wraps the alt text to 80 columns.
        {
            "text/html": f'<div class="handbook-figure">{described}</div>',
            "text/plain": textwrap.fill(alt, 80),
        },
        raw=True,
    )
