"""List the calls; httpx sends auth=(key, token) in the Authorization header."""

import json
import os

import httpx

api_key = os.environ["EXOTEL_API_KEY"]
api_token = os.environ["EXOTEL_API_TOKEN"]
account_sid = os.environ["EXOTEL_ACCOUNT_SID"]
base = os.environ.get("EXOTEL_BASE_URL", "http://127.0.0.1:4010")

url = f"{base}/v1/Accounts/{account_sid}/Calls.json"
response = httpx.get(url, auth=(api_key, api_token))
print(json.dumps(response.json(), indent=2))
