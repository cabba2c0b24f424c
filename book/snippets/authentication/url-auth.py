"""httpx takes key:token@ from the URL and sends it as an Authorization
header."""

import os

import httpx

api_key = os.environ["EXOTEL_API_KEY"]
api_token = os.environ["EXOTEL_API_TOKEN"]
account_sid = os.environ["EXOTEL_ACCOUNT_SID"]
base = os.environ.get("EXOTEL_BASE_URL", "http://127.0.0.1:4010")
scheme, host = base.split("://")

url = (
    f"{scheme}://{api_key}:{api_token}@{host}"
    f"/v1/Accounts/{account_sid}/Calls.json"
)
response = httpx.get(url)
print("HTTP", response.status_code)
print("sent as a header:", "authorization" in response.request.headers)
print("token still in the URL:", api_token in str(response.request.url))
