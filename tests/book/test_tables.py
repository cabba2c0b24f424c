"""Tables and figures for the chapters (helpers/book/tables.py, helpers/book/figures.py): HTML on
the page, plain text in the notebook's diff."""

from __future__ import annotations

import re
from datetime import timedelta

import nbformat
import pytest

from helpers.book.figures import bar_chart, line_chart, show
from helpers.book.tables import Table, key_table, timeline
from helpers.book.traffic import Beat, SteadyStream
from helpers.clock import FrozenClock
from helpers.credentials import Credentials
from helpers.rotation import Deployment
from helpers.sandbox import Sandbox
from tests.support.book_paths import NOTEBOOKS

CREDENTIALS = Credentials("key", "token", "acme")


def test_a_table_prints_as_aligned_columns():
    table = Table(["service", "status"], [["billing-api", 200], ["crm", 401]])
    assert repr(table) == "service      status\nbilling-api  200\ncrm          401"


def test_a_table_shows_as_an_html_table_with_one_row_per_line():
    html = Table(["a", "b"], [[1, "<x>"]])._repr_html_()
    assert "<thead><tr><th>a</th><th>b</th></tr></thead>" in html
    assert "<tr><td>1</td><td>&lt;x&gt;</td></tr>" in html.splitlines()


def test_status_cells_are_marked_ok_or_refused():
    html = Table(["step", "svc"], [["before", 200], ["after", 401]], statuses=["svc"])._repr_html_()
    assert '<td class="status-ok">200</td>' in html
    assert '<td class="status-refused">401</td>' in html
    assert "<td>before</td>" in html


def test_the_caption_heads_both_the_text_and_the_html():
    table = Table(["a"], [[1]], caption="account IP allowlist: any")
    assert repr(table).splitlines()[0] == "account IP allowlist: any"
    assert "<caption>account IP allowlist: any</caption>" in table._repr_html_()


def test_a_row_of_the_wrong_length_names_the_row_and_the_columns():
    with pytest.raises(ValueError, match=r"Row 2 has 1 cells but the table has 2 columns \(a, b\)"):
        Table(["a", "b"], [[1, 2], [3]])


def test_statuses_must_name_a_column():
    with pytest.raises(ValueError, match="statuses= names svc, which is not a column"):
        Table(["a"], [[1]], statuses=["svc"])


def stream_with_beats() -> SteadyStream:
    clock = FrozenClock()
    stream = SteadyStream(Deployment({"billing": CREDENTIALS, "crm": CREDENTIALS}), None, clock)
    start = clock.now()
    stream.beats = [
        Beat(start, "before", {"billing": 200, "crm": 200}),
        Beat(start + timedelta(minutes=10), "regenerate token", {"billing": 401, "crm": 200}),
    ]
    stream._start = start
    return stream


def test_a_timeline_has_a_row_per_beat_and_its_summary_as_caption():
    table = timeline(stream_with_beats(), "immediate")
    assert table.columns == ["time", "step", "billing", "crm"]
    assert table.rows == [["+0:00", "before", 200, 200], ["+0:10", "regenerate token", 401, 200]]
    assert table.caption == "immediate: 2 beats, 4 requests, 1 refused (1 x 401)"
    assert '<td class="status-refused">401</td>' in table._repr_html_()


def test_the_text_timeline_is_unchanged_by_the_rows_it_is_built_from():
    lines = stream_with_beats().timeline().splitlines()
    assert re.split(r"\s{2,}", lines[0].strip()) == ["time", "step", "billing", "crm"]
    assert re.split(r"\s{2,}", lines[2].strip()) == ["+0:10", "regenerate token", "401", "200"]


def test_the_key_table_lists_the_sandbox_keys_without_tokens():
    dashboard = Sandbox().dashboard
    billing = dashboard.create_key("billing", permissions=["calls:read"])
    table = key_table(dashboard)
    assert table.caption == "account IP allowlist: any"
    assert [row[0] for row in table.rows] == ["default", "billing"]
    assert billing.api_token not in repr(table) + table._repr_html_()


def test_a_figure_without_alt_text_is_refused():
    with pytest.raises(ValueError, match="A figure needs alt text"):
        show(line_chart([0, 1], [1, 2], label="n", xlabel="s", ylabel="n", ymax=3), " ")


def test_show_refuses_anything_but_svg_text_naming_what_it_takes():
    with pytest.raises(ValueError, match="takes the SVG text that line_chart"):
        show(object(), "A figure.")


def test_the_same_numbers_draw_the_same_bytes():
    def draw():
        return bar_chart(["a", "b"], {"x": [1.5, 2], "y": [3, 4]}, ylabel="n", title="t")

    assert draw() == draw()


def test_a_line_chart_draws_every_point_and_the_dashed_limit():
    svg = line_chart(
        [0, 30, 60], [0, 100, 190], label="sent", xlabel="s", ylabel="n", ymax=230, limit=200
    )
    assert svg.count(",") == 3 and "stroke-dasharray" in svg and "limit: 200" in svg


def test_a_bar_chart_labels_each_bar_with_its_value():
    svg = bar_chart(["Standard", "Enterprise"], {"30-day": [216.0, 25.9]}, ylabel="m", title="t")
    assert ">216</text>" in svg and ">26</text>" in svg


def test_a_series_with_the_wrong_number_of_values_names_both_counts():
    with pytest.raises(ValueError, match="has 1 values for 2 groups"):
        bar_chart(["a", "b"], {"x": [1]}, ylabel="n", title="t")


def aligned_lines_past_the_page(notebook) -> list[str]:
    """Printed lines that pad columns with spaces and run past 72 characters: on the page they
    wrap, and the columns they meant to align fall apart (at 1280 px, an output holds about 74
    characters; on a phone, far fewer)."""
    cells = nbformat.read(notebook, as_version=4).cells
    printed = [
        line
        for cell in cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "stream"
        for line in output.text.splitlines()
    ]
    return [
        line
        for line in printed
        if len(line) > 72 and (re.search(r"\S {2,}\S", line) or line.startswith(" " * 8))
    ]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_no_chapter_prints_columns_wider_than_the_page(notebook):
    assert aligned_lines_past_the_page(notebook) == []


def test_a_table_wider_than_80_columns_wraps_its_widest_column_in_the_text():
    message = "Authentication failed. Check your API key and token. " * 3
    table = Table(["mistake", "status", "message"], [["wrong token", 401, message.strip()]])
    lines = repr(table).splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0].split() == ["mistake", "status", "message"]
    assert lines[1].startswith("wrong token  401     Authentication failed.")
    assert " ".join(line[21:].strip() for line in lines[1:]) == message.strip()


def test_a_word_wider_than_the_page_keeps_its_line_whole():
    path = "GET SMS/Messages/" + "0" * 70 + ".json"
    table = Table(["request", "status"], [[path, 404]])
    word = "SMS/Messages/" + "0" * 70 + ".json"
    assert repr(table).splitlines()[1:] == ["GET".ljust(len(word)) + "  404", word]
