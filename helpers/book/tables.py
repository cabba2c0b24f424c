"""Small tables for notebook outputs: HTML on the page, aligned text as the plain fallback.

>>> Table(["status", "meaning"], [[402, "Payment Required"]])
status  meaning
------  ----------------
402     Payment Required
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence


class Table:
    """Rows under a header; a notebook shows it as an HTML table, a terminal as text."""

    def __init__(self, header: Sequence[object], rows: Iterable[Sequence[object]]):
        self.header = [str(cell) for cell in header]
        self.rows = [[str(cell) for cell in row] for row in rows]
        wrong = [row for row in self.rows if len(row) != len(self.header)]
        if wrong:
            raise ValueError(
                f"Every row needs {len(self.header)} cells, like the header; got {wrong[0]}."
            )

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(cell)}</th>" for cell in self.header)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
            for row in self.rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def __repr__(self) -> str:
        lines = [self.header, *self.rows]
        widths = [max(len(line[i]) for line in lines) for i in range(len(self.header))]

        def render(cells: Sequence[str]) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

        rule = ["-" * w for w in widths]
        return "\n".join([render(self.header), render(rule), *map(render, self.rows)])
