"""Are the committed recordings what the sandbox answers now?

In playback the in-process sandbox sees every request, replayed or not (:mod:`.runtime`), so a
playback run is also a recording run made in passing: with ``EXOTEL_HANDBOOK_REPORT`` set, each
kernel writes, after each cell, which recordings it replayed and where the sandbox's answer now
differs from the recorded one. The whole-book build of the tests sets it; :func:`drift` turns a
chapter's lines into a readable diff that ends with the command accepting the change, and
:func:`unused` names the recordings no cell asked for. No notebook runs twice for it.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable

from .cassette import Cassette
from .modes import record_command


def _pretty(exchange: dict) -> list[str]:
    return json.dumps(exchange, indent=2, ensure_ascii=False).splitlines()


def drift(chapter: str, lines: Iterable[dict]) -> str | None:
    """Where ``chapter``'s recordings differ from the sandbox's answers, or None."""
    parts = []
    for line in lines:
        if line["chapter"] != chapter:
            continue
        for finding in line["findings"]:
            where = f"the cell `{line['code']}`, request {finding['index'] + 1}"
            if finding["kind"] == "not recorded":
                parts.append(f"{where}: not recorded ({finding['reason']})")
                continue
            diff = difflib.unified_diff(
                _pretty(finding["recorded"]),
                _pretty(finding["sandbox"]),
                f"cassettes/{chapter}.json",
                "the sandbox now",
                lineterm="",
                n=2,
            )
            parts.append(f"{where}:\n" + "\n".join(diff))
    if not parts:
        return None
    return (
        f"The recordings of {chapter} are not what the sandbox answers now:\n\n"
        + "\n\n".join(parts)
        + "\n\nIf the sandbox changed on purpose, record the chapter again and commit what it "
        f"writes:\n  {record_command(chapter)}\n(every chapter: {record_command()})"
    )


def unused(cassette: Cassette, lines: Iterable[dict]) -> list[str]:
    """The recordings of ``cassette`` that no run of its chapter replayed, as readable lines."""
    replayed: dict[str, set[int]] = {}
    for line in lines:
        if line["chapter"] == cassette.chapter:
            replayed.setdefault(line["cell"], set()).update(line["replayed"])
    found = []
    for cell in cassette.cells.values():
        left = sorted(set(range(len(cell.exchanges))) - replayed.get(cell.key, set()))
        if len(left) == len(cell.exchanges):
            found.append(f"the cell `{cell.code}` ({cell.key}): no cell sends its requests now")
        elif left:
            numbers = ", ".join(str(i + 1) for i in left)
            found.append(f"the cell `{cell.code}` ({cell.key}): requests {numbers} never sent")
    return found
