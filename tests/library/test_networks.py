"""IP addresses and CIDR ranges (helpers/networks.py): strict, and read alike by every allowlist."""

from __future__ import annotations

import ipaddress

import pytest

from helpers.errors import ConfigurationError
from helpers.networks import contains, parse_address, parse_network, parse_networks


def test_a_single_address_is_a_one_address_network():
    assert parse_network(" 192.0.2.10 ") == ipaddress.ip_network("192.0.2.10/32")


def test_an_ipv6_range_is_read():
    assert parse_network("2001:db8::/32").num_addresses == 2**96


def test_a_range_with_host_bits_set_is_refused_suggesting_the_range_it_is_in():
    with pytest.raises(
        ConfigurationError, match=r"'203\.0\.113\.5/24'.*Did you mean 203\.0\.113\.0/24\?"
    ):
        parse_network("203.0.113.5/24")


def test_something_that_is_not_an_address_is_refused_with_examples_of_what_is():
    with pytest.raises(ConfigurationError) as caught:
        parse_network("office")
    assert "Not an IP address or CIDR range: 'office'" in str(caught.value)
    assert "such as 203.0.113.10 or a range such as 203.0.113.0/24" in str(caught.value)


def test_the_refusal_is_also_a_value_error():
    with pytest.raises(ValueError):
        parse_network("10.0.0.0/33")


def test_several_entries_are_read_in_order():
    assert [str(n) for n in parse_networks(["203.0.113.0/24", "2001:db8::1"])] == [
        "203.0.113.0/24",
        "2001:db8::1/128",
    ]


def test_one_string_instead_of_a_list_is_refused_not_split_into_characters():
    with pytest.raises(ConfigurationError, match=r"not one string: \['203\.0\.113\.0/24'\]"):
        parse_networks("203.0.113.0/24")


def test_an_ipv4_mapped_ipv6_address_is_read_as_the_ipv4_address_it_carries():
    assert parse_address("::ffff:203.0.113.5") == ipaddress.ip_address("203.0.113.5")


@pytest.mark.parametrize("text", ["", "garbage", "203.0.113.0/24", "999.1.1.1"])
def test_something_that_is_not_one_address_parses_to_none(text):
    assert parse_address(text) is None


@pytest.mark.parametrize(
    ("address", "inside"),
    [
        ("203.0.113.77", True),
        ("::ffff:203.0.113.77", True),
        ("2001:db8::5", True),
        ("198.51.100.7", False),
        ("not-an-address", False),
        (ipaddress.ip_address("203.0.113.1"), True),
    ],
)
def test_contains_reads_each_address_once_and_the_same_way(address, inside):
    networks = parse_networks(["203.0.113.0/24", "2001:db8::/32"])
    assert contains(networks, address) is inside


def test_no_networks_contain_nothing():
    assert contains((), "203.0.113.77") is False
