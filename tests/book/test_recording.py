"""Cassettes: modes, record/playback round trips, the errors, and scrubbing of every secret.

Every cassette here is written under pytest's tmp_path, never into the repository's cassettes/.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml

from helpers import Credentials, ExotelClient
from helpers.book import Mode
from helpers.book.errors import RecordingError, UnknownModeError
from helpers.book.recording import (
    CASSETTES,
    CASSETTES_VAR,
    MODE_VAR,
    STEP_VAR,
    Recorder,
    cassette_root,
    offline_transport,
    response_source,
)
from helpers.book.redaction import SID_PLACEHOLDER, Redactor, basic_value
from helpers.errors import AuthenticationError, NetworkError
from helpers.sandbox import Sandbox

LIVE = Credentials("livekey-3f9a2c", "livetoken-8e1d7b", "acmeindia7")  # pragma: allowlist secret
OTHER = Credentials("otherkey-11aa22", "othertoken-33bb44", "handbookdemo")


def recorder(root: Path, mode: Mode, creds: Credentials, chapter: str = "chapter") -> Recorder:
    return Recorder(chapter, mode, Redactor.for_credentials([creds]), root=root)


def record_some_calls(root: Path, sandbox: Sandbox, name: str = "calls") -> list[dict]:
    """Record a connect, a get and a list against ``sandbox``; return the answers."""
    rec = recorder(root, Mode.SANDBOX, sandbox.demo)
    with rec.cassette(name), ExotelClient(sandbox.demo, transport=sandbox.transport()) as exotel:
        return play_some_calls(exotel, sandbox)


def play_some_calls(exotel: ExotelClient, sandbox: Sandbox | None = None) -> list[dict]:
    made = exotel.connect_call("09810000000", "09820000000", "08010000000")
    if sandbox is not None:
        sandbox.clock.advance(60)
    return [made, exotel.get_call(made["Call"]["Sid"]), exotel.list_calls(PageSize=10)]


def userinfo_url(creds: Credentials) -> str:
    return (
        f"https://{creds.api_key}:{creds.api_token}@api.exotel.com"
        f"/v1/Accounts/{creds.account_sid}/Calls.json"
    )


# -- modes ----------------------------------------------------------------------------------------


def test_mode_defaults_to_playback():
    assert Mode.from_env({}) is Mode.PLAYBACK


def test_mode_blank_value_is_playback():
    assert Mode.from_env({MODE_VAR: "  "}) is Mode.PLAYBACK


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("playback", Mode.PLAYBACK),
        ("sandbox", Mode.SANDBOX),
        ("live", Mode.LIVE),
        (" Sandbox ", Mode.SANDBOX),
        ("LIVE", Mode.LIVE),
    ],
)
def test_mode_reads_each_valid_value(value, expected):
    assert Mode.from_env({MODE_VAR: value}) is expected


def test_mode_reads_os_environ_by_default(monkeypatch):
    monkeypatch.setenv(MODE_VAR, "sandbox")
    assert Mode.from_env() is Mode.SANDBOX


def test_invalid_mode_names_the_choices():
    with pytest.raises(UnknownModeError) as caught:
        Mode.from_env({MODE_VAR: "record"})
    message = str(caught.value)
    assert "'record'" in message
    assert "playback, sandbox, live" in message
    assert MODE_VAR in message


def test_only_playback_does_not_record():
    assert [m.records for m in Mode] == [False, True, True]


def test_cassette_root_is_the_repository_folder_unless_overridden(tmp_path):
    assert cassette_root({}) == CASSETTES
    assert cassette_root({CASSETTES_VAR: str(tmp_path)}) == tmp_path


def test_recorder_writes_under_root_and_chapter(tmp_path):
    rec = recorder(tmp_path, Mode.SANDBOX, OTHER, chapter="regions")
    assert rec.path("wrong-region") == tmp_path / "regions" / "wrong-region.yaml"


# -- record, then play back ---------------------------------------------------------------------


def test_playback_returns_what_was_recorded(tmp_path, sandbox):
    recorded = record_some_calls(tmp_path, sandbox)
    player = recorder(tmp_path, Mode.PLAYBACK, sandbox.demo)
    with player.cassette("calls"), ExotelClient(sandbox.demo, transport=offline_transport()) as c:
        played = play_some_calls(c)
    assert played == recorded
    assert played[1]["Call"]["Status"] == "completed"


def test_recording_writes_one_interaction_per_request(tmp_path, sandbox):
    record_some_calls(tmp_path, sandbox)
    cassette = yaml.safe_load((tmp_path / "chapter" / "calls.yaml").read_text())
    assert [i["request"]["method"] for i in cassette["interactions"]] == ["POST", "GET", "GET"]


def test_recording_again_replaces_the_cassette(tmp_path, sandbox):
    record_some_calls(tmp_path, sandbox)
    rec = recorder(tmp_path, Mode.SANDBOX, sandbox.demo)
    with rec.cassette("calls"), ExotelClient(sandbox.demo, transport=sandbox.transport()) as c:
        c.list_calls()
    cassette = yaml.safe_load((tmp_path / "chapter" / "calls.yaml").read_text())
    assert len(cassette["interactions"]) == 1


def test_recording_twice_gives_byte_identical_cassettes(tmp_path, new_sandbox):
    first = record_some_calls(tmp_path / "one", new_sandbox())
    second = record_some_calls(tmp_path / "two", new_sandbox())
    assert first == second
    one = (tmp_path / "one" / "chapter" / "calls.yaml").read_bytes()
    two = (tmp_path / "two" / "chapter" / "calls.yaml").read_bytes()
    assert one == two


def test_playback_of_a_missing_cassette_names_the_file_and_the_command(tmp_path):
    player = recorder(tmp_path, Mode.PLAYBACK, OTHER)
    with pytest.raises(RecordingError) as caught:
        with player.cassette("never-recorded"):
            pass
    message = str(caught.value)
    assert str(tmp_path / "chapter" / "never-recorded.yaml") in message
    assert "`.venv/bin/python -m helpers.book.rerecord record book/chapter.ipynb`" in message


def test_missing_cassette_in_the_repository_is_shown_relative_to_it():
    player = Recorder("no-such-chapter", Mode.PLAYBACK, Redactor(), root=CASSETTES)
    with pytest.raises(RecordingError, match=r"No recording at cassettes/no-such-chapter/x\.yaml"):
        with player.cassette("x"):
            pass


def test_request_not_in_the_cassette_names_method_and_scrubbed_url(tmp_path, sandbox):
    record_some_calls(tmp_path, sandbox)
    player = recorder(tmp_path, Mode.PLAYBACK, sandbox.demo)
    demo = sandbox.demo
    secret_url = (
        f"https://{demo.api_key}:{demo.api_token}@api.exotel.com"
        f"/v1/Accounts/{demo.account_sid}/Sms/send.json"
    )
    with pytest.raises(RecordingError) as caught:
        with player.cassette("calls"), httpx.Client(transport=offline_transport()) as http:
            http.post(secret_url, data={"From": "x", "To": "y", "Body": "z"})
    message = str(caught.value)
    assert (
        f"No recording of POST https://api.exotel.com/v1/Accounts/{demo.account_sid}/Sms/send.json"
        in message
    )
    assert demo.api_token not in message
    assert "@api.exotel.com" not in message
    assert "`.venv/bin/python -m helpers.book.rerecord record book/chapter.ipynb`" in message


def test_cassette_name_used_twice_in_a_chapter_is_refused(tmp_path, sandbox):
    rec = recorder(tmp_path, Mode.SANDBOX, sandbox.demo)
    with rec.cassette("twice"):
        pass
    with pytest.raises(RecordingError, match="'twice' is used twice in chapter 'chapter'"):
        with rec.cassette("twice"):
            pass


def test_same_name_in_two_chapters_is_allowed(tmp_path, sandbox):
    for chapter in ("one", "two"):
        rec = recorder(tmp_path, Mode.SANDBOX, sandbox.demo, chapter=chapter)
        with rec.cassette("same"), ExotelClient(sandbox.demo, transport=sandbox.transport()) as c:
            c.list_calls()
    assert (tmp_path / "one" / "same.yaml").exists()
    assert (tmp_path / "two" / "same.yaml").exists()


def test_offline_transport_outside_a_cassette_refuses_with_scrubbed_url():
    with httpx.Client(transport=offline_transport()) as http:
        with pytest.raises(RecordingError) as caught:
            http.get(userinfo_url(LIVE))
    message = str(caught.value)
    assert message.startswith(
        f"GET https://api.exotel.com/v1/Accounts/{LIVE.account_sid}/Calls.json was sent "
        "outside a cassette (mode: playback)"
    )
    assert LIVE.api_token not in message
    assert LIVE.api_key not in message


def test_outside_a_cassette_names_the_one_chapter_record_command():
    with httpx.Client(transport=offline_transport("regions")) as http:
        with pytest.raises(RecordingError) as caught:
            http.get("https://api.exotel.com/v1/Accounts/x/Calls.json")
    assert "`.venv/bin/python -m helpers.book.rerecord record book/regions.ipynb`" in str(
        caught.value
    )
    assert "make cassettes" not in str(caught.value)


def test_outside_a_cassette_during_rerecord_names_its_replay_step(monkeypatch):
    monkeypatch.setenv(STEP_VAR, "record")
    with httpx.Client(transport=offline_transport("regions")) as http:
        with pytest.raises(RecordingError, match="the replay that `rerecord record` runs"):
            http.get("https://api.exotel.com/v1/Accounts/x/Calls.json")


# -- a failed recording keeps the committed cassette ------------------------------------------


def unreachable() -> httpx.MockTransport:
    """A transport whose every request fails as a network with no route would."""

    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    return httpx.MockTransport(fail)


@pytest.fixture
def committed(tmp_path, sandbox) -> Path:
    """A recorded cassette, as committed: ``chapter/calls.yaml`` under tmp_path."""
    record_some_calls(tmp_path, sandbox)
    return tmp_path / "chapter" / "calls.yaml"


def test_a_failed_live_recording_keeps_the_committed_cassette(tmp_path, committed):
    before = committed.read_bytes()
    rec = recorder(tmp_path, Mode.LIVE, LIVE)
    with pytest.raises(NetworkError):
        with rec.cassette("calls"), ExotelClient(LIVE, transport=unreachable()) as exotel:
            exotel.list_calls()
    assert committed.read_bytes() == before
    assert sorted(p.name for p in committed.parent.iterdir()) == ["calls.yaml"]


def test_a_recording_that_fails_after_some_answers_keeps_the_committed_cassette(
    tmp_path, committed, sandbox
):
    before = committed.read_bytes()
    rec = recorder(tmp_path, Mode.SANDBOX, sandbox.demo)
    with pytest.raises(NetworkError):
        with rec.cassette("calls"):
            with ExotelClient(sandbox.demo, transport=sandbox.transport()) as exotel:
                exotel.list_calls()
            with ExotelClient(sandbox.demo, transport=unreachable()) as exotel:
                exotel.list_calls()
    assert committed.read_bytes() == before


def test_an_interrupted_recording_keeps_the_committed_cassette(tmp_path, committed, sandbox):
    before = committed.read_bytes()
    rec = recorder(tmp_path, Mode.SANDBOX, sandbox.demo)
    with pytest.raises(KeyboardInterrupt):
        with rec.cassette("calls"), ExotelClient(sandbox.demo, transport=sandbox.transport()) as c:
            c.list_calls()
            raise KeyboardInterrupt
    assert committed.read_bytes() == before


def test_an_api_error_shown_on_purpose_keeps_its_new_recording(tmp_path, committed, sandbox):
    wrong = sandbox.demo.with_changes(api_token="not-the-token")
    rec = recorder(tmp_path, Mode.SANDBOX, sandbox.demo)
    with pytest.raises(AuthenticationError):
        with rec.cassette("calls"), ExotelClient(wrong, transport=sandbox.transport()) as exotel:
            exotel.list_calls()
    cassette = yaml.safe_load(committed.read_text())
    assert [i["response"]["status"]["code"] for i in cassette["interactions"]] == [401]


def test_a_recorded_block_that_sends_nothing_leaves_no_cassette(tmp_path, committed, sandbox):
    with recorder(tmp_path, Mode.SANDBOX, sandbox.demo).cassette("calls"):
        pass
    assert not committed.parent.joinpath("calls.yaml").exists()
    assert list(committed.parent.iterdir()) == []


def test_sources_reports_sandbox_recordings(tmp_path, sandbox):
    record_some_calls(tmp_path, sandbox)
    assert recorder(tmp_path, Mode.PLAYBACK, sandbox.demo).sources() == {"sandbox"}


def record_unmarked_answer(root: Path, creds: Credentials, name: str) -> None:
    """Record one answer without the sandbox's marker header, as the live API gives them."""
    live_like = httpx.MockTransport(lambda request: httpx.Response(200, json={"Calls": []}))
    with recorder(root, Mode.LIVE, creds).cassette(name):
        ExotelClient(creds, transport=live_like).list_calls()


