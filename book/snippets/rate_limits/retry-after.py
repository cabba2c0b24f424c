"""Read a 429 and honour Retry-After. The sandbox for this example allows
2 requests a second; Exotel allows 200 a minute."""

import os
import textwrap
import time

import httpx

api_key = os.environ["EXOTEL_API_KEY"]
api_token = os.environ["EXOTEL_API_TOKEN"]
account_sid = os.environ["EXOTEL_ACCOUNT_SID"]
base = os.environ.get("EXOTEL_BASE_URL", "http://127.0.0.1:4010")
url = f"{base}/v1/Accounts/{account_sid}/Calls.json"

with httpx.Client(auth=(api_key, api_token)) as client:
    for request in (1, 2, 3):
        response = client.get(url)
        if response.status_code == 429:
            wait = int(response.headers["Retry-After"])
            print(f"request {request}: HTTP 429, Retry-After: {wait}")
            message = response.json()["RestException"]["Message"]
            print(textwrap.indent(textwrap.fill(message, 76), "  "))
            time.sleep(wait)
            response = client.get(url)
            print(
                f"request {request}, after waiting {wait} s:"
                f" HTTP {response.status_code}"
            )
        else:
            print(f"request {request}: HTTP {response.status_code}")
