"""Regions: base URLs, lookup, and the loopback-only exception to HTTPS."""

from __future__ import annotations

import httpx
import pytest

from helpers import MUMBAI, REGIONS, SINGAPORE, InsecureTransportError, UnknownRegionError
from helpers.regions import (
    get_region,
    is_ccm_host,
    is_loopback_host,
    loopback,
    region_for_host,
    require_secure,
)


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        (SINGAPORE, "https://api.exotel.com/v1/Accounts/acme/"),
        (MUMBAI, "https://api.in.exotel.com/v1/Accounts/acme/"),
    ],
)
def test_v1_base_uses_capitalised_accounts(region, expected):
    assert region.v1_base("acme") == expected


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        (SINGAPORE, "https://ccm-api.exotel.com/v2/accounts/acme/"),
        (MUMBAI, "https://ccm-api.in.exotel.com/v2/accounts/acme/"),
    ],
)
def test_v2_base_is_on_the_ccm_host_with_lower_case_accounts(region, expected):
    assert region.v2_base("acme") == expected


def test_exactly_two_regions_are_known():
    assert set(REGIONS) == {"singapore", "mumbai"}


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("singapore", SINGAPORE),
        ("SINGAPORE", SINGAPORE),
        ("Mumbai", MUMBAI),
        ("  mumbai  ", MUMBAI),
        ("api.exotel.com", SINGAPORE),
        ("API.IN.EXOTEL.COM", MUMBAI),
        ("Api.In.Exotel.Com", MUMBAI),
    ],
)
def test_get_region_by_name_or_subdomain_ignores_case(key, expected):
    assert get_region(key) is expected


@pytest.mark.parametrize("key", ["mars", "", "in", "https://api.exotel.com", "exotel.com"])
def test_get_region_refuses_anything_else_and_lists_the_choices(key):
    with pytest.raises(UnknownRegionError) as caught:
        get_region(key)
    assert "singapore (api.exotel.com)" in str(caught.value)
    assert "mumbai (api.in.exotel.com)" in str(caught.value)


@pytest.mark.parametrize(
    "subdomain",
    [
        "key-77:tok-9911@api.in.exotel.com",  # pragma: allowlist secret
        "https://key-77:tok-9911@api.in.exotel.com",  # pragma: allowlist secret
    ],
)
def test_get_region_never_echoes_credentials_written_into_a_subdomain(subdomain):
    with pytest.raises(UnknownRegionError, match="credentials in it") as caught:
        get_region(subdomain)
    assert "key-77" not in str(caught.value)
    assert "tok-9911" not in str(caught.value)


def test_get_region_given_a_url_says_to_give_the_host_alone():
    with pytest.raises(UnknownRegionError, match="Give the host name alone"):
        get_region("https://api.in.exotel.com/")


def test_region_for_host_finds_the_region_or_none():
    assert region_for_host("api.in.exotel.com") is MUMBAI
    assert region_for_host("API.EXOTEL.COM") is SINGAPORE
    assert region_for_host("example.com") is None


@pytest.mark.parametrize(
    ("origin", "v1_base"),
    [
        ("http://127.0.0.1:4010", "http://127.0.0.1:4010/v1/Accounts/acme/"),
        ("http://localhost:4010", "http://localhost:4010/v1/Accounts/acme/"),
        ("http://[::1]:4010", "http://[::1]:4010/v1/Accounts/acme/"),
        ("http://127.0.0.1:4010/", "http://127.0.0.1:4010/v1/Accounts/acme/"),
    ],
)
def test_loopback_accepts_plain_http_to_this_machine(origin, v1_base):
    region = loopback(origin)
    assert region.v1_base("acme") == v1_base
    assert region.is_loopback


def test_loopback_plays_the_region_it_stands_for():
    region = loopback("http://127.0.0.1:4010", MUMBAI)
    assert region.subdomain == "api.in.exotel.com"
    assert region.name == "mumbai (local sandbox)"
    assert region.v2_base("acme") == "http://127.0.0.1:4010/v2/accounts/acme/"


