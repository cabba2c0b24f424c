"""Access control in the sandbox: several keys, permissions, IP allowlists, deleting and
regenerating keys under both rules, and the admin path.

Requests go through the in-process transport or Starlette's TestClient (no socket); time moves
only on the sandbox's FrozenClock.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from helpers import AuthenticationError, Credentials, ExotelClient, PermissionDeniedError
from helpers.book.redaction import basic_value
from helpers.clock import SystemClock
from helpers.sandbox import DEMO_ACCOUNT_SID, Sandbox
from helpers.sandbox.admin import ADMIN_PREFIX
from helpers.sandbox.dashboard import UnknownKeyError
from helpers.sandbox.keys import ALL_PERMISSIONS, PERMISSIONS, RegenerateRule, permission_for
from tests.support.loopback import LOOPBACK, serve

SG = "https://api.exotel.com"
CCM = "https://ccm-api.exotel.com"  # Voice v2 (CCM)'s host


def origin(path: str) -> str:
    """The host a path is served on: v2 (CCM) on ccm-api, v1 on api."""
    return CCM if path.startswith("/v2/") else SG


V1 = f"/v1/Accounts/{DEMO_ACCOUNT_SID}"
V2 = f"/v2/accounts/{DEMO_ACCOUNT_SID}"
CALLER = {"From": "09810000000", "To": "09820000000", "CallerId": "08010000000"}
SMS = {"From": "EXOTEL", "To": "09820000000", "Body": "Your OTP is 123456"}
FORTY_EIGHT_HOURS = 48 * 3600


def auth(credentials: Credentials) -> dict[str, str]:
    return {"Authorization": "Basic " + basic_value(credentials.api_key, credentials.api_token)}


@pytest.fixture
def dashboard(sandbox):
    return sandbox.dashboard


def status(
    sandbox: Sandbox,
    credentials: Credentials,
    *,
    from_ip: str = "127.0.0.1",
    method: str = "GET",
    path: str = f"{V1}/Calls.json",
    data: dict | None = None,
) -> int:
    with httpx.Client(transport=sandbox.transport(from_ip)) as http:
        return http.request(
            method, origin(path) + path, headers=auth(credentials), data=data
        ).status_code


def message(response: httpx.Response) -> str:
    """The error's message: v1's RestException, or v2's envelope."""
    body = response.json()
    if "RestException" in body:
        return body["RestException"]["Message"]
    return body["response"]["error_data"]["description"]


# -- several keys ---------------------------------------------------------------------------------


def test_a_new_key_and_its_token_are_accepted(sandbox, dashboard):
    billing = dashboard.create_key("billing")
    assert status(sandbox, billing) == 200


def test_the_default_key_keeps_working_after_new_keys_are_created(sandbox, dashboard):
    dashboard.create_key("billing")
    dashboard.create_key("reports")
    assert status(sandbox, sandbox.demo) == 200


def test_a_key_accepts_only_its_own_token(sandbox, dashboard):
    billing = dashboard.create_key("billing")
    reports = dashboard.create_key("reports")
    assert status(sandbox, billing.with_changes(api_token=reports.api_token)) == 401


def test_every_key_and_token_is_different(dashboard):
    made = [dashboard.create_key(f"key {i}") for i in range(5)]
    secrets = [c.api_key for c in made] + [c.api_token for c in made]
    assert len(set(secrets)) == len(secrets)


def test_keys_and_tokens_come_from_a_seeded_counter(new_sandbox):
    first = new_sandbox().dashboard.create_key("billing")
    second = new_sandbox().dashboard.create_key("billing")
    assert (first.api_key, first.api_token) == (second.api_key, second.api_token)


def test_a_new_key_may_call_every_api_by_default(dashboard):
    assert dashboard.key(dashboard.create_key("anything")).permissions == ALL_PERMISSIONS


def test_the_account_sid_with_a_new_keys_token_is_accepted(sandbox, dashboard):
    billing = dashboard.create_key("billing")
    assert status(sandbox, billing.with_changes(api_key=DEMO_ACCOUNT_SID)) == 200


