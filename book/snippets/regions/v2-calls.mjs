// The v2 call list: lower-case "accounts", no .json, and a different envelope.
const { EXOTEL_API_KEY, EXOTEL_API_TOKEN, EXOTEL_ACCOUNT_SID } = process.env;
// Voice v2 (CCM) has hosts of its own: for Exotel, EXOTEL_V2_BASE_URL=https://ccm-api.exotel.com
// (Singapore) or https://ccm-api.in.exotel.com (Mumbai). The sandbox serves both on one port.
const BASE =
  process.env.EXOTEL_V2_BASE_URL ?? process.env.EXOTEL_BASE_URL ?? "http://127.0.0.1:4010";
const basic = Buffer.from(`${EXOTEL_API_KEY}:${EXOTEL_API_TOKEN}`).toString("base64");

const response = await fetch(`${BASE}/v2/accounts/${EXOTEL_ACCOUNT_SID}/calls`, {
  headers: { Authorization: `Basic ${basic}` },
});
const body = await response.json();
console.log(`HTTP ${response.status}, request_id ${body.request_id}`);
for (const { data } of body.response) {
  const status = data.status ?? "(no status until the call ends)";
  console.log(`${data.sid} ${data.state} ${status}`);
}
