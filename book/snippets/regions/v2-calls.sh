# The v2 call list: lower-case "accounts", no .json, another envelope.
# Voice v2 (CCM) has hosts of its own: for Exotel, EXOTEL_V2_BASE_URL is
# https://ccm-api.exotel.com (Singapore) or https://ccm-api.in.exotel.com
# (Mumbai). The sandbox serves both on one port.
BASE="${EXOTEL_V2_BASE_URL:-${EXOTEL_BASE_URL:-http://127.0.0.1:4010}}"
curl -sS -u "$EXOTEL_API_KEY:$EXOTEL_API_TOKEN" \
  "$BASE/v2/accounts/$EXOTEL_ACCOUNT_SID/calls" | python3 -m json.tool