def test_a_key_needs_a_label(dashboard):
    with pytest.raises(ValueError, match="label"):
        dashboard.create_key("  ")


def test_the_sandbox_keeps_no_token_in_plain_text(dashboard):
    billing = dashboard.create_key("billing")
    key = dashboard.key(billing)
    assert billing.api_token not in repr(vars(key))
    assert billing.api_token not in dashboard.table()


def test_the_key_table_lists_labels_masked_keys_and_limits(dashboard):
    reporting = dashboard.create_key(
        "reporting", permissions=["calls:read"], allow=["203.0.113.0/24"]
    )
    table = dashboard.table()
    assert "reporting" in table and reporting.api_key[:4] + "…" in table
    assert reporting.api_key not in table
    assert "calls:read" in table and "203.0.113.0/24" in table


# -- permissions ----------------------------------------------------------------------------------

ROUTES = [
    ("calls:read", "GET", f"{V1}/Calls.json", None),
    ("calls:read", "GET", f"{V2}/calls", None),
    ("calls:write", "POST", f"{V1}/Calls/connect.json", CALLER),
    ("sms:send", "POST", f"{V1}/Sms/send.json", SMS),
]


def test_every_permission_is_documented_with_the_routes_it_covers():
    assert set(PERMISSIONS) == {"calls:read", "calls:write", "sms:send", "sms:read"}
    assert all(PERMISSIONS.values())


@pytest.mark.parametrize(
    ("method", "version", "rest", "permission"),
    [
        ("GET", "v1", "Calls.json", "calls:read"),
        ("GET", "v1", "Calls/0123abcd.json", "calls:read"),
        ("POST", "v1", "Calls/connect.json", "calls:write"),
        ("POST", "v1", "Sms/send.json", "sms:send"),
        ("GET", "v1", "SMS/Messages/0123abcd.json", "sms:read"),
        ("GET", "v1", "Sms/Messages/0123abcd.json", "sms:read"),
        ("GET", "v2", "calls", "calls:read"),
        ("GET", "v1", "Nothing.json", None),
    ],
)
def test_each_route_maps_to_its_permission(method, version, rest, permission):
    assert permission_for(method, version, rest) == permission


@pytest.mark.parametrize(("permission", "method", "path", "data"), ROUTES)
def test_a_key_with_the_permission_is_admitted(sandbox, dashboard, permission, method, path, data):
    key = dashboard.create_key("only this", permissions=[permission])
    assert status(sandbox, key, method=method, path=path, data=data) == 200


@pytest.mark.parametrize(("permission", "method", "path", "data"), ROUTES)
def test_a_key_without_the_permission_is_403_naming_it(
    sandbox, dashboard, permission, method, path, data
):
    key = dashboard.create_key("all but this", permissions=ALL_PERMISSIONS - {permission})
    with httpx.Client(transport=sandbox.transport()) as http:
        response = http.request(method, origin(path) + path, headers=auth(key), data=data)
    assert response.status_code == 403
    assert f"does not have the {permission} permission" in message(response)


def test_sms_details_need_sms_read(sandbox, dashboard):
    with ExotelClient(sandbox.demo, transport=sandbox.transport()) as client:
        sid = client.send_sms(SMS["From"], SMS["To"], SMS["Body"])["SMSMessage"]["Sid"]
    sender = dashboard.create_key("sender", permissions=["sms:send"])
    path = f"{V1}/SMS/Messages/{sid}.json"
    assert status(sandbox, sender, path=path) == 403
    dashboard.set_permissions(sender, ["sms:send", "sms:read"])
    assert status(sandbox, sender, path=path) == 200


def test_a_reporting_key_lists_calls_but_cannot_place_one(sandbox, dashboard):
    reporting = dashboard.create_key("reporting", permissions=["calls:read"])
    with ExotelClient(reporting, transport=sandbox.transport()) as client:
        assert client.list_calls()["Calls"] == []
        with pytest.raises(PermissionDeniedError) as refused:
            client.connect_call(CALLER["From"], CALLER["To"], CALLER["CallerId"])
    assert refused.value.status == 403
    assert "calls:write permission, which POST Calls/connect.json needs" in refused.value.message
    assert "(it has: calls:read)" in refused.value.message
    assert sandbox.calls == {}


