// Send an SMS. URLSearchParams encodes the + of +91 for you. To Indian numbers,
// name the DLT registration the text was approved under (DltEntityId,
// DltTemplateId): without it the SMS fails with 23080-23083
// (https://developer.exotel.com/docs/sms-api/api-reference/status-codes).
const { EXOTEL_API_KEY, EXOTEL_API_TOKEN, EXOTEL_ACCOUNT_SID } = process.env;
const BASE = process.env.EXOTEL_BASE_URL ?? "http://127.0.0.1:4010";
const credentials = `${EXOTEL_API_KEY}:${EXOTEL_API_TOKEN}`;
const basic = Buffer.from(credentials).toString("base64");

const url = `${BASE}/v1/Accounts/${EXOTEL_ACCOUNT_SID}/Sms/send.json`;
const response = await fetch(url, {
  method: "POST",
  headers: { Authorization: `Basic ${basic}` },
  body: new URLSearchParams({
    From: "08010000000",
    To: "+919820000000",
    Body: "Your order has shipped",
    DltEntityId: "1234567890123",
    DltTemplateId: "1107160000000012345",
    StatusCallback: "https://hooks.example.com/exotel/sms-status",
  }),
});
const { SMSMessage: sms } = await response.json();
console.log(
  `HTTP ${response.status}: SMS ${sms.Sid} to ${sms.To} ${sms.Status}`,
);
