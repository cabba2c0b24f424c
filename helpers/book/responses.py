"""API responses as a reader reads them: JSON pretty-printed, a long object's telling fields
(``Sid``, ``Status``, ``Message``...) first and the rest folded behind a click.

One renderer for the whole book: the site draws what each snippet printed with it
(``_ext/responses.py``), and a chapter shows a response with :func:`show_json`. The HTML's
classes are styled in ``_static/outputs.css``, in light and dark, and print unfolded.

>>> print(to_text({"Call": {"Sid": "c1", "Status": "completed"}}))
{
  "Call": {
    "Sid": "c1",
    "Status": "completed"
  }
}
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: The fields a reader looks for first in an Exotel response, v1 and v2.
IMPORTANT = (
    "Sid",
    "sid",
    "Status",
    "status",
    "http_code",
    "code",
    "Message",
    "message",
    "description",
    "request_id",
)
#: An object with more members than this shows its important ones and folds the others; an
#: array with more items shows the first and folds the rest.
FOLD_OVER = 6
ARRAY_FOLD_OVER = 2


@dataclass(frozen=True)
class Document:
    """One JSON value in a printed output (see :func:`split_printed`)."""

    value: object


def split_printed(text: str) -> list[str | Document]:
    """What a program printed, in order: each JSON document that starts a line (an object or an
    array, as ``python -m json.tool`` prints one) as a :class:`Document`, and each other line as
    text. A line that only looks like JSON (Node's ``console.log`` of an object) stays text.

    >>> split_printed('list calls: HTTP 200\\n{"Status": 403}\\n')
    ['list calls: HTTP 200', Document(value={'Status': 403})]
    """
    decoder = json.JSONDecoder()
    pieces: list[str | Document] = []
    at = 0
    while at < len(text):
        end = text.find("\n", at)
        end = len(text) if end == -1 else end
        if text[at : at + 1] in ("{", "["):
            try:
                value, stop = decoder.raw_decode(text, at)
            except json.JSONDecodeError:
                pass
            else:
                pieces.append(Document(value))
                at = stop + 1 if text[stop : stop + 1] == "\n" else stop
                continue
        pieces.append(text[at:end])
        at = end + 1
    return pieces


def has_json(text: str) -> bool:
    """Whether ``text`` holds at least one JSON document :func:`split_printed` finds."""
    return any(isinstance(piece, Document) for piece in split_printed(text))


def _order(members: Sequence[tuple[str, object]], important: Iterable[str]):
    """(shown, folded): all members if few, else the important ones and the rest."""
    if len(members) <= FOLD_OVER:
        return list(members), []
    wanted = set(important)
    shown = [m for m in members if m[0] in wanted]
    if not shown:
        return list(members[:FOLD_OVER]), list(members[FOLD_OVER:])
    return shown, [m for m in members if m[0] not in wanted]


def _scalar(value: object) -> str:
    text = html.escape(json.dumps(value, ensure_ascii=False))
    kind = (
        "string"
        if isinstance(value, str)
        else "literal"
        if value is None or isinstance(value, bool)
        else "number"
    )
    return f'<span class="json-{kind}">{text}</span>'


def _plural(count: int, word: str) -> str:
    return f"{count} more {word}{'' if count == 1 else 's'}"


def _html(value: object, important: tuple[str, ...]) -> str:
    if isinstance(value, dict):
        if not value:
            return "{}"
        shown, folded = _order(list(value.items()), important)
        rows = [
            (
                f'<div class="json-member{" json-important" if key in important else ""}">'
                f'<span class="json-key">{html.escape(json.dumps(key, ensure_ascii=False))}</span>'
                f": {_html(item, important)}{comma}</div>"
            )
            for (key, item), comma in _commas(shown + folded)
        ]
        return f"{{{_fold(rows, len(shown), _plural(len(folded), 'field'))}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        rows = [
            f'<div class="json-item">{_html(item, important)}{comma}</div>'
            for item, comma in _commas(value)
        ]
        keep = len(value) if len(value) <= ARRAY_FOLD_OVER else 1
        return f"[{_fold(rows, keep, _plural(len(value) - keep, 'item'))}]"
    return _scalar(value)


def _commas(items: Sequence) -> list[tuple[object, str]]:
    return [(item, "," if i < len(items) - 1 else "") for i, item in enumerate(items)]


def _fold(rows: list[str], keep: int, summary: str) -> str:
    shown = "".join(rows[:keep])
    if keep < len(rows):
        shown += (
            f'<details class="json-fold"><summary>{summary}</summary>'
            f"{''.join(rows[keep:])}</details>"
        )
    return f'<div class="json-members">{shown}</div>'


def to_html(value: object, important: Sequence[str] = IMPORTANT) -> str:
    """``value`` as an HTML block: pretty-printed, long objects' important fields first and
    the others folded in ``<details>``."""
    return f'<div class="response-json">{_html(value, tuple(important))}</div>'


def printed_to_html(text: str, important: Sequence[str] = IMPORTANT) -> str:
    """What a program printed (``text``) as a response block: its JSON documents drawn by
    :func:`to_html`, its other lines as they were."""
    parts = [
        to_html(piece.value, important)
        if isinstance(piece, Document)
        else f'<div class="response-text">{html.escape(piece)}</div>'
        for piece in split_printed(text)
    ]
    return f'<div class="response">{"".join(parts)}</div>'


def _reordered(value: object, important: tuple[str, ...]) -> object:
    if isinstance(value, dict):
        shown, folded = _order(list(value.items()), important)
        return {key: _reordered(item, important) for key, item in shown + folded}
    if isinstance(value, list):
        return [_reordered(item, important) for item in value]
    return value


def to_text(value: object, important: Sequence[str] = IMPORTANT) -> str:
    """The plain-text form (the notebook's diff, a terminal): JSON indented by two, in the
    order the page shows it."""
    return json.dumps(_reordered(value, tuple(important)), indent=2, ensure_ascii=False)


class JSONView:
    """A response for a cell to return: the page shows :func:`to_html`, the notebook's text
    :func:`to_text`."""

    def __init__(self, value: object, important: Sequence[str] = IMPORTANT) -> None:
        self.value, self.important = value, tuple(important)

    def _repr_html_(self) -> str:
        return f'<div class="response">{to_html(self.value, self.important)}</div>'

    def __repr__(self) -> str:
        return to_text(self.value, self.important)


def show_json(value: object, *important: str) -> JSONView:
    """Return this from a cell to show a response as the site shows snippet outputs; name the
    fields that matter to the cell to put them first (default :data:`IMPORTANT`).

    >>> show_json({"RestException": {"Status": 401, "Message": "Authentication failed."}})
    {
      "RestException": {
        "Status": 401,
        "Message": "Authentication failed."
      }
    }
    """
    return JSONView(value, important or IMPORTANT)
