"""Notebook tables: HTML for the page, aligned text as the plain fallback."""

from __future__ import annotations

import pytest

from helpers.book.tables import Table


def test_html_escapes_every_cell():
    html = Table(["a"], [["<b>&"]])._repr_html_()
    assert "<td>&lt;b&gt;&amp;</td>" in html


def test_plain_text_aligns_columns_under_the_header():
    text = repr(Table(["status", "x"], [[402, "yes"]]))
    assert text.splitlines() == ["status  x", "------  ---", "402     yes"]


def test_a_row_of_the_wrong_length_is_refused_naming_it():
    with pytest.raises(ValueError, match=r"Every row needs 2 cells, like the header; got \['1'\]"):
        Table(["a", "b"], [[1]])
