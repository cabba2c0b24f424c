// Test the credentials: 200 valid, 401 key or token wrong, 404 Account SID or
// region wrong.
const { EXOTEL_API_KEY, EXOTEL_API_TOKEN, EXOTEL_ACCOUNT_SID } = process.env;
const BASE = process.env.EXOTEL_BASE_URL ?? "http://127.0.0.1:4010";

async function check(label, key, token, accountSid) {
  const basic = Buffer.from(`${key}:${token}`).toString("base64");
  const url = `${BASE}/v1/Accounts/${accountSid}/Calls.json`;
  const response = await fetch(url, {
    headers: { Authorization: `Basic ${basic}` },
  });
  console.log(`${label}: HTTP ${response.status}`);
}

const key = EXOTEL_API_KEY;
const token = EXOTEL_API_TOKEN;
const sid = EXOTEL_ACCOUNT_SID;
await check("right credentials", key, token, sid);
await check("wrong token", key, "not-the-token", sid);
await check("wrong Account SID", key, token, "nosuchaccount");
