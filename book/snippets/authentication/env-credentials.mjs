// BAD - credentials are exposed in source code
// const API_KEY = "f81f2a50...";   (the guide's example values, shortened here)
// const API_TOKEN = "9c3e8a1b...";

// GOOD - credentials are loaded from environment variables
const apiKey = process.env.EXOTEL_API_KEY;
const apiToken = process.env.EXOTEL_API_TOKEN;
const accountSid = process.env.EXOTEL_ACCOUNT_SID;

if (!apiKey || !apiToken || !accountSid) {
  throw new Error("Missing required Exotel environment variables");
}
console.log(`credentials loaded from the environment, account ${accountSid}`);