def test_changed_permissions_apply_to_the_next_request(sandbox, dashboard):
    key = dashboard.create_key("reports")
    dashboard.set_permissions(key, ["sms:send"])
    assert status(sandbox, key) == 403
    dashboard.set_permissions(key, ["calls:read"])
    assert status(sandbox, key) == 200


def test_an_unknown_path_is_404_even_for_a_limited_key(sandbox, dashboard):
    key = dashboard.create_key("nothing", permissions=[])
    assert status(sandbox, key, path=f"{V1}/Nothing.json") == 404


def test_a_wrong_account_sid_is_404_before_permissions_are_checked(sandbox, dashboard):
    key = dashboard.create_key("nothing", permissions=[])
    assert status(sandbox, key, path="/v1/Accounts/someoneelse/Calls.json") == 404


def test_an_unknown_permission_name_is_a_value_error_naming_the_valid_ones(dashboard):
    with pytest.raises(ValueError, match=r"Unknown permission 'calls:delete'.*calls:read"):
        dashboard.create_key("bad", permissions=["calls:delete"])


def test_a_single_permission_string_is_a_value_error(dashboard):
    with pytest.raises(ValueError, match="list of permission names"):
        dashboard.create_key("bad", permissions="calls:read")


# -- IP allowlists --------------------------------------------------------------------------------


def test_a_key_limited_to_one_address_is_admitted_from_it(sandbox, dashboard):
    key = dashboard.create_key("office", allow=["192.0.2.10"])
    assert status(sandbox, key, from_ip="192.0.2.10") == 200


def test_a_key_limited_to_one_address_is_403_from_another_naming_both(sandbox, dashboard):
    key = dashboard.create_key("office", allow=["192.0.2.10"])
    with httpx.Client(transport=sandbox.transport("192.0.2.11")) as http:
        response = http.get(f"{SG}{V1}/Calls.json", headers=auth(key))
    assert response.status_code == 403
    assert message(response) == (
        f"Access denied: requests from 192.0.2.11 are not in the IP allowlist of API key "
        f"{key.api_key[:4]}…."
    )


@pytest.mark.parametrize(
    ("address", "expected"),
    [("203.0.113.0", 200), ("203.0.113.255", 200), ("203.0.114.0", 403), ("198.51.100.7", 403)],
)
def test_a_cidr_range_admits_exactly_its_addresses(sandbox, dashboard, address, expected):
    key = dashboard.create_key("servers", allow=["203.0.113.0/24"])
    assert status(sandbox, key, from_ip=address) == expected


@pytest.mark.parametrize(
    ("address", "expected"), [("2001:db8:1::7", 200), ("2001:db8:2::7", 403), ("203.0.113.7", 403)]
)
def test_an_ipv6_range_admits_exactly_its_addresses(sandbox, dashboard, address, expected):
    key = dashboard.create_key("v6 servers", allow=["2001:db8:1::/48"])
    assert status(sandbox, key, from_ip=address) == expected


def test_an_ipv4_client_seen_on_a_dual_stack_socket_matches_an_ipv4_range(sandbox, dashboard):
    key = dashboard.create_key("servers", allow=["203.0.113.0/24"])
    assert status(sandbox, key, from_ip="::ffff:203.0.113.9") == 200


def test_one_keys_allowlist_does_not_limit_another_key(sandbox, dashboard):
    dashboard.create_key("servers", allow=["203.0.113.0/24"])
    assert status(sandbox, sandbox.demo, from_ip="198.51.100.7") == 200


def test_an_empty_list_lifts_a_keys_allowlist(sandbox, dashboard):
    key = dashboard.create_key("servers", allow=["203.0.113.0/24"])
    dashboard.restrict_ips(key, [])
    assert status(sandbox, key, from_ip="198.51.100.7") == 200


