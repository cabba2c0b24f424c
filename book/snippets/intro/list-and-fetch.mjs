// List the calls one to a page, then fetch the first one by its Sid.
const { EXOTEL_API_KEY, EXOTEL_API_TOKEN, EXOTEL_ACCOUNT_SID } = process.env;
const BASE = process.env.EXOTEL_BASE_URL ?? "http://127.0.0.1:4010";
const account = `${BASE}/v1/Accounts/${EXOTEL_ACCOUNT_SID}`;
const basic = Buffer.from(`${EXOTEL_API_KEY}:${EXOTEL_API_TOKEN}`).toString("base64");
const headers = { Authorization: `Basic ${basic}` };

const page = await (await fetch(`${account}/Calls.json?PageSize=1`, { headers })).json();
console.log(`${page.Metadata.Total} calls, next page: ${page.Metadata.NextPageUri}`);

const sid = page.Calls[0].Sid;
const { Call: call } = await (await fetch(`${account}/Calls/${sid}.json`, { headers })).json();
console.log(`${call.Sid} ${call.Status} ${call.From} -> ${call.To}, ${call.Duration} s`);