def test_sources_reports_recordings_without_the_sandbox_marker_as_live(tmp_path):
    record_unmarked_answer(tmp_path, LIVE, "live")
    assert recorder(tmp_path, Mode.PLAYBACK, LIVE).sources() == {"live Exotel API"}


def test_sources_reports_both_when_a_chapter_mixes_them(tmp_path, sandbox):
    record_some_calls(tmp_path, sandbox)
    record_unmarked_answer(tmp_path, sandbox.demo, "live")
    assert recorder(tmp_path, Mode.PLAYBACK, sandbox.demo).sources() == {
        "sandbox",
        "live Exotel API",
    }


def test_sources_of_an_empty_chapter_is_empty(tmp_path):
    assert recorder(tmp_path, Mode.PLAYBACK, OTHER).sources() == set()


# -- scrubbing ------------------------------------------------------------------------------------


@pytest.fixture
def secret_laden_cassette(tmp_path, sandbox) -> str:
    """A cassette recorded with credentials in a header, in a URL, and echoed in a body."""
    demo = sandbox.demo
    rec = recorder(tmp_path, Mode.SANDBOX, demo)
    with rec.cassette("secrets"):
        with ExotelClient(demo, transport=sandbox.transport()) as exotel:
            exotel.list_calls()
            exotel.send_sms("EXOTEL", "09820000000", f"key {demo.api_key} token {demo.api_token}")
        with httpx.Client(transport=sandbox.transport(), timeout=10.0) as http:
            assert http.get(userinfo_url(demo)).status_code == 200
            bare = httpx.Request("GET", userinfo_url(demo))
            assert "authorization" not in bare.headers
            assert http.send(bare).status_code == 200
    return (tmp_path / "chapter" / "secrets.yaml").read_text()


