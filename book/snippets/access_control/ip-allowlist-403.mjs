// A key limited to 203.0.113.0/24, used from this machine: 403, naming the
// address.
const { EXOTEL_API_KEY, EXOTEL_API_TOKEN, EXOTEL_ACCOUNT_SID } = process.env;
// Wrap a long message to the terminal's width, two spaces in.
const wrap = (text) => text.replace(/(.{1,76})(\s+|$)/g, "  $1\n").trimEnd();
const BASE = process.env.EXOTEL_BASE_URL ?? "http://127.0.0.1:4010";
const pair = `${EXOTEL_API_KEY}:${EXOTEL_API_TOKEN}`;
const basic = Buffer.from(pair).toString("base64");

const url = `${BASE}/v1/Accounts/${EXOTEL_ACCOUNT_SID}/Calls.json`;
const response = await fetch(url, {
  headers: { Authorization: `Basic ${basic}` },
});
if (response.status === 403) {
  const { RestException: error } = await response.json();
  console.log("HTTP 403:");
  console.log(wrap(error.Message));
  console.log("Right key and token: add this address to the key's allowlist.");
}
