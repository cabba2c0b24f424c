// Read a 429 and honour Retry-After. The sandbox for this example allows
// 2 requests a second; Exotel allows 200 a minute.
import { setTimeout as sleep } from "node:timers/promises";

// Wrap a long message to the terminal's width, two spaces in.
const wrap = (text) => text.replace(/(.{1,76})(\s+|$)/g, "  $1\n").trimEnd();

const { EXOTEL_API_KEY, EXOTEL_API_TOKEN, EXOTEL_ACCOUNT_SID } = process.env;
const BASE = process.env.EXOTEL_BASE_URL ?? "http://127.0.0.1:4010";
const pair = `${EXOTEL_API_KEY}:${EXOTEL_API_TOKEN}`;
const basic = Buffer.from(pair).toString("base64");
const url = `${BASE}/v1/Accounts/${EXOTEL_ACCOUNT_SID}/Calls.json`;
const headers = { Authorization: `Basic ${basic}` };
const get = () => fetch(url, { headers });

for (const request of [1, 2, 3]) {
  let response = await get();
  if (response.status === 429) {
    const body = await response.json();
    const wait = Number(response.headers.get("retry-after"));
    console.log(`request ${request}: HTTP 429, Retry-After: ${wait}`);
    console.log(wrap(body.RestException.Message));
    await sleep(wait * 1000);
    response = await get();
    const status = response.status;
    console.log(`request ${request}, after waiting ${wait} s: HTTP ${status}`);
  } else {
    console.log(`request ${request}: HTTP ${response.status}`);
  }
}
