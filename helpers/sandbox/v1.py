"""The v1 endpoints' handlers: call details, connect, send SMS, SMS details.

Each is called with the sandbox, the request, the account it is for and the values in its path,
once the pipeline (:mod:`~helpers.sandbox.core`) has admitted it; :data:`HANDLERS` names one per v1 row of
:data:`helpers.endpoints.ENDPOINTS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from .accounts import Account
from .resources import Call, Resource, Sms
from .wire import SandboxRequest, SandboxResponse, rest_exception

if TYPE_CHECKING:
    from .core import Sandbox

Handler = Callable[["Sandbox", SandboxRequest, Account, dict[str, str]], SandboxResponse]
#: What an SMS request does, as refusals name it (an SMS on an empty balance gets a 403).
SEND_SMS = "send an SMS"
MAX_BODY_CHARS = 2000  # SMS Body limit on Exotel's send-SMS page
MAX_PAGE_SIZE = 100  # bulk call details: PageSize default 50, max 100
#: Calls and SMS the sandbox keeps at most: each is kept for the server's lifetime.
MAX_RECORDS = 10_000
_PAGE_SIZE = re.compile(r"[0-9]{1,3}")


def list_calls(
    sandbox: Sandbox, request: SandboxRequest, account: Account, values: dict
) -> SandboxResponse:
    now = sandbox.clock.now()
    text = request.query.get("PageSize", "50")
    page_size = int(text) if _PAGE_SIZE.fullmatch(text) else -1
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        return rest_exception(400, f"Invalid Parameters: PageSize must be 1 to {MAX_PAGE_SIZE}.")
    status = request.query.get("Status")
    # Bulk call details leave out calls still in progress, as Exotel's page says.
    calls = [
        c
        for c in sandbox.calls.values()
        if c.account_sid == account.sid
        and now >= c.ended
        and (not status or c.status(now) == status)
    ]
    calls.sort(key=lambda c: c.created, reverse=True)
    total = len(calls)
    base = f"/v1/Accounts/{account.sid}/Calls.json?PageSize={page_size}"
    after = request.query.get("After")
    if after:
        ids = [c.sid for c in calls]
        calls = calls[ids.index(after) + 1 :] if after in ids else []
    page, more = calls[:page_size], len(calls) > page_size
    return SandboxResponse(
        200,
        {
            "Metadata": {
                "Total": total,
                "PageSize": page_size,
                "FirstPageUri": base,
                "PrevPageUri": None,
                "NextPageUri": f"{base}&After={page[-1].sid}" if more else None,
            },
            "Calls": [c.to_json(now) for c in page],
        },
    )


def get_call(
    sandbox: Sandbox, request: SandboxRequest, account: Account, values: dict
) -> SandboxResponse:
    return _get(sandbox, sandbox.calls, values["CallSid"], account, "Call")


def connect_call(
    sandbox: Sandbox, request: SandboxRequest, account: Account, values: dict
) -> SandboxResponse:
    return _create(
        sandbox,
        Call,
        request,
        account,
        sandbox.calls,
        sandbox.callbacks.register_call,
        "place a call",
    )


def send_sms(
    sandbox: Sandbox, request: SandboxRequest, account: Account, values: dict
) -> SandboxResponse:
    if len(request.form.get("Body", "")) > MAX_BODY_CHARS:
        return rest_exception(
            400, f"Invalid Parameters: Body is longer than {MAX_BODY_CHARS} characters."
        )
    return _create(
        sandbox,
        Sms,
        request,
        account,
        sandbox.messages,
        sandbox.callbacks.register_sms,
        SEND_SMS,
    )


def get_sms(
    sandbox: Sandbox, request: SandboxRequest, account: Account, values: dict
) -> SandboxResponse:
    return _get(sandbox, sandbox.messages, values["SmsSid"], account, "SMSMessage")


HANDLERS: dict[str, Handler] = {
    "list_calls": list_calls,
    "get_call": get_call,
    "connect_call": connect_call,
    "send_sms": send_sms,
    "get_sms": get_sms,
}


def _create(
    sandbox: Sandbox,
    kind: type[Resource],
    request: SandboxRequest,
    account: Account,
    store: dict,
    register: Callable[[Resource], None],
    action: str,
) -> SandboxResponse:
    """A new call or SMS from a create request: stored, its callbacks scheduled, answered."""
    if refusal := _missing(request.form, tuple(kind.FIELDS), request.content_type):
        return refusal
    if refusal := unpaid(account, action):
        return refusal
    if refusal := full(sandbox):
        return refusal
    item = kind.from_form(
        request.form,
        sid=sandbox.new_sid(kind.KIND),
        account_sid=account.sid,
        created=sandbox.clock.now(),
    )
    store[item.sid] = item
    register(item)
    return SandboxResponse(200, {kind.ENVELOPE: item.to_json(sandbox.clock.now())})


def _get(
    sandbox: Sandbox, store: dict, sid: str, account: Account, envelope: str
) -> SandboxResponse:
    item = store.get(sid)
    if item is None or item.account_sid != account.sid:
        return rest_exception(404, f"The requested resource {sid} was not found.")
    return SandboxResponse(200, {envelope: item.to_json(sandbox.clock.now())})


def unpaid(account: Account, action: str) -> SandboxResponse | None:
    """A refusal if the account has no balance left to ``action``, or None.

    An SMS gets Exotel's 403 "Insufficient balance to send the SMS"
    :exotel:`sending-an-sms.403-balance`; a call the Error Code Dictionary's 402
    :exotel:`error-codes.402`. Which page applies to which is the sandbox's choice
    (:exotel:`low-balance-status`).
    """
    if account.balance > 0:
        return None
    if action == SEND_SMS:
        return rest_exception(403, "Insufficient balance to send the SMS")
    return rest_exception(
        402,
        f"Payment Required: the account's balance ({account.balance:.2f}) is too low to "
        f"{action}. Top up the account or upgrade the plan.",
    )


def full(sandbox: Sandbox) -> SandboxResponse | None:
    """A 503 once the sandbox holds :data:`MAX_RECORDS` calls and SMS, or None."""
    if len(sandbox.calls) + len(sandbox.messages) < MAX_RECORDS:
        return None
    return rest_exception(
        503,
        f"The sandbox already holds {MAX_RECORDS:,} calls and SMS, the most it keeps. Restart it "
        "(python -m helpers.sandbox) to begin again with none.",
    )


def _missing(
    form: dict[str, str], required: tuple[str, ...], content_type: str = ""
) -> SandboxResponse | None:
    """A 400 naming every required form field that is absent or blank, or None; and, where the
    fields came as JSON, saying that v1 reads form fields."""
    missing = [name for name in required if not form.get(name, "").strip()]
    if not missing:
        return None
    message = f"Invalid Parameters: {', '.join(missing)} missing."
    if content_type.startswith("application/json"):
        message += (
            " The v1 API reads form fields, not a JSON body: send them as"
            " application/x-www-form-urlencoded (curl --data-urlencode)."
        )
    return rest_exception(400, message)