def test_wrong_credentials_from_outside_a_keys_allowlist_are_401_not_403(sandbox, dashboard):
    key = dashboard.create_key("servers", allow=["203.0.113.0/24"])
    wrong = key.with_changes(api_token="wrong")
    assert status(sandbox, wrong, from_ip="198.51.100.7") == 401


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ("not-an-ip", "Not an IP address or CIDR range: 'not-an-ip'"),
        ("10.0.0.0/33", "Not an IP address or CIDR range: '10.0.0.0/33'"),
        ("203.0.113.5/24", "Did you mean 203.0.113.0/24?"),
        ("", "Not an IP address or CIDR range: ''"),
    ],
)
def test_a_bad_allowlist_entry_is_a_value_error_that_names_it(dashboard, entry, says):
    with pytest.raises(ValueError, match=says.replace("?", r"\?").replace(".", r"\.")):
        dashboard.create_key("bad", allow=[entry])


def test_a_single_string_instead_of_a_list_is_a_value_error(dashboard):
    key = dashboard.create_key("servers")
    with pytest.raises(ValueError, match="not one string"):
        dashboard.restrict_ips(key, "203.0.113.0/24")


def test_the_account_allowlist_is_checked_before_the_keys(sandbox, dashboard):
    key = dashboard.create_key("servers", allow=["203.0.113.0/24"])
    dashboard.allow_only(["192.0.2.0/24"])
    with httpx.Client(transport=sandbox.transport("203.0.113.9")) as http:
        response = http.get(f"{SG}{V1}/Calls.json", headers=auth(key))
    assert response.status_code == 403
    assert "not in this account's IP allowlist" in message(response)


def test_a_request_must_pass_both_the_account_and_the_key_allowlist(sandbox, dashboard):
    key = dashboard.create_key("servers", allow=["203.0.113.0/25"])
    dashboard.allow_only(["203.0.113.0/24"])
    assert status(sandbox, key, from_ip="203.0.113.9") == 200
    assert status(sandbox, key, from_ip="203.0.113.200") == 403


def test_the_account_allowlist_set_on_the_account_still_works(sandbox):
    sandbox.account.allow_only(["203.0.113.0/24"])
    assert status(sandbox, sandbox.demo, from_ip="198.51.100.7") == 403
    assert status(sandbox, sandbox.demo, from_ip="203.0.113.7") == 200


# -- deleting keys --------------------------------------------------------------------------------


def test_a_deleted_key_is_401(sandbox, dashboard):
    billing = dashboard.create_key("billing")
    dashboard.delete_key(billing)
    assert status(sandbox, billing) == 401


def test_deleting_one_key_leaves_the_others_working(sandbox, dashboard):
    billing = dashboard.create_key("billing")
    reports = dashboard.create_key("reports")
    dashboard.delete_key(billing)
    assert status(sandbox, reports) == 200
    assert status(sandbox, sandbox.demo) == 200


def test_the_default_key_can_be_deleted(sandbox, dashboard):
    dashboard.delete_key(sandbox.demo)
    assert status(sandbox, sandbox.demo) == 401
    assert status(sandbox, sandbox.demo.with_changes(api_key=DEMO_ACCOUNT_SID)) == 401


def test_a_deleted_key_raises_authentication_error_in_the_client(sandbox, dashboard):
    billing = dashboard.create_key("billing")
    dashboard.delete_key(billing)
    with ExotelClient(billing, transport=sandbox.transport()) as client:
        with pytest.raises(AuthenticationError):
            client.list_calls()


def test_deleting_an_unknown_key_names_the_keys_there_are(dashboard):
    billing = dashboard.create_key("billing")
    dashboard.delete_key(billing)
    with pytest.raises(UnknownKeyError, match=r"No API key .* has been deleted.*default"):
        dashboard.delete_key(billing)


# -- regenerating: the immediate rule (current FAQ) -----------------------------------------------


def test_the_default_regenerate_rule_is_immediate(dashboard):
    assert dashboard.rule is RegenerateRule.IMMEDIATE


def test_immediate_regenerate_refuses_the_old_token_at_once(sandbox, dashboard):
    billing = dashboard.create_key("billing")
    dashboard.regenerate_token(billing)
    assert status(sandbox, billing) == 401