def test_recorded_cassette_has_no_authorization_header(secret_laden_cassette):
    cassette = yaml.safe_load(secret_laden_cassette)
    assert len(cassette["interactions"]) == 4
    for interaction in cassette["interactions"]:
        assert "authorization" not in {h.lower() for h in interaction["request"]["headers"]}
    assert "authorization" not in secret_laden_cassette.lower()


def test_recorded_cassette_has_no_userinfo_in_any_uri(secret_laden_cassette):
    cassette = yaml.safe_load(secret_laden_cassette)
    uris = [i["request"]["uri"] for i in cassette["interactions"]]
    assert all(uri.startswith("https://api.exotel.com/v1/Accounts/handbookdemo/") for uri in uris)
    assert "@api.exotel.com" not in secret_laden_cassette


def test_recorded_cassette_has_no_token_key_or_basic_value(secret_laden_cassette, sandbox):
    demo = sandbox.demo
    for secret in (
        demo.api_token,
        demo.api_key,
        basic_value(demo.api_key, demo.api_token),
        basic_value(demo.account_sid, demo.api_token),
    ):
        assert secret not in secret_laden_cassette


def test_secret_echoed_in_a_body_is_replaced_by_redacted(secret_laden_cassette):
    sms = yaml.safe_load(secret_laden_cassette)["interactions"][1]
    assert sms["request"]["body"] == "From=EXOTEL&To=09820000000&Body=key+REDACTED+token+REDACTED"
    assert '"Body":"key REDACTED token REDACTED"' in sms["response"]["body"]["string"]


