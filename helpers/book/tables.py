"""Tables for the chapters: an HTML table on the page, aligned text in the notebook's diff.

A column-aligned ``print`` turns into a jumble as soon as the page is narrower than the longest
line. A :class:`Table` is the last expression of a cell (or goes to ``display``): the book shows
its ``_repr_html_``, a real table that scrolls sideways on a phone, and the notebook also keeps
its plain-text ``repr``, the same aligned columns as before, which is what pytest-notebook diffs
and what a terminal shows. The text keeps to :data:`WIDTH` columns: when the columns are wider,
the widest are narrowed and their cells wrapped onto more lines, word by word.

HTTP statuses can be coloured (``statuses=`` names their columns): 2xx cells get the class
``status-ok``, 4xx and 5xx ``status-refused``; ``_static/outputs.css`` colours them.

>>> Table(["service", "status"], [["billing", 200], ["crm", 401]], statuses=["status"])
service  status
billing  200
crm      401
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from helpers.sandbox.dashboard import Dashboard

    from .traffic import SteadyStream

#: The columns of a notebook's output box (the notebooks' code is linted to the same width).
WIDTH = 80
#: Two spaces between columns.
GAP = 2


class Table:
    """Rows under named columns. Cells are shown with ``str``; ``None`` shows as an empty cell."""

    def __init__(
        self,
        columns: Sequence[str],
        rows: Iterable[Sequence[object]],
        *,
        statuses: Iterable[str] = (),
        caption: str | None = None,
    ):
        self.columns = [str(c) for c in columns]
        self.rows = [list(row) for row in rows]
        for number, row in enumerate(self.rows, start=1):
            if len(row) != len(self.columns):
                raise ValueError(
                    f"Row {number} has {len(row)} cells but the table has {len(self.columns)} "
                    f"columns ({', '.join(self.columns)}); give every row one cell per column."
                )
        self.statuses = set(statuses)
        unknown = self.statuses - set(self.columns)
        if unknown:
            raise ValueError(
                f"statuses= names {', '.join(sorted(unknown))}, which is not a column; "
                f"the columns are {', '.join(self.columns)}."
            )
        self.caption = caption

    @staticmethod
    def _text(value: object) -> str:
        return "" if value is None else str(value)

    def __repr__(self) -> str:
        cells = [self.columns, *([self._text(v) for v in row] for row in self.rows)]
        widths = _fitted_widths(cells, WIDTH)
        lines = []
        for line in cells:
            wrapped = [_wrap(value, width) for value, width in zip(line, widths, strict=True)]
            for depth in range(max(len(parts) for parts in wrapped)):
                parts = [p[depth] if depth < len(p) else "" for p in wrapped]
                text = (" " * GAP).join(v.ljust(w) for v, w in zip(parts, widths, strict=True))
                lines.append(text.rstrip())
        if self.caption:
            lines[:0] = _wrap(self.caption, WIDTH)
        return "\n".join(lines)

    def _status_class(self, column: str, value: object) -> str:
        if column not in self.statuses:
            return ""
        try:
            status = int(str(value))
        except ValueError:
            return ""
        if 200 <= status < 300:
            return ' class="status-ok"'
        if 400 <= status < 600:
            return ' class="status-refused"'
        return ""

    def _repr_html_(self) -> str:
        """One line per row, so a changed cell is a one-line diff."""
        head = "".join(f"<th>{escape(c)}</th>" for c in self.columns)
        rows = [
            "<tr>"
            + "".join(
                f"<td{self._status_class(c, v)}>{escape(self._text(v))}</td>"
                for c, v in zip(self.columns, row, strict=True)
            )
            + "</tr>"
            for row in self.rows
        ]
        caption = [f"<caption>{escape(self.caption)}</caption>"] if self.caption else []
        return "\n".join(
            [
                '<table class="handbook-table">',
                *caption,
                f"<thead><tr>{head}</tr></thead>",
                "<tbody>",
                *rows,
                "</tbody>",
                "</table>",
            ]
        )


def _wrap(text: str, width: int) -> list[str]:
    """``text`` on lines of at most ``width`` columns, breaking between words only (a longer
    word, a path or an ID, keeps its own line whole); a cell's own line breaks are kept."""
    lines = []
    for paragraph in text.splitlines() or [""]:
        lines += textwrap.wrap(
            paragraph, width, break_long_words=False, break_on_hyphens=False
        ) or [""]
    return lines


def _fitted_widths(cells: list[list[str]], total: int) -> list[int]:
    """Each column's width: its longest line, narrowed (the widest column first, never below its
    longest word) until the row fits ``total`` columns, or no column can give way."""
    widths = [max(len(line) for line in column) for column in zip(*cells, strict=True)]
    floors = [
        max((len(word) for value in column for word in value.split()), default=0)
        for column in zip(*cells, strict=True)
    ]
    while (excess := sum(widths) + GAP * (len(widths) - 1) - total) > 0:
        give = [i for i in range(len(widths)) if widths[i] > floors[i]]
        if not give:
            break
        widest = max(give, key=lambda i: widths[i])
        widths[widest] = max(floors[widest], widths[widest] - excess)
        # Narrowed, the column is only as wide as its longest wrapped line.
        widths[widest] = max(
            len(line)
            for value in (row[widest] for row in cells)
            for line in _wrap(value, widths[widest])
        )
    return widths


def timeline(stream: SteadyStream, title: str | None = None) -> Table:
    """A rotation's timeline, one row per beat, each service's status coloured; the caption
    is the stream's summary, after ``title`` if given."""
    services = stream.deployment.services()
    summary = stream.summary()
    return Table(
        stream.timeline_columns(),
        stream.timeline_rows(),
        statuses=services,
        caption=f"{title}: {summary}" if title else summary,
    )


def key_table(dashboard: Dashboard) -> Table:
    """The sandbox dashboard's keys; the caption gives the account's IP allowlist."""
    return Table(
        dashboard.KEY_COLUMNS,
        dashboard.key_rows(),
        caption=f"account IP allowlist: {dashboard.account_allowlist()}",
    )
