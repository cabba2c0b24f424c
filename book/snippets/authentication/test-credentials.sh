# Test the credentials: 200 valid, 401 key or token wrong, 404 Account SID or
# region wrong. -o /dev/null -w prints just the status.
BASE="${EXOTEL_BASE_URL:-http://127.0.0.1:4010}"
check() { # label, key:token, account SID
  status=$(curl -sS -o /dev/null -w '%{http_code}' -u "$2" \
    "$BASE/v1/Accounts/$3/Calls.json")
  echo "$1: HTTP $status"
}
KEY_AND_TOKEN="$EXOTEL_API_KEY:$EXOTEL_API_TOKEN"
check "right credentials" "$KEY_AND_TOKEN" "$EXOTEL_ACCOUNT_SID"
check "wrong token" "$EXOTEL_API_KEY:not-the-token" "$EXOTEL_ACCOUNT_SID"
check "wrong Account SID" "$KEY_AND_TOKEN" "nosuchaccount"
