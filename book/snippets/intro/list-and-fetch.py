"""List the calls one to a page, then fetch the first one by its Sid."""

import os

import httpx

api_key = os.environ["EXOTEL_API_KEY"]
api_token = os.environ["EXOTEL_API_TOKEN"]
account_sid = os.environ["EXOTEL_ACCOUNT_SID"]
base = os.environ.get("EXOTEL_BASE_URL", "http://127.0.0.1:4010")
account = f"{base}/v1/Accounts/{account_sid}"

with httpx.Client(auth=(api_key, api_token)) as client:
    page = client.get(f"{account}/Calls.json", params={"PageSize": 1}).json()
    meta = page["Metadata"]
    print(f"{meta['Total']} calls, one a page; the next page:")
    print("  .../" + meta["NextPageUri"].rsplit("/", 1)[-1])

    sid = page["Calls"][0]["Sid"]
    call = client.get(f"{account}/Calls/{sid}.json").json()["Call"]
    print(f"{call['Sid']} {call['Status']}")
    print(f"  {call['From']} -> {call['To']}, {call['Duration']} s")
