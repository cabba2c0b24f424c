// fetch refuses a URL with credentials in it: move them into the header.
const { EXOTEL_API_KEY, EXOTEL_API_TOKEN, EXOTEL_ACCOUNT_SID } = process.env;
const BASE = process.env.EXOTEL_BASE_URL ?? "http://127.0.0.1:4010";
const url = new URL(`${BASE}/v1/Accounts/${EXOTEL_ACCOUNT_SID}/Calls.json`);
url.username = EXOTEL_API_KEY;
url.password = EXOTEL_API_TOKEN;

try {
  await fetch(url);
} catch (error) {
  // The message goes on to print the whole URL, token included: keep it out
  // of logs.
  console.log(`${error.name}: ${error.message.split(":")[0]}`);
}

const key = decodeURIComponent(url.username);
const token = decodeURIComponent(url.password);
const pair = `${key}:${token}`;
url.username = url.password = "";
const response = await fetch(url, {
  headers: { Authorization: `Basic ${Buffer.from(pair).toString("base64")}` },
});
console.log(`HTTP ${response.status}`);
