// The guide's Node.js example: fetch with an Authorization: Basic header.
const API_KEY = process.env.EXOTEL_API_KEY;
const API_TOKEN = process.env.EXOTEL_API_TOKEN;
const ACCOUNT_SID = process.env.EXOTEL_ACCOUNT_SID;
const BASE = process.env.EXOTEL_BASE_URL ?? "http://127.0.0.1:4010";
const credentials = Buffer.from(`${API_KEY}:${API_TOKEN}`).toString("base64");
const response = await fetch(`${BASE}/v1/Accounts/${ACCOUNT_SID}/Calls.json`, {
  method: "GET",
  headers: {
    Authorization: `Basic ${credentials}`,
  },
});
const data = await response.json();
console.log(data);
