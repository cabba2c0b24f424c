// Send an SMS. URLSearchParams encodes the + of +91 for you.
const { EXOTEL_API_KEY, EXOTEL_API_TOKEN, EXOTEL_ACCOUNT_SID } = process.env;
const BASE = process.env.EXOTEL_BASE_URL ?? "http://127.0.0.1:4010";
const basic = Buffer.from(`${EXOTEL_API_KEY}:${EXOTEL_API_TOKEN}`).toString("base64");

const response = await fetch(`${BASE}/v1/Accounts/${EXOTEL_ACCOUNT_SID}/Sms/send.json`, {
  method: "POST",
  headers: { Authorization: `Basic ${basic}` },
  body: new URLSearchParams({
    From: "08010000000",
    To: "+919820000000",
    Body: "Your order has shipped",
    StatusCallback: "https://hooks.example.com/exotel/sms-status",
  }),
});
const { SMSMessage: sms } = await response.json();
console.log(`HTTP ${response.status}: SMS ${sms.Sid} to ${sms.To} ${sms.Status}`);