def test_immediate_regenerate_accepts_the_new_token(sandbox, dashboard):
    billing = dashboard.create_key("billing")
    renewed = dashboard.regenerate_token(billing)
    assert renewed.api_key == billing.api_key and renewed.api_token != billing.api_token
    assert status(sandbox, renewed) == 200


def test_immediate_regenerate_refuses_the_old_token_with_the_account_sid_too(sandbox, dashboard):
    dashboard.regenerate_token(sandbox.demo)
    assert status(sandbox, sandbox.demo.with_changes(api_key=DEMO_ACCOUNT_SID)) == 401


def test_immediate_regenerate_ends_an_earlier_grace_period(sandbox, dashboard):
    billing = dashboard.create_key("billing")
    dashboard.regenerate_token(billing, RegenerateRule.GRACE_48H)
    dashboard.regenerate_token(billing, RegenerateRule.IMMEDIATE)
    assert status(sandbox, billing) == 401
    assert dashboard.old_token_expires(billing) is None


# -- regenerating: the 48-hour rule (2019 post) ---------------------------------------------------


@pytest.fixture
def regenerated(sandbox, dashboard):
    """A key regenerated under the 48-hour rule: (old credentials, new credentials)."""
    billing = dashboard.create_key("billing")
    return billing, dashboard.regenerate_token(billing, RegenerateRule.GRACE_48H)


def test_48h_regenerate_keeps_the_old_token_working_just_before_48_hours(sandbox, regenerated):
    old, _ = regenerated
    sandbox.clock.advance(FORTY_EIGHT_HOURS - 1)
    assert status(sandbox, old) == 200


def test_48h_regenerate_refuses_the_old_token_at_48_hours(sandbox, regenerated):
    old, _ = regenerated
    sandbox.clock.advance(FORTY_EIGHT_HOURS)
    assert status(sandbox, old) == 401


def test_48h_regenerate_refuses_the_old_token_after_48_hours(sandbox, regenerated):
    old, _ = regenerated
    sandbox.clock.advance(FORTY_EIGHT_HOURS + 3600)
    assert status(sandbox, old) == 401


def test_48h_regenerate_accepts_the_new_token_before_and_after_48_hours(sandbox, regenerated):
    _, new = regenerated
    assert status(sandbox, new) == 200
    sandbox.clock.advance(FORTY_EIGHT_HOURS)
    assert status(sandbox, new) == 200


def test_48h_regenerate_says_when_the_old_token_expires(sandbox, dashboard, regenerated):
    old, _ = regenerated
    expected = sandbox.clock.now() + timedelta(hours=48)
    assert dashboard.old_token_expires(old) == expected
    assert expected.strftime("%Y-%m-%d %H:%M") in dashboard.table()


def test_deleting_the_old_token_refuses_it_before_48_hours(sandbox, dashboard, regenerated):
    old, new = regenerated
    dashboard.delete_old_token(old)
    assert status(sandbox, old) == 401
    assert status(sandbox, new) == 200


def test_deleting_an_old_token_that_is_not_there_is_a_value_error(dashboard):
    billing = dashboard.create_key("billing")
    with pytest.raises(ValueError, match="has no old token still working"):
        dashboard.delete_old_token(billing)


def test_the_dashboards_rule_applies_when_none_is_given(sandbox, dashboard):
    dashboard.rule = RegenerateRule.GRACE_48H
    billing = dashboard.create_key("billing")
    dashboard.regenerate_token(billing)
    assert status(sandbox, billing) == 200


def test_each_grace_period_runs_from_its_own_regenerate(sandbox, dashboard):
    first = dashboard.create_key("billing")
    second = dashboard.regenerate_token(first, RegenerateRule.GRACE_48H)
    sandbox.clock.advance(24 * 3600)
    dashboard.regenerate_token(second, RegenerateRule.GRACE_48H)
    sandbox.clock.advance(24 * 3600)
    assert status(sandbox, first) == 401
    assert status(sandbox, second) == 200


# -- the admin path on the loopback server --------------------------------------------------------


