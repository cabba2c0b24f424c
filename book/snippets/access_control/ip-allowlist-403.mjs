// A key limited to 203.0.113.0/24, used from this machine: 403, naming the address.
const { EXOTEL_API_KEY, EXOTEL_API_TOKEN, EXOTEL_ACCOUNT_SID } = process.env;
const BASE = process.env.EXOTEL_BASE_URL ?? "http://127.0.0.1:4010";
const basic = Buffer.from(`${EXOTEL_API_KEY}:${EXOTEL_API_TOKEN}`).toString("base64");

const response = await fetch(`${BASE}/v1/Accounts/${EXOTEL_ACCOUNT_SID}/Calls.json`, {
  headers: { Authorization: `Basic ${basic}` },
});
if (response.status === 403) {
  const { RestException: error } = await response.json();
  console.log(`HTTP 403: ${error.Message}`);
  console.log("Right key and token: add this address to the key's allowlist.");
}
