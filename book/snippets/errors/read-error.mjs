// Every v1 JSON error has the same body (v2 has its own envelope):
// {"RestException": {"Status", "Message"}}.
// Here: connect a call without CallerId (400), then with a wrong token (401).
const { EXOTEL_API_KEY, EXOTEL_API_TOKEN, EXOTEL_ACCOUNT_SID } = process.env;
const BASE = process.env.EXOTEL_BASE_URL ?? "http://127.0.0.1:4010";
const url = `${BASE}/v1/Accounts/${EXOTEL_ACCOUNT_SID}/Calls/connect.json`;

async function connect(token, form) {
  const basic = Buffer.from(`${EXOTEL_API_KEY}:${token}`).toString("base64");
  const response = await fetch(url, {
    method: "POST",
    headers: { Authorization: `Basic ${basic}` },
    body: new URLSearchParams(form),
  });
  if (!response.ok) {
    const { RestException: error } = await response.json();
    console.log(`HTTP ${response.status}: ${error.Message}`);
  }
}

await connect(EXOTEL_API_TOKEN, { From: "09810000000", To: "09820000000" });
await connect("not-the-token", {
  From: "09810000000",
  To: "09820000000",
  CallerId: "08010000000",
});