def create(server, **fields) -> dict:
    response = server.post(f"{ADMIN_PREFIX}/keys", data=fields)
    assert response.status_code == 201, response.text
    return response.json()


def test_admin_creates_a_key_that_works_on_the_api(server):
    made = create(server, label="reporting", permissions="calls:read")
    pair = (made["key"], made["token"])
    assert server.get(f"{V1}/Calls.json", auth=pair).status_code == 200
    assert server.post(f"{V1}/Calls/connect.json", auth=pair, data=CALLER).status_code == 403


@pytest.mark.parametrize("path", [ADMIN_PREFIX, f"{ADMIN_PREFIX}/"])
def test_admin_index_lists_the_routes_and_permissions(server, path):
    index = server.get(path).json()
    assert "DELETE /_sandbox/admin/keys/{key}" in index["routes"]
    assert set(index["permissions"]) == set(PERMISSIONS)


def test_admin_answers_are_marked_as_the_sandboxs_not_exotels(server):
    response = server.get(f"{ADMIN_PREFIX}/keys")
    assert "not an Exotel API" in response.json()["notice"]
    assert response.headers["X-Handbook-Source"] == "sandbox (not the live Exotel API)"


def test_admin_lists_keys_without_tokens(server):
    made = create(server, label="reporting")
    listed = server.get(f"{ADMIN_PREFIX}/keys").json()
    assert [k["label"] for k in listed["keys"]] == ["default", "reporting"]
    assert made["token"] not in str(listed)
    assert all("token" not in k for k in listed["keys"])


def test_admin_sets_a_keys_allowlist_from_a_comma_separated_list(server, sandbox):
    made = create(server, label="servers")
    response = server.put(
        f"{ADMIN_PREFIX}/keys/{made['key']}/allowlist", data={"allow": "203.0.113.0/24, 192.0.2.10"}
    )
    assert response.json()["allowlist"] == "203.0.113.0/24, 192.0.2.10"
    credentials = Credentials(made["key"], made["token"], DEMO_ACCOUNT_SID)
    assert status(sandbox, credentials, from_ip="198.51.100.7") == 403


def test_admin_sets_permissions(server):
    made = create(server, label="reports")
    server.put(f"{ADMIN_PREFIX}/keys/{made['key']}/permissions", data={"permissions": "sms:send"})
    assert server.get(f"{V1}/Calls.json", auth=(made["key"], made["token"])).status_code == 403


def test_admin_sets_the_account_allowlist(server, sandbox):
    server.put(f"{ADMIN_PREFIX}/allowlist", data={"allow": "203.0.113.0/24"})
    assert status(sandbox, sandbox.demo, from_ip="198.51.100.7") == 403


def test_admin_regenerates_under_the_48_hour_rule_on_the_frozen_clock(server):
    made = create(server, label="billing")
    old = (made["key"], made["token"])
    renewed = server.post(
        f"{ADMIN_PREFIX}/keys/{made['key']}/regenerate", data={"rule": "48h"}
    ).json()
    assert renewed["old_token_expires"] == "2026-01-17T10:00:00+05:30"
    assert server.get(f"{V1}/Calls.json", auth=old).status_code == 200
    server.post(f"{ADMIN_PREFIX}/clock/advance", data={"seconds": str(FORTY_EIGHT_HOURS)})
    assert server.get(f"{V1}/Calls.json", auth=old).status_code == 401
    assert server.get(f"{V1}/Calls.json", auth=(made["key"], renewed["token"])).status_code == 200


def test_admin_regenerates_immediately_by_default(server):
    made = create(server, label="billing")
    renewed = server.post(f"{ADMIN_PREFIX}/keys/{made['key']}/regenerate").json()
    assert renewed["old_token_expires"] is None
    assert server.get(f"{V1}/Calls.json", auth=(made["key"], made["token"])).status_code == 401


def test_admin_deletes_an_old_token(server):
    made = create(server, label="billing")
    server.post(f"{ADMIN_PREFIX}/keys/{made['key']}/regenerate", data={"rule": "48h"})
    assert server.delete(f"{ADMIN_PREFIX}/keys/{made['key']}/old-token").status_code == 200
    assert server.get(f"{V1}/Calls.json", auth=(made["key"], made["token"])).status_code == 401


