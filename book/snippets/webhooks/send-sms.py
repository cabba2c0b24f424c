"""Send an SMS. httpx encodes the + of +91 for you."""

import os

import httpx

api_key = os.environ["EXOTEL_API_KEY"]
api_token = os.environ["EXOTEL_API_TOKEN"]
account_sid = os.environ["EXOTEL_ACCOUNT_SID"]
base = os.environ.get("EXOTEL_BASE_URL", "http://127.0.0.1:4010")

response = httpx.post(
    f"{base}/v1/Accounts/{account_sid}/Sms/send.json",
    auth=(api_key, api_token),
    data={
        "From": "08010000000",
        "To": "+919820000000",
        "Body": "Your order has shipped",
        "StatusCallback": "https://hooks.example.com/exotel/sms-status",
    },
)
sms = response.json()["SMSMessage"]
print(
    f"HTTP {response.status_code}: SMS {sms['Sid']} to {sms['To']} {sms['Status']}"
)
