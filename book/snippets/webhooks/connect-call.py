"""Connect a call and ask for its answered and terminal status callbacks."""

import os

import httpx

api_key = os.environ["EXOTEL_API_KEY"]
api_token = os.environ["EXOTEL_API_TOKEN"]
account_sid = os.environ["EXOTEL_ACCOUNT_SID"]
base = os.environ.get("EXOTEL_BASE_URL", "http://127.0.0.1:4010")

response = httpx.post(
    f"{base}/v1/Accounts/{account_sid}/Calls/connect.json",
    auth=(api_key, api_token),
    data={
        "From": "09810000000",
        "To": "09820000000",
        "CallerId": "08010000000",
        "StatusCallback": "https://hooks.example.com/exotel/call-status",
        "StatusCallbackEvents[0]": "answered",
        "StatusCallbackEvents[1]": "terminal",
    },
)
call = response.json()["Call"]
print(f"HTTP {response.status_code}: call {call['Sid']} {call['Status']}")
