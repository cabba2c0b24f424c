// The v2 call list: lower-case "accounts", no .json, another envelope.
const { EXOTEL_API_KEY, EXOTEL_API_TOKEN, EXOTEL_ACCOUNT_SID } = process.env;
// Voice v2 (CCM) has hosts of its own: for Exotel, EXOTEL_V2_BASE_URL is
// https://ccm-api.exotel.com (Singapore) or https://ccm-api.in.exotel.com
// (Mumbai). The sandbox serves both on one port.
const BASE =
  process.env.EXOTEL_V2_BASE_URL ??
  process.env.EXOTEL_BASE_URL ??
  "http://127.0.0.1:4010";
const pair = `${EXOTEL_API_KEY}:${EXOTEL_API_TOKEN}`;
const basic = Buffer.from(pair).toString("base64");

const url = `${BASE}/v2/accounts/${EXOTEL_ACCOUNT_SID}/calls`;
const response = await fetch(url, {
  headers: { Authorization: `Basic ${basic}` },
});
const body = await response.json();
console.log(`HTTP ${response.status}, request_id ${body.request_id}`);
for (const { data } of body.response) {
  const status = data.status ?? "(no status until the call ends)";
  console.log(`${data.sid} ${data.state} ${status}`);
}