def test_live_account_sid_becomes_the_placeholder_in_uris_and_bodies(tmp_path):
    live_sandbox = Sandbox(demo=LIVE)
    rec = recorder(tmp_path, Mode.SANDBOX, LIVE)
    with rec.cassette("live"), ExotelClient(LIVE, transport=live_sandbox.transport()) as exotel:
        made = exotel.connect_call("09810000000", "09820000000", "08010000000")
    assert made["Call"]["AccountSid"] == LIVE.account_sid
    text = (tmp_path / "chapter" / "live.yaml").read_text()
    assert LIVE.account_sid not in text
    interaction = yaml.safe_load(text)["interactions"][0]
    assert interaction["request"]["uri"] == (
        f"https://api.exotel.com/v1/Accounts/{SID_PLACEHOLDER}/Calls/connect.json"
    )
    assert f'"AccountSid":"{SID_PLACEHOLDER}"' in interaction["response"]["body"]["string"]
    assert (
        f'"Uri":"/v1/Accounts/{SID_PLACEHOLDER}/Calls/' in interaction["response"]["body"]["string"]
    )


def test_recorded_content_length_matches_the_scrubbed_body(tmp_path):
    live_sandbox = Sandbox(demo=LIVE)
    rec = recorder(tmp_path, Mode.SANDBOX, LIVE)
    with rec.cassette("live"), ExotelClient(LIVE, transport=live_sandbox.transport()) as exotel:
        exotel.connect_call("09810000000", "09820000000", "08010000000")
    response = yaml.safe_load((tmp_path / "chapter" / "live.yaml").read_text())["interactions"][0][
        "response"
    ]
    assert response["headers"]["content-length"] == [str(len(response["body"]["string"].encode()))]


