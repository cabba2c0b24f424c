"""The command lines refuse numbers they cannot use (ports, rate limits), with a sentence."""

from __future__ import annotations

import pytest

from helpers.book import check_setup, workshop
from helpers.sandbox import __main__ as sandbox_main
from helpers.webhooks import __main__ as webhooks_main

COMMANDS = {
    "sandbox --port": (sandbox_main.main, ["--port"]),
    "sandbox --other-region-port": (sandbox_main.main, ["--other-region-port"]),
    "webhooks --port": (webhooks_main.main, ["--allow", "127.0.0.1", "--store", "s", "--port"]),
    "workshop --port": (workshop.main, ["--port"]),
    "workshop --lab-port": (workshop.main, ["--lab-port"]),
    "check_setup --port": (check_setup.main, ["--port"]),
    "check_setup --lab-port": (check_setup.main, ["--lab-port"]),
}


@pytest.mark.parametrize("value", ["99999", "0", "-1", "http"])
@pytest.mark.parametrize("command", COMMANDS)
def test_a_port_outside_1_to_65535_exits_2_naming_the_range(capsys, command, value):
    main, argv = COMMANDS[command]
    with pytest.raises(SystemExit) as stopped:
        main([*argv, value])
    assert stopped.value.code == 2
    assert f"{value!r} is not a port: give a number from 1 to 65535" in capsys.readouterr().err


def test_the_sandbox_on_the_last_port_asks_for_another_for_the_other_region(capsys):
    assert sandbox_main.main(["--port", "65535"]) == 2
    assert "--port 65535 leaves no port for the other region" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "value", "sentence"),
    [
        ("--rate-limit", "0", "'0': give a whole number of requests from 1 to 1,000,000"),
        ("--rate-limit", "-5", "'-5': give a whole number of requests from 1 to 1,000,000"),
        ("--rate-limit", "١٢", "'١٢': give a whole number of requests from 1 to 1,000,000"),
        ("--rate-limit", "1000001", "'1000001': give a whole number of requests from 1 to"),
        ("--window", "90000", "'90000': give a number of seconds above 0 and at most 86,400"),
        ("--window", "0", "'0': give a number of seconds above 0"),
        ("--window", "nan", "'nan': give a number of seconds above 0"),
    ],
)
def test_the_sandbox_refuses_a_rate_limit_it_cannot_keep_naming_the_option(
    capsys, option, value, sentence
):
    with pytest.raises(SystemExit) as stopped:
        sandbox_main.main([option, value])
    assert stopped.value.code == 2
    assert f"argument {option}: {sentence}" in capsys.readouterr().err
