# A key limited to calls:read lists calls but may not place one: 403, not 401.
BASE="${EXOTEL_BASE_URL:-http://127.0.0.1:4010}"
ACCOUNT="$BASE/v1/Accounts/$EXOTEL_ACCOUNT_SID"
curl -sS -o /dev/null -w 'list calls: HTTP %{http_code}\n' \
  -u "$EXOTEL_API_KEY:$EXOTEL_API_TOKEN" "$ACCOUNT/Calls.json"
curl -sS -u "$EXOTEL_API_KEY:$EXOTEL_API_TOKEN" \
  -d From=09810000000 -d To=09820000000 -d CallerId=08010000000 \
  "$ACCOUNT/Calls/connect.json" | python3 -m json.tool
