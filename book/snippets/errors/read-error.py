"""Every v1 JSON error has the same body (v2 has its own envelope):
{"RestException": {"Status", "Message"}}.
Here: connect a call without CallerId (400), then with a wrong token (401)."""

import os

import httpx

api_key = os.environ["EXOTEL_API_KEY"]
api_token = os.environ["EXOTEL_API_TOKEN"]
account_sid = os.environ["EXOTEL_ACCOUNT_SID"]
base = os.environ.get("EXOTEL_BASE_URL", "http://127.0.0.1:4010")
url = f"{base}/v1/Accounts/{account_sid}/Calls/connect.json"


def connect(token: str, form: dict[str, str]) -> None:
    response = httpx.post(url, auth=(api_key, token), data=form)
    if response.is_error:
        error = response.json()["RestException"]
        print(f"HTTP {response.status_code}: {error['Message']}")


connect(api_token, {"From": "09810000000", "To": "09820000000"})
connect(
    "not-the-token",
    {"From": "09810000000", "To": "09820000000", "CallerId": "08010000000"},
)
