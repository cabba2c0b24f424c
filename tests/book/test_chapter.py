"""Chapter: which credentials, transport and recordings each mode wires up, and what it says."""

from __future__ import annotations

import httpx
import pytest

from helpers import ConfigurationError, Credentials, MissingCredentialsError
from helpers.book import Chapter, Mode
from helpers.book.modes import CASSETTES_VAR, MODE_VAR
from helpers.credentials import KEY_VAR, REGION_VAR, SID_VAR, SUBDOMAIN_VAR, TOKEN_VAR
from helpers.sandbox import DEMO_ACCOUNT_SID, DEMO_API_KEY, DEMO_API_TOKEN, Sandbox

LIVE_ENV = {
    KEY_VAR: "livekey-5d6e7f",
    TOKEN_VAR: "livetoken-9a8b7c",  # pragma: allowlist secret
    SID_VAR: "acmelive3",
}
NOT_EXOTEL = "The sandbox imitates Exotel's documented behaviour; it is not Exotel."


@pytest.fixture(autouse=True)
def process_env_points_elsewhere(tmp_path, monkeypatch):
    """Chapters here read only the mapping they are given: if one fell back to os.environ it
    would find no credentials and a cassette folder of its own, never the repository's."""
    monkeypatch.setenv(CASSETTES_VAR, str(tmp_path / "from-os-environ"))
    for name in (KEY_VAR, TOKEN_VAR, SID_VAR, MODE_VAR, REGION_VAR, SUBDOMAIN_VAR):
        monkeypatch.delenv(name, raising=False)


def env(tmp_path, mode: str | None = None, **extra: str) -> dict[str, str]:
    """An environment with cassettes under tmp_path and, optionally, a mode."""
    values = {CASSETTES_VAR: str(tmp_path), **extra}
    if mode is not None:
        values[MODE_VAR] = mode
    return values


def test_playback_chapter_uses_the_documented_demo_credentials(tmp_path):
    chapter = Chapter("intro", env=env(tmp_path))
    assert chapter.mode is Mode.PLAYBACK
    assert chapter.credentials == Credentials(DEMO_API_KEY, DEMO_API_TOKEN, DEMO_ACCOUNT_SID)
    assert chapter.credentials == chapter.sandbox.demo


def test_sandbox_chapter_uses_the_sandbox_demo_credentials(tmp_path):
    chapter = Chapter("intro", env=env(tmp_path, "sandbox"))
    assert chapter.credentials == chapter.sandbox.demo
    assert chapter.credentials.api_token == DEMO_API_TOKEN


@pytest.mark.parametrize("mode", ["playback", "record"])
def test_playback_and_record_ignore_the_readers_credentials_and_region(tmp_path, mode):
    """The recordings are the demo account's: a leftover EXOTEL_* must not change what replays."""
    chapter = Chapter("intro", env=env(tmp_path, mode, **LIVE_ENV, **{REGION_VAR: "mumbai"}))
    assert chapter.credentials == Credentials(DEMO_API_KEY, DEMO_API_TOKEN, DEMO_ACCOUNT_SID)


def test_sandbox_chapter_takes_the_readers_credentials_as_the_demo_account(tmp_path):
    chapter = Chapter("intro", env=env(tmp_path, "sandbox", **LIVE_ENV))
    assert chapter.credentials.account_sid == "acmelive3"
    assert chapter.credentials == chapter.sandbox.demo


def test_chapter_uses_a_given_sandbox(tmp_path):
    sandbox = Sandbox(demo=Credentials("k-given", "t-given", "given"))
    chapter = Chapter("intro", env=env(tmp_path), sandbox=sandbox)
    assert chapter.sandbox is sandbox
    assert chapter.credentials.account_sid == "given"


def test_recordings_live_under_the_configured_root(tmp_path):
    chapter = Chapter("regions", env=env(tmp_path))
    assert chapter.runtime.path == tmp_path / "regions.json"


