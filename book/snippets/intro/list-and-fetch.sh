# List the calls one to a page, then fetch the first one by its Sid.
BASE="${EXOTEL_BASE_URL:-http://127.0.0.1:4010}"
ACCOUNT="$BASE/v1/Accounts/$EXOTEL_ACCOUNT_SID"
page=$(curl -sS -u "$EXOTEL_API_KEY:$EXOTEL_API_TOKEN" \
  "$ACCOUNT/Calls.json?PageSize=1")
printf '%s' "$page" | python3 -m json.tool
sid=$(printf '%s' "$page" | grep -o '"Sid":"[0-9a-f]*"' | head -n 1 \
  | cut -d '"' -f 4)
curl -sS -u "$EXOTEL_API_KEY:$EXOTEL_API_TOKEN" "$ACCOUNT/Calls/$sid.json" \
  | python3 -m json.tool
