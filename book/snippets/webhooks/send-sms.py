"""Send an SMS. httpx encodes the + of +91 for you.

To Indian numbers, name the DLT registration the text was approved under
(DltEntityId, DltTemplateId): without it the SMS fails with 23080-23083
(https://developer.exotel.com/docs/sms-api/api-reference/status-codes).
"""

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
        "DltEntityId": "1234567890123",
        "DltTemplateId": "1107160000000012345",
        "StatusCallback": "https://hooks.example.com/exotel/sms-status",
    },
)
sms = response.json()["SMSMessage"]
status = response.status_code
print(f"HTTP {status}: SMS {sms['Sid']} to {sms['To']} {sms['Status']}")
