// List the calls one to a page, then fetch the first one by its Sid.
const { EXOTEL_API_KEY, EXOTEL_API_TOKEN, EXOTEL_ACCOUNT_SID } = process.env;
const BASE = process.env.EXOTEL_BASE_URL ?? "http://127.0.0.1:4010";
const account = `${BASE}/v1/Accounts/${EXOTEL_ACCOUNT_SID}`;
const pair = `${EXOTEL_API_KEY}:${EXOTEL_API_TOKEN}`;
const basic = Buffer.from(pair).toString("base64");
const headers = { Authorization: `Basic ${basic}` };

const listed = await fetch(`${account}/Calls.json?PageSize=1`, { headers });
const page = await listed.json();
console.log(`${page.Metadata.Total} calls, one a page; the next page:`);
console.log(`  .../${page.Metadata.NextPageUri.split("/").pop()}`);

const sid = page.Calls[0].Sid;
const fetched = await fetch(`${account}/Calls/${sid}.json`, { headers });
const { Call: call } = await fetched.json();
console.log(`${call.Sid} ${call.Status}`);
console.log(`  ${call.From} -> ${call.To}, ${call.Duration} s`);