def test_sandbox_only_chapter_in_live_mode_is_refused(tmp_path):
    with pytest.raises(ConfigurationError) as caught:
        Chapter("rate-limits", live=False, env=env(tmp_path, "live", **LIVE_ENV))
    assert "'rate-limits'" in str(caught.value)
    assert MODE_VAR in str(caught.value)


@pytest.mark.parametrize("mode", ["playback", "sandbox", "record"])
def test_sandbox_only_chapter_is_allowed_outside_live_mode(tmp_path, mode):
    assert Chapter("rate-limits", live=False, env=env(tmp_path, mode)).mode is Mode(mode)


def test_live_mode_without_credentials_names_every_missing_variable(tmp_path):
    with pytest.raises(MissingCredentialsError) as caught:
        Chapter("intro", env=env(tmp_path, "live"))
    assert caught.value.missing == [KEY_VAR, TOKEN_VAR, SID_VAR]


def test_live_mode_without_credentials_names_the_mode_variable_and_how_to_leave_it(tmp_path):
    """A leftover EXOTEL_HANDBOOK_MODE=live is what a workshop attendee meets here."""
    with pytest.raises(MissingCredentialsError) as caught:
        Chapter("intro", env=env(tmp_path, "live"))
    assert f"{MODE_VAR}=live is set, so this chapter calls the live Exotel API" in str(caught.value)
    assert f"unset {MODE_VAR} and restart the kernel" in str(caught.value)


def test_live_mode_uses_the_environment_credentials_and_real_transport(tmp_path):
    chapter = Chapter("intro", env=env(tmp_path, "live", **LIVE_ENV))
    assert chapter.credentials == Credentials("livekey-5d6e7f", "livetoken-9a8b7c", "acmelive3")
    assert isinstance(chapter.transport()._answer, httpx.HTTPTransport)


def test_invalid_mode_is_refused_when_the_chapter_starts(tmp_path):
    with pytest.raises(ConfigurationError, match="'replay' is not a mode"):
        Chapter("intro", env=env(tmp_path, "replay"))


def test_record_chapter_records_and_playback_chapter_replays(tmp_path):
    recording = Chapter("intro", env=env(tmp_path, "record"))
    with recording.client() as exotel:
        recorded = exotel.list_calls()
    recording.runtime.end_cell()
    replaying = Chapter("intro", env=env(tmp_path))
    with replaying.client() as exotel:
        assert exotel.list_calls() == recorded
    assert (tmp_path / "intro.json").exists()
    assert not (tmp_path / "from-os-environ").exists()


def test_sandbox_chapter_client_sees_the_given_source_address(tmp_path):
    chapter = Chapter("authentication", env=env(tmp_path, "sandbox"))
    chapter.sandbox.account.allow_only(["203.0.113.0/24"])
    with chapter.client(from_ip="203.0.113.9") as exotel:
        assert exotel.list_calls()["Calls"] == []


def described(chapter: Chapter) -> str:
    """describe()'s text with its lines joined: it wraps each sentence to 80 columns."""
    return " ".join(chapter.describe().split())


def test_playback_describe_says_where_answers_come_from_and_that_the_sandbox_is_not_exotel(
    tmp_path,
):
    text = described(Chapter("intro", env=env(tmp_path)))
    assert text.startswith("Mode: playback (EXOTEL_HANDBOOK_MODE). Answers are replayed from")
    assert f"{tmp_path}/intro.json" in text
    assert "There are no recordings in" in text
    assert "answered by the sandbox, and the cell says so" in text
    assert NOT_EXOTEL in text


def test_sandbox_describe_says_the_sandbox_is_not_exotel(tmp_path):
    text = described(Chapter("intro", env=env(tmp_path, "sandbox")))
    assert "answered by the handbook's in-process sandbox; nothing is recorded" in text
    assert NOT_EXOTEL in text


def test_live_describe_does_not_mention_the_sandbox(tmp_path):
    text = described(Chapter("intro", env=env(tmp_path, "live", **LIVE_ENV)))
    assert "answered by the live Exotel API" in text
    assert "sandbox" not in text
