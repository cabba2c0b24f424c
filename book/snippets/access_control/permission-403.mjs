// A key limited to calls:read lists calls but may not place one: 403, not 401.
const { EXOTEL_API_KEY, EXOTEL_API_TOKEN, EXOTEL_ACCOUNT_SID } = process.env;
// Wrap a long message to the terminal's width, two spaces in.
const wrap = (text) => text.replace(/(.{1,76})(\s+|$)/g, "  $1\n").trimEnd();
const BASE = process.env.EXOTEL_BASE_URL ?? "http://127.0.0.1:4010";
const account = `${BASE}/v1/Accounts/${EXOTEL_ACCOUNT_SID}`;
const pair = `${EXOTEL_API_KEY}:${EXOTEL_API_TOKEN}`;
const basic = Buffer.from(pair).toString("base64");
const headers = { Authorization: `Basic ${basic}` };

const list = await fetch(`${account}/Calls.json`, { headers });
console.log(`list calls: HTTP ${list.status}`);

const connect = await fetch(`${account}/Calls/connect.json`, {
  method: "POST",
  headers,
  body: new URLSearchParams({
    From: "09810000000",
    To: "09820000000",
    CallerId: "08010000000",
  }),
});
const { RestException: error } = await connect.json();
console.log(`connect a call: HTTP ${connect.status}:`);
console.log(wrap(error.Message));
