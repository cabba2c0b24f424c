"""The v2 call list: lower-case "accounts", no .json, another envelope."""

import os

import httpx

api_key = os.environ["EXOTEL_API_KEY"]
api_token = os.environ["EXOTEL_API_TOKEN"]
account_sid = os.environ["EXOTEL_ACCOUNT_SID"]
# Voice v2 (CCM) has hosts of its own: for Exotel, EXOTEL_V2_BASE_URL is
# https://ccm-api.exotel.com (Singapore) or https://ccm-api.in.exotel.com
# (Mumbai). The sandbox serves both on one port.
base = os.environ.get("EXOTEL_V2_BASE_URL") or os.environ.get(
    "EXOTEL_BASE_URL", "http://127.0.0.1:4010"
)

response = httpx.get(
    f"{base}/v2/accounts/{account_sid}/calls", auth=(api_key, api_token)
)
body = response.json()
print(f"HTTP {response.status_code}, request_id {body['request_id']}")
for item in body["response"]:
    data = item["data"]
    status = data["status"] or "(no status until the call ends)"
    print(f"{data['sid']} {data['state']} {status}")
