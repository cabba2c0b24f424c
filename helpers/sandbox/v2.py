"""The v2 (CCM) endpoints' handlers: list calls, one call's details, make a call (a JSON body).

:data:`HANDLERS` names one per v2 row of :data:`helpers.endpoints.ENDPOINTS`; errors are turned
into v2's envelope by the pipeline (:mod:`~helpers.sandbox.core`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .accounts import Account
from .resources import Call, v2_call
from .v1 import Handler, full, unpaid
from .wire import SandboxRequest, SandboxResponse, rest_exception

if TYPE_CHECKING:
    from .core import Sandbox

#: The longest number or URI kept from a v2 body (Exotel's numbers are a few dozen characters).
MAX_CONTACT_CHARS = 256


def list_calls_v2(
    sandbox: Sandbox, request: SandboxRequest, account: Account, values: dict
) -> SandboxResponse:
    now = sandbox.clock.now()
    calls = sorted(
        (c for c in sandbox.calls.values() if c.account_sid == account.sid),
        key=lambda c: c.created,
        reverse=True,
    )
    return SandboxResponse(
        200,
        {
            "request_id": sandbox.request_id("v2"),
            "method": "GET",
            "http_code": 200,
            "response": [
                {"code": 200, "status": "success", "data": v2_call(c, now)} for c in calls
            ],
        },
    )


def get_call_v2(
    sandbox: Sandbox, request: SandboxRequest, account: Account, values: dict
) -> SandboxResponse:
    call = sandbox.calls.get(values["CallSid"])
    if call is None or call.account_sid != account.sid:
        return rest_exception(404, f"The requested resource {values['CallSid']} was not found.")
    return SandboxResponse(
        200,
        {
            "request_id": sandbox.request_id("v2"),
            "method": "GET",
            "http_code": 200,
            "response": {
                "code": 200,
                "status": "success",
                "data": v2_call(call, sandbox.clock.now()),
            },
        },
    )


def connect_call_v2(
    sandbox: Sandbox, request: SandboxRequest, account: Account, values: dict
) -> SandboxResponse:
    """v2 (CCM) make call: ``{"from": {"contact_uri"}, "to": {"contact_uri"},
    "virtual_number"}``. An agent already on a call gets 409, code 10706."""
    body = request.json if isinstance(request.json, dict) else {}
    numbers = {
        "from.contact_uri": _field(body.get("from"), "contact_uri"),
        "to.contact_uri": _field(body.get("to"), "contact_uri"),
        "virtual_number": body.get("virtual_number") or "",
    }
    wrong = [name for name, value in numbers.items() if not isinstance(value, str)]
    if wrong:
        return rest_exception(
            400,
            f"Invalid Parameters: {', '.join(wrong)} must be a string, such as "
            '"+919876543210" (a number in quotes keeps its + and leading zeros).',
        )
    long = [name for name, value in numbers.items() if len(value) > MAX_CONTACT_CHARS]
    if long:
        return rest_exception(
            400,
            f"Invalid Parameters: {', '.join(long)} is longer than {MAX_CONTACT_CHARS} "
            "characters; send the phone number alone.",
        )
    missing = [name for name, value in numbers.items() if not value.strip()]
    if missing:
        return rest_exception(
            400, f"Invalid Parameters: {', '.join(missing)} missing (send a JSON body)."
        )
    if refusal := unpaid(account, "place a call"):
        return refusal
    now = sandbox.clock.now()
    agent = numbers["from.contact_uri"]
    if any(c.from_ == agent and now < c.ended for c in sandbox.calls.values()):
        return rest_exception(
            409,
            f"User device busy: {agent} is on another call. Wait for it to end and retry.",
            code=10706,
        )
    if refusal := full(sandbox):
        return refusal
    call = Call(
        sid=sandbox.new_sid("call"),
        account_sid=account.sid,
        from_=agent,
        to=numbers["to.contact_uri"],
        caller_id=numbers["virtual_number"],
        created=now,
    )
    sandbox.calls[call.sid] = call
    return SandboxResponse(
        200,
        {
            "request_id": sandbox.request_id("v2"),
            "method": "POST",
            "http_code": 200,
            "response": {"code": 200, "status": "success", "data": v2_call(call, now)},
        },
    )


HANDLERS: dict[str, Handler] = {
    "list_calls_v2": list_calls_v2,
    "get_call_v2": get_call_v2,
    "connect_call_v2": connect_call_v2,
}


def _field(block, name: str):
    """``block[name]`` if ``block`` is a JSON object (empty if absent or null), else empty."""
    if not isinstance(block, dict):
        return ""
    value = block.get(name)
    return "" if value is None else value
