"""The token from a platform-mounted secret file (EXOTEL_API_TOKEN_FILE): read, refused with a
message naming the fix, warned about when other users may read it, and re-read after rotation."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from helpers import Credentials, SecretFileError
from helpers.credentials import KEY_VAR, SID_VAR, TOKEN_FILE_VAR, TOKEN_VAR, read_secret_file

API_KEY = "key-8f3a91c2d4e5"  # pragma: allowlist secret
TOKEN = "tok-from-a-file-1234"  # pragma: allowlist secret


@pytest.fixture
def token_file(tmp_path) -> Path:
    path = tmp_path / "exotel_api_token"
    path.write_text(TOKEN + "\n")
    path.chmod(0o400)
    return path


def env_for(path: Path | str, **extra: str) -> dict[str, str]:
    return {KEY_VAR: API_KEY, SID_VAR: "acme", TOKEN_FILE_VAR: str(path), **extra}


def test_the_token_is_read_from_the_file_without_its_final_newline(token_file):
    assert Credentials.from_env(env_for(token_file)).api_token == TOKEN


def test_a_windows_line_ending_is_dropped_too(tmp_path):
    path = tmp_path / "token"
    path.write_bytes(TOKEN.encode() + b"\r\n")
    assert read_secret_file(path) == TOKEN


def test_a_file_without_a_newline_is_read_as_it_is(tmp_path):
    path = tmp_path / "token"
    path.write_text(TOKEN)
    assert read_secret_file(path) == TOKEN


def test_a_missing_file_names_the_variable_and_the_fix(tmp_path):
    with pytest.raises(SecretFileError, match=r"EXOTEL_API_TOKEN_FILE=.*: no such file\. Mount"):
        Credentials.from_env(env_for(tmp_path / "nope"))


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(SecretFileError, match="is a directory"):
        Credentials.from_env(env_for(tmp_path))


def test_an_unreadable_file_names_the_user_and_the_fix(token_file, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_text", refuse)
    with pytest.raises(SecretFileError, match=f"user id {os.getuid()}.*read access"):
        Credentials.from_env(env_for(token_file))


@pytest.mark.parametrize("content", ["", "\n", "   \n"])
def test_an_empty_file_is_refused(tmp_path, content):
    path = tmp_path / "token"
    path.write_text(content)
    with pytest.raises(SecretFileError, match="is empty"):
        read_secret_file(path)


def test_whitespace_beyond_one_final_newline_is_refused(tmp_path):
    path = tmp_path / "token"
    path.write_text(f" {TOKEN}\n\n")
    with pytest.raises(SecretFileError, match="whitespace around the secret"):
        read_secret_file(path)


def test_a_file_other_users_may_read_is_warned_about(token_file, caplog):
    token_file.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="helpers.credentials"):
        read_secret_file(token_file)
    assert "can be read by other users (mode 0o644)" in caplog.text
    assert TOKEN not in caplog.text


def test_an_owner_only_file_is_not_warned_about(token_file, caplog):
    with caplog.at_level(logging.WARNING, logger="helpers.credentials"):
        read_secret_file(token_file)
    assert caplog.text == ""


def test_token_and_token_file_together_are_refused(token_file):
    with pytest.raises(SecretFileError, match="set only one of them"):
        Credentials.from_env(env_for(token_file, **{TOKEN_VAR: "also"}))


def test_reading_again_after_a_rotation_gives_the_new_token(token_file):
    token_file.chmod(0o600)
    token_file.write_text("tok-after-rotation\n")
    assert Credentials.from_env(env_for(token_file)).api_token == "tok-after-rotation"


def test_the_token_from_a_file_never_shows_in_the_repr(token_file):
    assert TOKEN not in repr(Credentials.from_env(env_for(token_file)))


def test_a_secret_file_error_is_a_value_error():
    assert issubclass(SecretFileError, ValueError)


def test_the_key_and_the_account_sid_may_come_from_files_too(token_file, tmp_path):
    key_file, sid_file = tmp_path / "key", tmp_path / "sid"
    key_file.write_text(API_KEY + "\n")
    sid_file.write_text("acme\n")
    env = {TOKEN_FILE_VAR: str(token_file), "EXOTEL_API_KEY_FILE": str(key_file)}
    creds = Credentials.from_env({**env, "EXOTEL_ACCOUNT_SID_FILE": str(sid_file)})
    assert (creds.api_key, creds.api_token, creds.account_sid) == (API_KEY, TOKEN, "acme")


def test_a_key_set_both_directly_and_as_a_file_is_refused_not_ignored(token_file, tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("another-key\n")
    with pytest.raises(SecretFileError, match="Both EXOTEL_API_KEY and EXOTEL_API_KEY_FILE"):
        Credentials.from_env(env_for(token_file, EXOTEL_API_KEY_FILE=str(key_file)))
