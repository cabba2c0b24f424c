"""The guide's check: read the three values from the environment, or stop."""

import os

api_key = os.environ.get("EXOTEL_API_KEY")
api_token = os.environ.get("EXOTEL_API_TOKEN")
account_sid = os.environ.get("EXOTEL_ACCOUNT_SID")

if not all([api_key, api_token, account_sid]):
    raise ValueError("Missing required Exotel environment variables")
print(f"credentials loaded from the environment, account {account_sid}")
