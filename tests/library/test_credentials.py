"""Credentials.from_env: what it reads, what it refuses, and that the token never shows."""

from __future__ import annotations

import logging

import pytest

from helpers import MUMBAI, SINGAPORE, Credentials, MissingCredentialsError, UnknownRegionError
from helpers.credentials import KEY_VAR, REGION_VAR, SID_VAR, SUBDOMAIN_VAR, TOKEN_VAR

API_KEY = "key-8f3a91c2d4e5"  # pragma: allowlist secret
API_TOKEN = "tok-55aa77bb99cc"  # pragma: allowlist secret
ACCOUNT_SID = "acmecorp1"


def full_env(**overrides: str) -> dict[str, str]:
    env = {KEY_VAR: API_KEY, TOKEN_VAR: API_TOKEN, SID_VAR: ACCOUNT_SID}
    env.update(overrides)
    return env


def without(*names: str) -> dict[str, str]:
    return {k: v for k, v in full_env().items() if k not in names}


def test_from_env_reads_all_three_values_and_defaults_to_singapore():
    creds = Credentials.from_env(full_env())
    assert creds.api_key == API_KEY
    assert creds.api_token == API_TOKEN
    assert creds.account_sid == ACCOUNT_SID
    assert creds.region is SINGAPORE


def test_from_env_reads_os_environ_when_no_mapping_given(monkeypatch):
    for name, value in full_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(REGION_VAR, raising=False)
    monkeypatch.delenv(SUBDOMAIN_VAR, raising=False)
    assert Credentials.from_env().api_token == API_TOKEN


def test_empty_environment_names_every_missing_variable():
    with pytest.raises(MissingCredentialsError) as caught:
        Credentials.from_env({})
    assert caught.value.missing == [KEY_VAR, TOKEN_VAR, SID_VAR]
    for name in (KEY_VAR, TOKEN_VAR, SID_VAR):
        assert name in str(caught.value)


@pytest.mark.parametrize("absent", [KEY_VAR, TOKEN_VAR, SID_VAR])
def test_one_missing_variable_is_named_and_only_that_one(absent):
    with pytest.raises(MissingCredentialsError) as caught:
        Credentials.from_env(without(absent))
    assert caught.value.missing == [absent]
    assert str(caught.value).startswith(f"Missing Exotel credentials: {absent} not set.")


def test_two_missing_variables_are_both_named():
    with pytest.raises(MissingCredentialsError) as caught:
        Credentials.from_env(without(KEY_VAR, SID_VAR))
    assert caught.value.missing == [KEY_VAR, SID_VAR]
    expected = f"Missing Exotel credentials: {KEY_VAR}, {SID_VAR} not set."
    assert str(caught.value).startswith(expected)


@pytest.mark.parametrize("blank", ["", " ", "\t\n  "])
def test_blank_or_whitespace_only_value_counts_as_missing(blank):
    with pytest.raises(MissingCredentialsError) as caught:
        Credentials.from_env(full_env(**{TOKEN_VAR: blank}))
    assert caught.value.missing == [TOKEN_VAR]


@pytest.mark.parametrize("padded", [f" {API_TOKEN}", f"{API_TOKEN}\n", f"\t{API_TOKEN} "])
def test_surrounding_whitespace_is_refused_by_variable_name(padded):
    with pytest.raises(MissingCredentialsError) as caught:
        Credentials.from_env(full_env(**{TOKEN_VAR: padded}))
    assert caught.value.missing == []
    assert caught.value.problems == [f"{TOKEN_VAR} has leading or trailing whitespace; remove it."]
    assert TOKEN_VAR in str(caught.value)


def test_whitespace_complaint_does_not_echo_the_token():
    with pytest.raises(MissingCredentialsError) as caught:
        Credentials.from_env(full_env(**{TOKEN_VAR: f"{API_TOKEN} "}))
    assert API_TOKEN not in str(caught.value)


def test_missing_and_padded_variables_are_reported_together():
    env = without(SID_VAR)
    env[KEY_VAR] = f"{API_KEY} "
    with pytest.raises(MissingCredentialsError) as caught:
        Credentials.from_env(env)
    assert caught.value.missing == [SID_VAR]
    assert caught.value.problems == [f"{KEY_VAR} has leading or trailing whitespace; remove it."]


def test_repr_hides_the_token_and_the_full_key():
    text = repr(Credentials.from_env(full_env()))
    assert API_TOKEN not in text
    assert API_KEY not in text
    assert "api_token=<hidden>" in text
    assert "api_key='key-…'" in text  # pragma: allowlist secret
    assert ACCOUNT_SID in text


def test_str_and_format_hide_the_token_and_the_full_key():
    creds = Credentials.from_env(full_env())
    for text in (str(creds), f"{creds}", f"{creds!r}", format(creds, "")):
        assert API_TOKEN not in text
        assert API_KEY not in text


def test_short_key_is_masked_entirely():
    assert repr(Credentials("abcd", API_TOKEN, ACCOUNT_SID)).startswith("Credentials(api_key='…'")


def test_changed_copy_still_hides_the_new_token():
    changed = Credentials.from_env(full_env()).with_changes(api_token="another-secret-value")
    assert changed.api_token == "another-secret-value"
    assert "another-secret-value" not in repr(changed)


def test_logging_credentials_never_shows_the_token(caplog):
    creds = Credentials.from_env(full_env())
    logger = logging.getLogger("tests.credentials")
    with caplog.at_level(logging.DEBUG, logger="tests.credentials"):
        logger.info("using %r", creds)
        logger.info("using %s", creds)
        logger.info(creds)
        logger.warning("pair: %s", (creds, "extra"))
    assert len(caplog.records) == 4
    assert ACCOUNT_SID in caplog.text
    assert API_TOKEN not in caplog.text
    assert API_KEY not in caplog.text


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        (REGION_VAR, "mumbai", MUMBAI),
        (REGION_VAR, "Singapore", SINGAPORE),
        (SUBDOMAIN_VAR, "api.in.exotel.com", MUMBAI),
        (SUBDOMAIN_VAR, "api.exotel.com", SINGAPORE),
    ],
)
def test_region_comes_from_region_or_subdomain_variable(variable, value, expected):
    assert Credentials.from_env(full_env(**{variable: value})).region is expected


def test_region_and_subdomain_naming_the_same_data_centre_is_accepted():
    env = full_env(**{REGION_VAR: "mumbai", SUBDOMAIN_VAR: "api.in.exotel.com"})
    assert Credentials.from_env(env).region is MUMBAI


def test_conflicting_region_variables_raise_unknown_region_error():
    env = full_env(**{REGION_VAR: "singapore", SUBDOMAIN_VAR: "api.in.exotel.com"})
    with pytest.raises(UnknownRegionError) as caught:
        Credentials.from_env(env)
    message = str(caught.value)
    assert REGION_VAR in message and SUBDOMAIN_VAR in message
    assert "set only one" in message


@pytest.mark.parametrize("variable", [REGION_VAR, SUBDOMAIN_VAR])
def test_unknown_region_lists_the_valid_ones(variable):
    with pytest.raises(UnknownRegionError) as caught:
        Credentials.from_env(full_env(**{variable: "mars"}))
    message = str(caught.value)
    assert "'mars'" in message
    for valid in ("singapore", "api.exotel.com", "mumbai", "api.in.exotel.com"):
        assert valid in message
