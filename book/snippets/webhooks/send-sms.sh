# Send an SMS. --data-urlencode sends the + of +91 as %2B: with -d it arrives
# as a space. To Indian numbers, name the DLT registration the text was approved
# under (DltEntityId, DltTemplateId): without it the SMS fails with 23080-23083
# (https://developer.exotel.com/docs/sms-api/api-reference/status-codes).
BASE="${EXOTEL_BASE_URL:-http://127.0.0.1:4010}"
curl -sS -u "$EXOTEL_API_KEY:$EXOTEL_API_TOKEN" \
  --data-urlencode From=08010000000 \
  --data-urlencode To=+919820000000 \
  --data-urlencode 'Body=Your order has shipped' \
  --data-urlencode DltEntityId=1234567890123 \
  --data-urlencode DltTemplateId=1107160000000012345 \
  --data-urlencode StatusCallback=https://hooks.example.com/exotel/sms-status \
  "$BASE/v1/Accounts/$EXOTEL_ACCOUNT_SID/Sms/send.json" | python3 -m json.tool
