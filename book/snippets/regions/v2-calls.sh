# The v2 call list: lower-case "accounts", no .json, and a different envelope.
BASE="${EXOTEL_BASE_URL:-http://127.0.0.1:4010}"
curl -sS -w '\n' -u "$EXOTEL_API_KEY:$EXOTEL_API_TOKEN" \
  "$BASE/v2/accounts/$EXOTEL_ACCOUNT_SID/calls"
