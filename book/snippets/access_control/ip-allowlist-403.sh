# A key limited to 203.0.113.0/24, used from this machine: 403, naming the
# address.
BASE="${EXOTEL_BASE_URL:-http://127.0.0.1:4010}"
curl -sS -u "$EXOTEL_API_KEY:$EXOTEL_API_TOKEN" \
  "$BASE/v1/Accounts/$EXOTEL_ACCOUNT_SID/Calls.json" \
  | python3 -m json.tool
