# The same request with the key and token in the URL. curl moves them into the
# Authorization header, but the URL with the token is now in your shell history.
BASE="${EXOTEL_BASE_URL:-http://127.0.0.1:4010}"
SCHEME="${BASE%%://*}"
HOST="${BASE#*://}"
USERINFO="${EXOTEL_API_KEY}:${EXOTEL_API_TOKEN}"
curl -sS -o /dev/null -w 'HTTP %{http_code}\n' \
  "$SCHEME://$USERINFO@$HOST/v1/Accounts/$EXOTEL_ACCOUNT_SID/Calls.json"
