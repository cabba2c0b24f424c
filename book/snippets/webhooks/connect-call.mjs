// Connect a call and ask for its answered and terminal status callbacks.
const { EXOTEL_API_KEY, EXOTEL_API_TOKEN, EXOTEL_ACCOUNT_SID } = process.env;
const BASE = process.env.EXOTEL_BASE_URL ?? "http://127.0.0.1:4010";
const credentials = `${EXOTEL_API_KEY}:${EXOTEL_API_TOKEN}`;
const basic = Buffer.from(credentials).toString("base64");

const response = await fetch(
  `${BASE}/v1/Accounts/${EXOTEL_ACCOUNT_SID}/Calls/connect.json`,
  {
    method: "POST",
    headers: { Authorization: `Basic ${basic}` },
    body: new URLSearchParams({
      From: "09810000000",
      To: "09820000000",
      CallerId: "08010000000",
      StatusCallback: "https://hooks.example.com/exotel/call-status",
      "StatusCallbackEvents[0]": "answered",
      "StatusCallbackEvents[1]": "terminal",
    }),
  },
);
const { Call: call } = await response.json();
console.log(`HTTP ${response.status}: call ${call.Sid} ${call.Status}`);
