"""Test the credentials: 200 valid, 401 key or token wrong, 404 Account SID or
region wrong."""

import os

import httpx

api_key = os.environ["EXOTEL_API_KEY"]
api_token = os.environ["EXOTEL_API_TOKEN"]
account_sid = os.environ["EXOTEL_ACCOUNT_SID"]
base = os.environ.get("EXOTEL_BASE_URL", "http://127.0.0.1:4010")


def check(label: str, auth: tuple[str, str], sid: str) -> None:
    response = httpx.get(f"{base}/v1/Accounts/{sid}/Calls.json", auth=auth)
    print(f"{label}: HTTP {response.status_code}")


check("right credentials", (api_key, api_token), account_sid)
check("wrong token", (api_key, "not-the-token"), account_sid)
check("wrong Account SID", (api_key, api_token), "nosuchaccount")
