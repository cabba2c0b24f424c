"""A key limited to calls:read lists calls but may not place one: 403."""

import os
import textwrap

import httpx

api_key = os.environ["EXOTEL_API_KEY"]
api_token = os.environ["EXOTEL_API_TOKEN"]
account_sid = os.environ["EXOTEL_ACCOUNT_SID"]
base = os.environ.get("EXOTEL_BASE_URL", "http://127.0.0.1:4010")
account = f"{base}/v1/Accounts/{account_sid}"

with httpx.Client(auth=(api_key, api_token)) as client:
    listed = client.get(f"{account}/Calls.json")
    print(f"list calls: HTTP {listed.status_code}")
    form = {
        "From": "09810000000",
        "To": "09820000000",
        "CallerId": "08010000000",
    }
    placed = client.post(f"{account}/Calls/connect.json", data=form)
    error = placed.json()["RestException"]
    print(f"connect a call: HTTP {placed.status_code}:")
    print(textwrap.indent(textwrap.fill(error["Message"], 76), "  "))
