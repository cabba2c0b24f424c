"""One call of each ``ExotelClient`` endpoint method, for the tests that tie the endpoint table
to the client, the pacer and the sandbox."""

from __future__ import annotations

#: Arguments for each client method, enough to send its request.
ARGUMENTS: dict[str, dict[str, str]] = {
    "list_calls": {},
    "get_call": {"call_sid": "3f6e" * 8},
    "connect_call": {"from_": "09810000000", "to": "09820000000", "caller_id": "08010000000"},
    "send_sms": {"from_": "08010000000", "to": "09820000000", "body": "hi"},
    "get_sms": {"sms_sid": "ab12" * 8},
    "list_calls_v2": {},
    "get_call_v2": {"call_sid": "3f6e" * 8},
    "connect_call_v2": {
        "agent": "+919810000000",
        "customer": "+919820000000",
        "virtual_number": "08010000000",
    },
}