def test_live_recording_plays_back_for_the_same_live_account(tmp_path):
    live_sandbox = Sandbox(demo=LIVE)
    rec = recorder(tmp_path, Mode.SANDBOX, LIVE)
    with rec.cassette("live"), ExotelClient(LIVE, transport=live_sandbox.transport()) as exotel:
        exotel.list_calls()
    player = recorder(tmp_path, Mode.PLAYBACK, LIVE)
    with player.cassette("live"), ExotelClient(LIVE, transport=offline_transport()) as exotel:
        played = exotel.list_calls()
    assert played["Metadata"]["FirstPageUri"] == (
        f"/v1/Accounts/{SID_PLACEHOLDER}/Calls.json?PageSize=50"
    )


def test_playback_matches_under_other_key_and_token(tmp_path, sandbox):
    recorded = record_some_calls(tmp_path, sandbox)
    player = recorder(tmp_path, Mode.PLAYBACK, OTHER)
    with player.cassette("calls"), ExotelClient(OTHER, transport=offline_transport()) as exotel:
        assert play_some_calls(exotel) == recorded


def test_playback_matches_under_another_account_sid(tmp_path, sandbox):
    recorded = record_some_calls(tmp_path, sandbox)
    player = recorder(tmp_path, Mode.PLAYBACK, LIVE)
    with player.cassette("calls"), ExotelClient(LIVE, transport=offline_transport()) as exotel:
        assert play_some_calls(exotel) == recorded


def test_playback_matches_a_request_that_put_other_credentials_in_the_url(tmp_path, sandbox):
    rec = recorder(tmp_path, Mode.SANDBOX, sandbox.demo)
    with rec.cassette("url"), httpx.Client(transport=sandbox.transport()) as http:
        recorded = http.get(userinfo_url(sandbox.demo)).json()
    player = recorder(tmp_path, Mode.PLAYBACK, OTHER)
    with player.cassette("url"), httpx.Client(transport=offline_transport()) as http:
        assert http.get(userinfo_url(OTHER)).json() == recorded


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
