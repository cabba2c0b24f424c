"""A key limited to 203.0.113.0/24, used from this machine: 403."""

import os
import textwrap

import httpx

api_key = os.environ["EXOTEL_API_KEY"]
api_token = os.environ["EXOTEL_API_TOKEN"]
account_sid = os.environ["EXOTEL_ACCOUNT_SID"]
base = os.environ.get("EXOTEL_BASE_URL", "http://127.0.0.1:4010")

response = httpx.get(
    f"{base}/v1/Accounts/{account_sid}/Calls.json", auth=(api_key, api_token)
)
if response.status_code == 403:
    error = response.json()["RestException"]
    print("HTTP 403:")
    print(textwrap.indent(textwrap.fill(error["Message"], 76), "  "))
    print("Right key and token: add this address to the key's allowlist.")
