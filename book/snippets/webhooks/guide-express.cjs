// The guide's Express webhook example, run against the sandbox's status
// callbacks. Each startGuideExample() is a fresh process: a new Express app
// and a new, empty Set.
const express = require("express");

const PATH = "/webhooks/exotel/call-status";
const BASE = process.env.EXOTEL_BASE_URL ?? "http://127.0.0.1:4010";
const { EXOTEL_API_KEY, EXOTEL_API_TOKEN, EXOTEL_ACCOUNT_SID } = process.env;
const credentials = `${EXOTEL_API_KEY}:${EXOTEL_API_TOKEN}`;
const basic = Buffer.from(credentials).toString("base64");

// -- the guide's example: its code and comments, with two hooks marked
//    "not in the guide" --
function startGuideExample(port, { bodyParser, work } = {}) {
  const app = express();
  // Track processed events for idempotency
  const processedEvents = new Set();
  // not in the guide: which parser reads the body (the guide's is
  // express.urlencoded)
  const parser = bodyParser ?? express.urlencoded({ extended: true });
  app.post(PATH, parser, async (req, res) => {
    const callSid = req.body.CallSid;
    // Deduplicate retried webhooks
    if (processedEvents.has(callSid)) {
      return res.sendStatus(200);
    }
    // Validate expected fields are present
    if (!callSid || !req.body.Status) {
      return res.sendStatus(400);
    }
    // Process the webhook
    console.log(`  console: Call ${callSid} status: ${req.body.Status}`);
    await work?.(req, res); // not in the guide: real work, or a crash
    processedEvents.add(callSid);
    // Always respond with 200 to acknowledge receipt
    res.sendStatus(200);
  });
  // not in the guide: Express's default error page prints a stack trace;
  // say it in one line
  app.use((error, req, res, next) => {
    console.log(`  console: ${error.name}: ${error.message}`);
    res.sendStatus(500);
  });
  return new Promise((resolve) => {
    const server = app.listen(port, "127.0.0.1", () => resolve(server));
  });
}

function stop(server) {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
}

// -- driving the sandbox: its API, and its dashboard's clock and callback
//    delivery --
async function connectCall(form) {
  const url = `${BASE}/v1/Accounts/${EXOTEL_ACCOUNT_SID}/Calls/connect.json`;
  const response = await fetch(url, {
    method: "POST",
    headers: { Authorization: `Basic ${basic}` },
    body: new URLSearchParams({
      From: "09810000000",
      To: "09820000000",
      CallerId: "08010000000",
      ...form,
    }),
  });
  return (await response.json()).Call.Sid;
}

async function advanceClock(seconds) {
  await fetch(`${BASE}/_sandbox/admin/clock/advance`, {
    method: "POST",
    body: new URLSearchParams({ seconds: String(seconds) }),
  });
}

async function deliverDueCallbacks() {
  const response = await fetch(`${BASE}/_sandbox/admin/callbacks/deliver`, {
    method: "POST",
  });
  for (const delivery of (await response.json()).deliveries) {
    say(`sandbox: ${delivery.summary}`);
  }
}

// One line of output, wrapped at 80 columns as the book's page is.
function say(text, indent = "  ") {
  let line = indent;
  for (const word of text.split(" ")) {
    if (line.trim() && line.length + 1 + word.length > 80) {
      console.log(line);
      line = indent + "  ";
    }
    line += (line.trim() ? " " : "") + word;
  }
  console.log(line);
}

function post(port, body) {
  return fetch(`http://127.0.0.1:${port}${PATH}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

// Exotel sends call callbacks as multipart/form-data, which express.urlencoded
// does not read, or as JSON when the call asks for it. To reach the guide's
// three bugs, the calls below ask for JSON and the example reads it with
// express.json(); the last section shows the original.
const asJson = { StatusCallbackContentType: "application/json" };
const bothEvents = {
  "StatusCallbackEvents[0]": "answered",
  "StatusCallbackEvents[1]": "terminal",
};

async function main() {
  let server = await startGuideExample(0, { bodyParser: express.json() });
  const port = server.address().port;
  const callback = `http://127.0.0.1:${port}${PATH}`;

  console.log("A call answered at once: the answered callback is due now.");
  await connectCall({ StatusCallback: callback, ...asJson, ...bothEvents });
  await deliverDueCallbacks();

  console.log(
    "Bug 1: 42 s later the call ends; same CallSid, new Status, dropped.",
  );
  await advanceClock(42);
  await deliverDueCallbacks();

  console.log(
    "Bug 2: the example processes a callback, then dies before answering ...",
  );
  await stop(server);
  let received;
  const dies = (req) => {
    received = req.body;
    req.socket.destroy();
  };
  server = await startGuideExample(port, {
    bodyParser: express.json(),
    work: dies,
  });
  await connectCall({ StatusCallback: callback, ...asJson });
  await advanceClock(42);
  await deliverDueCallbacks();
  console.log(
    "... restarts with an empty Set, and the sandbox retries 30 s later:",
  );
  await stop(server);
  server = await startGuideExample(port, { bodyParser: express.json() });
  await advanceClock(30);
  await deliverDueCallbacks();

  console.log(
    "Bug 3: a database write takes 200 ms; two copies arrive at once:",
  );
  await stop(server);
  const saveToDatabase = () =>
    new Promise((resolve) => setTimeout(resolve, 200));
  server = await startGuideExample(port, {
    bodyParser: express.json(),
    work: saveToDatabase,
  });
  const answers = await Promise.all([
    post(port, received),
    post(port, received),
  ]);
  console.log(`  answers: ${answers.map((a) => a.status).join(", ")}`);

  console.log(
    "As printed, with express.urlencoded, it cannot read a call callback:",
  );
  await stop(server);
  server = await startGuideExample(port);
  await connectCall({ StatusCallback: callback });
  await advanceClock(42);
  await deliverDueCallbacks();
  await stop(server);
}

main();