def test_admin_deletes_a_key(server):
    made = create(server, label="billing")
    assert server.delete(f"{ADMIN_PREFIX}/keys/{made['key']}").status_code == 200
    assert server.get(f"{V1}/Calls.json", auth=(made["key"], made["token"])).status_code == 401


def test_admin_refuses_bad_input_with_400_and_a_message(server):
    response = server.post(f"{ADMIN_PREFIX}/keys", data={"label": "x", "allow": "not-an-ip"})
    assert response.status_code == 400
    assert "Not an IP address or CIDR range" in response.json()["error"]


def test_admin_refuses_an_unknown_rule(server):
    made = create(server, label="billing")
    response = server.post(f"{ADMIN_PREFIX}/keys/{made['key']}/regenerate", data={"rule": "24h"})
    assert response.status_code == 400
    assert "immediate, 48h" in response.json()["error"]


def test_admin_answers_404_for_an_unknown_key(server):
    response = server.delete(f"{ADMIN_PREFIX}/keys/nosuchkey")
    assert response.status_code == 404
    assert "No API key" in response.json()["error"]


def test_admin_answers_404_with_its_routes_for_an_unknown_path(server):
    response = server.get(f"{ADMIN_PREFIX}/nothing")
    assert response.status_code == 404
    assert "POST /_sandbox/admin/keys" in response.json()["routes"]


def test_admin_refuses_to_move_a_real_clock(new_sandbox):
    with serve(new_sandbox(clock=SystemClock())) as client:
        response = client.post(f"{ADMIN_PREFIX}/clock/advance", data={"seconds": "60"})
    assert response.status_code == 409
    assert "--frozen-clock" in response.json()["error"]


@pytest.mark.parametrize(
    "path", [f"{V1}/_sandbox/admin/keys", f"{V2}/_sandbox/admin/keys", f"{V1}/keys", f"{V2}/keys"]
)
def test_admin_actions_are_not_reachable_under_the_api_paths(server, sandbox, path):
    response = server.post(
        path, auth=(sandbox.demo.api_key, sandbox.demo.api_token), data={"label": "sneaky"}
    )
    assert response.status_code == 404
    assert message(response)
    assert [k.label for k in sandbox.dashboard.keys()] == ["default"]


def test_the_in_process_transport_serves_no_admin_path(sandbox):
    with httpx.Client(transport=sandbox.transport()) as http:
        response = http.post(
            f"{SG}{ADMIN_PREFIX}/keys", headers=auth(sandbox.demo), data={"label": "sneaky"}
        )
    assert response.status_code == 404
    assert [k.label for k in sandbox.dashboard.keys()] == ["default"]


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://127.0.0.1:8888"},  # another local page (a notebook server)
        {"Host": "rebind.evil.example:4010"},
        {"Host": "10.0.0.5:4010"},
    ],
)
def test_admin_refuses_requests_a_web_page_could_send_with_403(server, headers):
    response = server.post(f"{ADMIN_PREFIX}/keys", data={"label": "x"}, headers=headers)
    assert response.status_code == 403
    assert response.json()["error"].startswith("The admin paths answer only this machine")


def test_admin_refusing_a_foreign_origin_creates_no_key(server, sandbox):
    server.post(f"{ADMIN_PREFIX}/keys", data={"label": "x"}, headers={"Origin": "https://e.x"})
    assert [k.label for k in sandbox.dashboard.keys()] == ["default"]


def test_admin_accepts_its_own_origin(server):
    headers = {"Origin": LOOPBACK}
    assert server.post(f"{ADMIN_PREFIX}/keys", data={"label": "x"}, headers=headers).is_success


@pytest.mark.parametrize("seconds", ["1e300", "-60", "nan"])
def test_admin_refuses_an_absurd_clock_advance_with_400(server, seconds):
    response = server.post(f"{ADMIN_PREFIX}/clock/advance", data={"seconds": seconds})
    assert response.status_code == 400
    assert "e.g. seconds=172800 for 48 hours" in response.json()["error"]
