"""Rotating keys while traffic keeps flowing: the two-key rotation refuses nothing under either
Regenerate rule; Regenerate-and-deploy refuses what the rule says; nothing is deleted on doubt.

The sandbox's dashboard plays Exotel's, and a steady stream of requests on its frozen clock plays
the services' traffic.
"""

from __future__ import annotations

import httpx
import pytest

from helpers import ExotelClient
from helpers.book.redaction import basic_value
from helpers.book.traffic import SteadyStream
from helpers.credentials import Credentials
from helpers.errors import RotationError
from helpers.rotation import Deployment, RegenerateRule, regenerate_and_deploy, rotate_with_two_keys
from helpers.sandbox import Sandbox


def status(sandbox: Sandbox, credentials: Credentials) -> int:
    """What listing calls with ``credentials`` answers now."""
    auth = {"Authorization": "Basic " + basic_value(credentials.api_key, credentials.api_token)}
    with httpx.Client(transport=sandbox.transport()) as http:
        url = f"https://api.exotel.com/v1/Accounts/{sandbox.demo.account_sid}/Calls.json"
        return http.get(url, headers=auth).status_code


def fleet(sandbox: Sandbox, rule: RegenerateRule):
    """Two services on a billing key and one on the default key, with a stream over them."""
    sandbox.dashboard.rule = rule
    billing = sandbox.dashboard.create_key("billing", permissions=["calls:read"])
    deployment = Deployment(
        {"billing-api": billing, "billing-worker": billing, "reports": sandbox.demo}
    )
    stream = SteadyStream(
        deployment, lambda c: ExotelClient(c, transport=sandbox.transport()), sandbox.clock
    )
    return billing, deployment, stream


@pytest.mark.parametrize("rule", list(RegenerateRule), ids=lambda r: r.value)
def test_a_two_key_rotation_refuses_no_request_under_either_rule(sandbox, rule):
    billing, deployment, stream = fleet(sandbox, rule)
    new = rotate_with_two_keys(sandbox.dashboard, deployment, stream, billing, "billing v2")
    assert stream.refused == []
    assert stream.requests == 18
    assert deployment.using(new) == ["billing-api", "billing-worker"]
    assert status(sandbox, billing) == 401


@pytest.mark.parametrize("rule", list(RegenerateRule), ids=lambda r: r.value)
def test_the_new_key_from_a_rotation_keeps_the_old_keys_limits(sandbox, rule):
    billing, deployment, stream = fleet(sandbox, rule)
    new = rotate_with_two_keys(sandbox.dashboard, deployment, stream, billing, "billing v2")
    assert sandbox.dashboard.key(new).permissions == {"calls:read"}


def test_regenerating_under_the_immediate_rule_refuses_services_not_yet_updated(sandbox):
    billing, deployment, stream = fleet(sandbox, RegenerateRule.IMMEDIATE)
    regenerate_and_deploy(sandbox.dashboard, deployment, stream, billing, RegenerateRule.IMMEDIATE)
    refused = [(beat.step, service, code) for beat, service, code in stream.refused]
    assert refused == [
        ("regenerate token", "billing-api", 401),
        ("regenerate token", "billing-worker", 401),
        ("deploy to billing-api", "billing-worker", 401),
    ]


def test_regenerating_under_the_48_hour_rule_refuses_nothing(sandbox):
    billing, deployment, stream = fleet(sandbox, RegenerateRule.GRACE_48H)
    regenerate_and_deploy(sandbox.dashboard, deployment, stream, billing, RegenerateRule.GRACE_48H)
    assert stream.refused == []
    assert status(sandbox, billing) == 401  # the old token was deleted at the end


def one_key_fleet(sandbox: Sandbox):
    """An account with one key (as Exotel's guide and FAQ describe it), used by every service."""
    deployment = Deployment({"api": sandbox.demo, "worker": sandbox.demo, "cron": sandbox.demo})
    stream = SteadyStream(
        deployment, lambda c: ExotelClient(c, transport=sandbox.transport()), sandbox.clock
    )
    return deployment, stream


def test_one_key_regenerated_at_once_everywhere_is_refused_only_until_the_deploy(sandbox):
    deployment, stream = one_key_fleet(sandbox)
    regenerate_and_deploy(
        sandbox.dashboard,
        deployment,
        stream,
        sandbox.demo,
        RegenerateRule.IMMEDIATE,
        all_at_once=True,
    )
    assert [b.step for b in stream.beats] == [
        "before",
        "regenerate token",
        "deploy to every service",
    ]
    assert {beat.step for beat, _, _ in stream.refused} == {"regenerate token"}


def test_one_key_regenerated_under_the_48_hour_rule_refuses_nothing(sandbox):
    deployment, stream = one_key_fleet(sandbox)
    regenerate_and_deploy(
        sandbox.dashboard,
        deployment,
        stream,
        sandbox.demo,
        RegenerateRule.GRACE_48H,
        all_at_once=True,
    )
    assert stream.refused == []
    assert status(sandbox, sandbox.demo) == 401  # the old token was deleted at the end


def test_a_rotation_whose_new_key_is_refused_deletes_nothing(sandbox):
    billing, deployment, stream = fleet(sandbox, RegenerateRule.IMMEDIATE)

    class LockedOutDashboard:
        """Creates keys that the stream's address is not allowed to use."""

        def __getattr__(self, name):
            return getattr(sandbox.dashboard, name)

        def create_key(self, label, *, like=None):
            made = sandbox.dashboard.create_key(label, like=like)
            sandbox.dashboard.restrict_ips(made, ["192.0.2.1"])
            return made

    with pytest.raises(RotationError, match="Not deleting the old key"):
        rotate_with_two_keys(LockedOutDashboard(), deployment, stream, billing, "billing v2")
    assert status(sandbox, billing) == 200


def test_deployment_lists_the_services_that_use_a_key(sandbox):
    billing, deployment, _ = fleet(sandbox, RegenerateRule.IMMEDIATE)
    assert deployment.using(billing) == ["billing-api", "billing-worker"]
    assert deployment.using(sandbox.demo.api_key) == ["reports"]


def test_deploying_to_an_unknown_service_names_the_known_ones(sandbox):
    billing, deployment, _ = fleet(sandbox, RegenerateRule.IMMEDIATE)
    with pytest.raises(ValueError, match="No service 'billing-ap'; the services are billing-api"):
        deployment.deploy("billing-ap", billing)
