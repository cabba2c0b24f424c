"""Responses as a reader reads them (helpers/book/responses.py): what a snippet printed, split
into text and JSON; long objects with their telling fields first and the rest folded."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers.book.responses import (
    Document,
    has_json,
    printed_to_html,
    show_json,
    split_printed,
    to_html,
    to_text,
)
from tests.support.book_paths import ROOT

CALL = {
    "Sid": "c1",
    "ParentCallSid": None,
    "DateCreated": "2026-01-15 10:00:00",
    "AccountSid": "acme",
    "To": "09820000000",
    "From": "09810000000",
    "Status": "completed",
    "Duration": "42",
}
SNIPPET_OUTPUTS = sorted((ROOT / "book" / "snippets").glob("*/*.out"))


def visible_keys(html: str) -> list[str]:
    """The keys drawn outside every fold, in order."""
    outside = re.sub(r"<details.*?</details>", "", html, flags=re.S)
    return [json.loads(k.replace("&quot;", '"')) for k in re.findall(r'json-key">(.*?)<', outside)]


def test_printed_text_splits_into_lines_and_json_documents():
    printed = 'list calls: HTTP 200\n{\n    "Status": 403\n}\n[1, 2]\ndone\n'
    assert split_printed(printed) == [
        "list calls: HTTP 200",
        Document({"Status": 403}),
        Document([1, 2]),
        "done",
    ]


def test_an_object_literal_that_is_not_json_stays_text():
    """Node's console.log of an object looks like JSON but is not."""
    printed = "{\n  Total: 0,\n  Calls: []\n}\n"
    assert not has_json(printed)
    assert split_printed(printed) == ["{", "  Total: 0,", "  Calls: []", "}"]


def test_a_long_object_shows_sid_and_status_first_and_folds_the_rest():
    html = to_html({"Call": CALL})
    assert visible_keys(html) == ["Call", "Sid", "Status"]
    assert "<summary>6 more fields</summary>" in html
    assert html.count('class="json-member json-important"') == 2


def test_a_short_object_keeps_its_order_and_folds_nothing():
    body = {"RestException": {"Message": "Authentication failed.", "Status": 401}}
    html = to_html(body)
    assert visible_keys(html) == ["RestException", "Message", "Status"]
    assert "<details" not in html


def test_the_fields_a_chapter_names_come_first():
    html = show_json({"Call": CALL}, "To", "Duration")._repr_html_()
    assert visible_keys(html) == ["Call", "To", "Duration"]


def test_a_long_list_shows_its_first_item_and_folds_the_others():
    html = to_html({"Calls": [{"Sid": "a"}, {"Sid": "b"}, {"Sid": "c"}]})
    assert visible_keys(html) == ["Calls", "Sid"]
    assert "<summary>2 more items</summary>" in html


def test_values_are_escaped_and_written_as_json():
    html = printed_to_html('<b>\n{"Message": "<script>", "Price": null, "Total": 2}\n')
    assert "<script>" not in html and "<b>" not in html
    assert '<span class="json-literal">null</span>' in html
    assert '<span class="json-number">2</span>' in html
    assert '<span class="json-string">&quot;&lt;script&gt;&quot;</span>' in html


def test_the_notebook_text_is_json_in_the_order_the_page_shows():
    text = to_text({"Call": CALL})
    assert json.loads(text) == {"Call": CALL}
    assert list(json.loads(text)["Call"])[:2] == ["Sid", "Status"]
    assert repr(show_json({"Call": CALL})) == text


@pytest.mark.parametrize(
    "path",
    [p for p in SNIPPET_OUTPUTS if ".sh." in p.name],
    ids=lambda p: p.parent.name + "/" + p.name,
)
def test_every_json_a_curl_snippet_prints_is_drawn_as_a_response(path: Path):
    """A line that opens an object in curl's output is JSON the page can draw: a `fold` in the
    snippet had cut a URI in two, which left the whole response as unreadable text."""
    for piece in split_printed(path.read_text()):
        assert isinstance(piece, Document) or not piece.startswith(("{", "[")), piece
