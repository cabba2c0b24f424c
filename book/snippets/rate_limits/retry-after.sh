# Read a 429 and honour Retry-After. The sandbox for this example allows
# 2 requests a second; Exotel allows 200 a minute.
BASE="${EXOTEL_BASE_URL:-http://127.0.0.1:4010}"
URL="$BASE/v1/Accounts/$EXOTEL_ACCOUNT_SID/Calls.json"
for request in 1 2 3; do
  headers=$(curl -sS -o /dev/null -D - \
    -u "$EXOTEL_API_KEY:$EXOTEL_API_TOKEN" "$URL")
  status=$(printf '%s\n' "$headers" | head -n 1 | cut -d ' ' -f 2)
  if [ "$status" = 429 ]; then
    wait=$(printf '%s\n' "$headers" | tr -d '\r' | grep -i '^retry-after:' \
      | cut -d ' ' -f 2)
    echo "request $request: HTTP 429, Retry-After: $wait"
    sleep "$wait"
    status=$(curl -sS -o /dev/null -w '%{http_code}' \
      -u "$EXOTEL_API_KEY:$EXOTEL_API_TOKEN" "$URL")
    echo "request $request, after waiting $wait s: HTTP $status"
  else
    echo "request $request: HTTP $status"
  fi
done