@pytest.mark.parametrize(
    "origin",
    ["http://example.com:4010", "http://10.0.0.5:4010", "http://localhost.example.com:4010"],
)
def test_loopback_refuses_plain_http_to_another_host(origin):
    with pytest.raises(InsecureTransportError, match="TLS 1.2"):
        loopback(origin)


def test_loopback_refuses_an_https_host_that_is_not_loopback():
    with pytest.raises(InsecureTransportError, match="not a loopback address"):
        loopback("https://api.exotel.com")


USERINFO_ORIGINS = [
    "http://key-77:tok-9911@127.0.0.1:4010",  # pragma: allowlist secret
    "http://key-77@localhost:4010",
]


@pytest.mark.parametrize("origin", USERINFO_ORIGINS)
def test_loopback_refuses_a_url_with_userinfo_without_echoing_it(origin):
    with pytest.raises(InsecureTransportError, match="credentials in it") as caught:
        loopback(origin)
    assert "key-77" not in str(caught.value)
    assert "tok-9911" not in str(caught.value)


@pytest.mark.parametrize(
    "origin",
    [
        "127.0.0.1:4010",
        "localhost:4010",
        "key-77:tok-9911@127.0.0.1:4010",  # pragma: allowlist secret
    ],
)
def test_loopback_without_a_scheme_says_what_a_base_url_looks_like(origin):
    with pytest.raises(InsecureTransportError, match="needs a scheme and a host") as caught:
        loopback(origin)
    assert "key-77" not in str(caught.value)


@pytest.mark.parametrize(
    "url", ["http://api.exotel.com", "http://api.in.exotel.com/v1/", "ftp://api.exotel.com"]
)
def test_require_secure_refuses_non_https_to_a_remote_host(url):
    with pytest.raises(InsecureTransportError, match="Refusing"):
        require_secure(httpx.URL(url))


@pytest.mark.parametrize(
    "url",
    ["https://api.exotel.com", "http://127.0.0.1:4010", "http://[::1]:80", "http://localhost"],
)
def test_require_secure_accepts_https_and_loopback_http(url):
    assert require_secure(httpx.URL(url)) is None


def test_require_secure_refuses_https_with_credentials_in_the_url():
    with pytest.raises(InsecureTransportError, match="credentials in it"):
        require_secure(httpx.URL("https://key:token@api.exotel.com"))  # pragma: allowlist secret


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("localhost.example.com", False),
        ("127.0.0.1.nip.io", False),
        ("0.0.0.0", False),
        ("api.exotel.com", False),
    ],
)
def test_is_loopback_host(host, expected):
    assert is_loopback_host(host) is expected


@pytest.mark.parametrize(
    ("host", "region"),
    [("ccm-api.exotel.com", SINGAPORE), ("ccm-api.in.exotel.com", MUMBAI)],
)
def test_a_region_is_found_by_its_ccm_host_too(host, region):
    assert get_region(host) is region
    assert region_for_host(host) is region


def test_each_region_knows_its_v1_and_v2_hosts():
    assert SINGAPORE.hosts == ("api.exotel.com", "ccm-api.exotel.com")
    assert MUMBAI.hosts == ("api.in.exotel.com", "ccm-api.in.exotel.com")


def test_only_the_ccm_hosts_are_ccm_hosts():
    assert [is_ccm_host(h) for h in (*SINGAPORE.hosts, "example.com")] == [False, True, False]


def test_a_loopback_sandbox_serves_v1_and_v2_on_one_origin():
    region = loopback("http://127.0.0.1:4010", MUMBAI)
    assert region.ccm_subdomain == "ccm-api.in.exotel.com"
    assert region.v2_base("acme").startswith("http://127.0.0.1:4010/v2/")
