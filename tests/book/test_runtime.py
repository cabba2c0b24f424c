"""The chapter runtime: modes, recording and playback by cell, the sandbox answering what was not
recorded, the state a recording is made under, and scrubbing of every secret.

Every recording here is written under pytest's tmp_path, never into the repository's cassettes/.
A test plays IPython's part: ``begin_cell`` is its ``pre_run_cell`` event, ``end_cell`` its
``post_run_cell``.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from helpers import Credentials
from helpers.book import Chapter, Mode
from helpers.book import runtime as runtime_module
from helpers.book.cassette import Cassette, cell_key
from helpers.book.errors import UnknownModeError
from helpers.book.modes import CASSETTES, CASSETTES_VAR, MODE_VAR, cassette_path, cassette_root
from helpers.book.outcomes import NOT_RECORDED, response_source
from helpers.book.redaction import SID_PLACEHOLDER, Redactor, basic_value
from helpers.credentials import KEY_VAR, SID_VAR, TOKEN_VAR
from helpers.errors import PermissionDeniedError
from helpers.sandbox import Sandbox

LIVE = Credentials("livekey-3f9a2c", "livetoken-8e1d7b", "acmeindia7")  # pragma: allowlist secret
LIST = "exotel.list_calls()"


def chapter(root: Path, mode: str = "playback", name: str = "chapter", **env: str) -> Chapter:
    return Chapter(name, env={MODE_VAR: mode, CASSETTES_VAR: str(root), **env})


def run(book: Chapter, source: str, send):
    """Run one "cell" of ``source`` whose code is ``send(client)``."""
    book.runtime.begin_cell(source)
    try:
        with book.client() as exotel:
            return send(exotel)
    finally:
        book.runtime.end_cell()


def record_calls(root: Path, name: str = "chapter") -> list[dict]:
    """Record a connect, a get and a list in one cell, and a list in another."""
    book = chapter(root, "record", name)

    def calls(exotel):
        made = exotel.connect_call("09810000000", "09820000000", "08010000000")
        book.sandbox.clock.advance(60)
        return [made, exotel.get_call(made["Call"]["Sid"]), exotel.list_calls(PageSize=10)]

    return [*run(book, "calls()", calls), run(book, LIST, lambda e: e.list_calls())]


def snapshot(root: Path) -> dict[Path, tuple[bytes, int]]:
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


# -- modes ----------------------------------------------------------------------------------------


def test_mode_defaults_to_playback():
    assert Mode.from_env({}) is Mode.PLAYBACK
    assert Mode.from_env({MODE_VAR: "  "}) is Mode.PLAYBACK


@pytest.mark.parametrize("mode", list(Mode))
def test_mode_reads_each_valid_value_in_any_case(mode):
    assert Mode.from_env({MODE_VAR: f" {mode.value.upper()} "}) is mode


def test_invalid_mode_names_the_choices_and_the_default():
    with pytest.raises(UnknownModeError) as caught:
        Mode.from_env({MODE_VAR: "replay"})
    message = str(caught.value)
    assert "'replay'" in message
    assert "playback, sandbox, record, live" in message
    assert f"unset {MODE_VAR}" in message


def test_only_record_and_live_write():
    assert [m for m in Mode if m.records] == [Mode.RECORD, Mode.LIVE]


def test_a_chapters_recordings_are_one_file_under_the_root(tmp_path):
    assert cassette_root({}) == CASSETTES
    assert cassette_path("regions", {CASSETTES_VAR: str(tmp_path)}) == tmp_path / "regions.json"


# -- record, then play back ---------------------------------------------------------------------


def test_playback_returns_what_was_recorded_cell_by_cell(tmp_path):
    recorded = record_calls(tmp_path)
    book = chapter(tmp_path)
    assert run(book, LIST, lambda e: e.list_calls()) == recorded[3]
    replayed = run(
        book, "calls()", lambda e: [e.connect_call("09810000000", "09820000000", "08010000000")]
    )
    assert replayed == recorded[:1]


def test_playback_writes_nothing_and_runs_a_cell_again_the_same(tmp_path, capsys):
    recorded = record_calls(tmp_path)
    before = snapshot(tmp_path)
    book = chapter(tmp_path)
    for _ in range(3):
        assert run(book, LIST, lambda e: e.list_calls()) == recorded[3]
    assert snapshot(tmp_path) == before
    assert NOT_RECORDED not in capsys.readouterr().out


def test_a_cell_that_fails_part_way_then_runs_again_replays_from_its_first_request(tmp_path):
    recorded = record_calls(tmp_path)
    book = chapter(tmp_path)

    def fails_after_one(exotel):
        exotel.connect_call("09810000000", "09820000000", "08010000000")
        raise KeyboardInterrupt  # the stop button, mid-cell

    with pytest.raises(KeyboardInterrupt):
        run(book, "calls()", fails_after_one)
    again = run(
        book, "calls()", lambda e: e.connect_call("09810000000", "09820000000", "08010000000")
    )
    assert again == recorded[0]


def test_an_edited_cell_is_answered_by_the_sandbox_and_says_so_once(tmp_path, capsys):
    record_calls(tmp_path)
    book = chapter(tmp_path)
    answers = run(book, "exotel.list_calls(PageSize=1)", lambda e: [e.list_calls(PageSize=1)] * 2)
    assert answers[0]["Metadata"]["PageSize"] == 1
    out = capsys.readouterr().out
    assert out == f"{NOT_RECORDED} (this cell has no recording)\n"


def test_a_request_the_recording_did_not_send_is_answered_by_the_sandbox(tmp_path, capsys):
    record_calls(tmp_path)
    answer = run(chapter(tmp_path), LIST, lambda e: e.list_calls(PageSize=3))
    assert answer["Metadata"]["PageSize"] == 3
    assert "its recording sent GET https://api.exotel.com/" in capsys.readouterr().out


def test_playback_without_any_recording_is_answered_by_the_sandbox(tmp_path, capsys):
    answer = run(chapter(tmp_path), LIST, lambda e: e.list_calls())
    assert answer["Calls"] == []
    assert capsys.readouterr().out.startswith(NOT_RECORDED)
    assert not list(tmp_path.iterdir())


def test_a_recording_made_without_an_allowlist_is_not_replayed_behind_one(tmp_path, capsys):
    record = chapter(tmp_path, "record")
    run(record, LIST, lambda e: e.list_calls())
    book = chapter(tmp_path)
    with book.staged(allowlist=["192.0.2.0/24"]):
        with pytest.raises(PermissionDeniedError, match="198.51.100.7"):
            book.runtime.begin_cell(LIST)
            book.client(from_ip="198.51.100.7").list_calls()
    out = capsys.readouterr().out
    assert "recorded with other sandbox settings: allowlist, from" in out


def test_staged_settings_are_recorded_and_replayed_under_the_same_settings(tmp_path, capsys):
    source = "with chapter.staged(limit=1): ..."

    def twice(book):
        book.runtime.begin_cell(source)
        with book.staged(limit=1), book.client() as exotel:
            exotel.list_calls()
            with pytest.raises(Exception, match="Rate limit"):
                exotel.list_calls()
        book.runtime.end_cell()

    twice(chapter(tmp_path, "record"))
    text = cassette_path("chapter", {CASSETTES_VAR: str(tmp_path)}).read_text()
    assert '"limit": "1 in 60 s"' in text
    book = chapter(tmp_path)
    twice(book)
    twice(book)  # run again: the same answers, replayed
    assert NOT_RECORDED not in capsys.readouterr().out
    assert book.sandbox.rate_limit is None  # put back after each block


def test_staged_puts_every_setting_back_when_its_block_fails(tmp_path):
    book = chapter(tmp_path, "sandbox")
    account = book.sandbox.account
    with (
        pytest.raises(RuntimeError),
        book.staged(allowlist=["203.0.113.0/24"], balance=0, suspended=True, limit=2),
    ):
        raise RuntimeError
    assert (account.allowlist, account.balance, account.suspended) == ((), 500, False)
    assert book.sandbox.rate_limit is None


def test_other_credentials_are_not_replayed_as_the_chapters_own(tmp_path, capsys):
    record = chapter(tmp_path, "record")
    run(record, LIST, lambda e: e.list_calls())
    book = chapter(tmp_path)
    wrong = book.credentials.with_changes(api_token="not-the-token")
    book.runtime.begin_cell(LIST)
    with pytest.raises(Exception, match="401|Authentication failed"):
        book.client(wrong).list_calls()
    assert "other sandbox settings: credentials" in capsys.readouterr().out


def test_two_chapter_objects_of_one_chapter_share_its_cells(tmp_path):
    first, second = chapter(tmp_path, "record"), chapter(tmp_path, "record")
    assert first.runtime is second.runtime


def test_sandbox_mode_answers_everything_and_writes_nothing(tmp_path):
    book = chapter(tmp_path, "sandbox")
    assert run(book, LIST, lambda e: e.list_calls())["Calls"] == []
    assert not list(tmp_path.iterdir())


def test_recording_twice_gives_byte_identical_files(tmp_path):
    record_calls(tmp_path / "one")
    record_calls(tmp_path / "two")
    one, two = (tmp_path / d / "chapter.json" for d in ("one", "two"))
    assert one.read_bytes() == two.read_bytes()


def test_recording_a_cell_again_replaces_its_recording(tmp_path):
    book = chapter(tmp_path, "record")
    run(book, LIST, lambda e: [e.list_calls(), e.list_calls()])
    run(book, LIST, lambda e: e.list_calls())
    cassette = Cassette.load(tmp_path / "chapter.json", "chapter")
    assert len(cassette.cells[cell_key(LIST)].exchanges) == 1


def test_a_recording_is_replaced_whole_and_leaves_no_partial_file(tmp_path):
    record_calls(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chapter.json"]
    data = json.loads((tmp_path / "chapter.json").read_text())
    assert [c["code"] for c in data["cells"]] == ["calls()", LIST]


def test_a_json_answer_is_kept_as_json_and_replayed_byte_for_byte(tmp_path):
    record = chapter(tmp_path, "record")
    raw = run(record, LIST, lambda e: e.request("GET", "Calls.json").content)
    data = json.loads((tmp_path / "chapter.json").read_text())
    assert data["cells"][0]["requests"][0]["response"]["json"]["Calls"] == []
    assert run(chapter(tmp_path), LIST, lambda e: e.request("GET", "Calls.json").content) == raw


def test_cell_keys_ignore_whitespace_at_line_ends_only():
    assert cell_key("a = 1  \nb = 2\n\n") == cell_key("a = 1\nb = 2")
    assert cell_key("a = 1") != cell_key("a =  1")


# -- scrubbing ------------------------------------------------------------------------------------


@pytest.fixture
def live_recording(tmp_path, monkeypatch) -> str:
    """A live recording (the live API played by a sandbox of the live account) with credentials
    in a header, in a URL, and echoed in a body."""
    upstream = Sandbox(demo=LIVE)
    monkeypatch.setattr(runtime_module, "live_transport", lambda: upstream.transport())
    env = {KEY_VAR: LIVE.api_key, TOKEN_VAR: LIVE.api_token, SID_VAR: LIVE.account_sid}
    book = chapter(tmp_path, "live", **env)
    book.runtime.begin_cell("secrets")
    with book.client() as exotel:
        exotel.list_calls()
        exotel.send_sms("EXOTEL", "09820000000", f"key {LIVE.api_key} token {LIVE.api_token}")
        made = exotel.connect_call("09810000000", "09820000000", "08010000000")
        assert made["Call"]["AccountSid"] == LIVE.account_sid
    with book.http() as http:
        url = (
            f"https://{LIVE.api_key}:{LIVE.api_token}@api.exotel.com"
            f"/v1/Accounts/{LIVE.account_sid}/Calls.json"
        )
        assert http.get(url).status_code == 200
    book.runtime.end_cell()
    return (tmp_path / "chapter.json").read_text()


def test_a_recording_holds_no_authorization_userinfo_key_token_or_basic_value(live_recording):
    assert "authorization" not in live_recording.lower()
    assert "@api.exotel.com" not in live_recording
    for secret in (
        LIVE.api_key,
        LIVE.api_token,
        basic_value(LIVE.api_key, LIVE.api_token),
        basic_value(LIVE.account_sid, LIVE.api_token),
    ):
        assert secret not in live_recording


def test_a_secret_echoed_in_a_body_is_replaced_by_redacted(live_recording):
    sms = json.loads(live_recording)["cells"][0]["requests"][1]
    assert sms["body"] == "From=EXOTEL&To=09820000000&Body=key+REDACTED+token+REDACTED"
    assert sms["response"]["json"]["SMSMessage"]["Body"] == "key REDACTED token REDACTED"


def test_a_live_account_sid_becomes_the_placeholder(live_recording):
    assert LIVE.account_sid not in live_recording
    call = json.loads(live_recording)["cells"][0]["requests"][2]
    assert call["url"] == f"https://api.exotel.com/v1/Accounts/{SID_PLACEHOLDER}/Calls/connect.json"
    assert call["response"]["json"]["Call"]["AccountSid"] == SID_PLACEHOLDER


def test_a_live_recording_plays_back_for_the_demo_account(live_recording, tmp_path, capsys):
    book = chapter(tmp_path)
    played = run(book, "secrets", lambda e: e.list_calls())
    assert played["Metadata"]["FirstPageUri"].startswith(f"/v1/Accounts/{SID_PLACEHOLDER}/")
    assert NOT_RECORDED not in capsys.readouterr().out
    assert "recorded from the live Exotel API" in book.describe()


def test_redactor_strips_userinfo_even_without_known_secrets():
    assert Redactor().text("see https://a:b@api.exotel.com/x") == "see https://api.exotel.com/x"


def test_redactor_replaces_the_sid_only_as_a_whole_word():
    redactor = Redactor.for_credentials([LIVE])
    text = f"/Accounts/{LIVE.account_sid}/x {LIVE.account_sid}2 x{LIVE.account_sid}"
    assert redactor.text(text) == (
        f"/Accounts/{SID_PLACEHOLDER}/x {LIVE.account_sid}2 x{LIVE.account_sid}"
    )


def test_redactor_for_two_accounts_keeps_both_sids():
    redactor = Redactor.for_credentials([LIVE, Credentials("k2-abcdef", "t2-abcdef", "second")])
    assert redactor.account_sid is None
    assert redactor.text("/Accounts/second/ t2-abcdef") == "/Accounts/second/ REDACTED"


def test_response_source_tells_sandbox_from_live():
    request = httpx.Request("GET", "https://api.exotel.com/v1/")
    marked = httpx.Response(200, headers={"X-Handbook-Source": "sandbox"}, request=request)
    assert response_source(marked) == "sandbox"
    assert response_source(httpx.Response(200, request=request)) == "live Exotel API"
