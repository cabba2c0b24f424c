# Every v1 JSON error has the same body (v2 has its own envelope):
# {"RestException": {"Status": ..., "Message": ...}}.
# Here: connect a call without CallerId (400), then with a wrong token (401).
BASE="${EXOTEL_BASE_URL:-http://127.0.0.1:4010}"
URL="$BASE/v1/Accounts/$EXOTEL_ACCOUNT_SID/Calls/connect.json"
curl -sS -u "$EXOTEL_API_KEY:$EXOTEL_API_TOKEN" \
  -d From=09810000000 -d To=09820000000 "$URL" | python3 -m json.tool
curl -sS -u "$EXOTEL_API_KEY:not-the-token" \
  -d From=09810000000 -d To=09820000000 -d CallerId=08010000000 "$URL" \
  | python3 -m json.tool
