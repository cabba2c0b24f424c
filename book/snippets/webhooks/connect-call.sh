# Connect a call and ask for its answered and terminal status callbacks.
# --data-urlencode keeps the brackets (and any +) intact.
BASE="${EXOTEL_BASE_URL:-http://127.0.0.1:4010}"
curl -sS -u "$EXOTEL_API_KEY:$EXOTEL_API_TOKEN" \
  --data-urlencode From=09810000000 \
  --data-urlencode To=09820000000 \
  --data-urlencode CallerId=08010000000 \
  --data-urlencode StatusCallback=https://hooks.example.com/exotel/call-status \
  --data-urlencode 'StatusCallbackEvents[0]=answered' \
  --data-urlencode 'StatusCallbackEvents[1]=terminal' \
  "$BASE/v1/Accounts/$EXOTEL_ACCOUNT_SID/Calls/connect.json" \
  | python3 -m json.tool
