// Read a 429 and honour Retry-After. The sandbox for this example allows
// 2 requests a second; Exotel allows 200 a minute.
import { setTimeout as sleep } from "node:timers/promises";

const { EXOTEL_API_KEY, EXOTEL_API_TOKEN, EXOTEL_ACCOUNT_SID } = process.env;
const BASE = process.env.EXOTEL_BASE_URL ?? "http://127.0.0.1:4010";
const basic = Buffer.from(`${EXOTEL_API_KEY}:${EXOTEL_API_TOKEN}`).toString("base64");
const url = `${BASE}/v1/Accounts/${EXOTEL_ACCOUNT_SID}/Calls.json`;
const get = () => fetch(url, { headers: { Authorization: `Basic ${basic}` } });

for (const request of [1, 2, 3]) {
  let response = await get();
  if (response.status === 429) {
    const body = await response.json();
    const wait = Number(response.headers.get("retry-after"));
    console.log(`request ${request}: HTTP 429, Retry-After: ${wait}`);
    console.log(`  ${body.RestException.Message}`);
    await sleep(wait * 1000);
    response = await get();
    console.log(`request ${request}, after waiting ${wait} s: HTTP ${response.status}`);
  } else {
    console.log(`request ${request}: HTTP ${response.status}`);
  }
}
