// A status-callback receiver in Express without the guide's three bugs: the
// source address is checked first, the payload is validated, every event is
// stored (and synced to disk) before the 200, and an event is (Sid, Status),
// not CallSid alone. The rules match the Python receiver in helpers/webhooks/.
// Below the receiver, the same situations as for the guide's example, run
// against the sandbox.
import { createHash } from "node:crypto";
import fs from "node:fs";
import { request } from "node:http";
import { BlockList, isIPv4 } from "node:net";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

import express from "express";

const CALL_STATUSES = [
  "queued", "ringing", "in-progress", "completed",
  "failed", "busy", "no-answer", "canceled",
];
const SMS_STATUSES = [
  "queued", "sending", "submitted", "sent",
  "failed", "failed_dnd", "failed-dnd",
];
const SID = /^[A-Za-z0-9]{1,64}$/;

// The allowlist: Exotel's ranges come from Exotel support. X-Forwarded-For is
// not read (Express's "trust proxy" is off), so a header cannot talk its way
// in.
export function sourceAllowlist(ranges) {
  const list = new BlockList();
  for (const range of ranges) {
    const [address, bits] = range.split("/");
    const type = isIPv4(address) ? "ipv4" : "ipv6";
    const prefix = Number(bits ?? (type === "ipv4" ? 32 : 128));
    list.addSubnet(address, prefix, type);
  }
  return (req, res, next) => {
    const source = req.socket.remoteAddress.replace(/^::ffff:/, "");
    if (list.check(source, isIPv4(source) ? "ipv4" : "ipv6")) return next();
    res.status(403).json({
      error: `Source address ${source} may not post status callbacks here.`,
    });
  };
}

// Validation: what the callback must hold before it is stored. A broken one
// gets 400 with the reason; Exotel does not retry a 4xx forever, and you learn
// what is wrong.
function problems(fields, sidField, statuses) {
  const found = [];
  const sid = fields[sidField];
  if (typeof sid !== "string" || !SID.test(sid)) {
    found.push(`${sidField} missing or not an Exotel SID`);
  }
  if (!statuses.includes(fields.Status)) {
    const status = JSON.stringify(fields.Status);
    found.push(`Status ${status} is not one Exotel documents`);
  }
  return found;
}

// The store: one file per event, created with O_EXCL ("wx"), so of two copies
// of an event, in one process or several, exactly one is stored; fsync before
// the 200 answers.
export function eventStore(directory) {
  fs.mkdirSync(directory, { recursive: true });
  const fileOf = (event) => {
    const key = `${event.kind}:${event.sid}:${event.status}`;
    const name = createHash("sha256").update(key).digest("hex");
    return path.join(directory, name);
  };
  return {
    add(event) {
      let fd;
      try {
        fd = fs.openSync(`${fileOf(event)}.json`, "wx");
      } catch (error) {
        // a duplicate: already stored
        if (error.code === "EEXIST") return false;
        throw error;
      }
      fs.writeSync(fd, JSON.stringify(event));
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      const dir = fs.openSync(directory, "r");
      fs.fsyncSync(dir); // the new file's name is durable too
      fs.closeSync(dir);
      return true;
    },
    // Events stored but not yet handled (a crash between the 200 and the
    // handler leaves some).
    pending() {
      return fs
        .readdirSync(directory)
        .filter((name) => name.endsWith(".json"))
        .map((name) => path.join(directory, name))
        .filter((file) => !fs.existsSync(`${file}.done`))
        .sort()
        .map((file) => ({ file, ...JSON.parse(fs.readFileSync(file)) }));
    },
    markDone(event) {
      fs.writeFileSync(`${event.file}.done`, "");
    },
  };
}

// One process handles the store's events one at a time, after the answer, so
// Exotel never waits for your handler. Run one receiver process per store
// directory.
export function createReceiver({ allow, store, handle, afterStore }) {
  let running = Promise.resolve();
  const drain = () => {
    running = running.then(async () => {
      for (const event of store.pending()) {
        await handle(event);
        store.markDone(event);
      }
    });
    return running;
  };
  const app = express();
  app.use(sourceAllowlist(allow));
  const receive = (sidField, statuses, kind) => (req, res) => {
    if (!req.is(["application/json", "application/x-www-form-urlencoded"])) {
      return res.status(415).json({
        error: `Content-Type ${req.get("content-type")} is not read here.`,
        fix: "Place calls with StatusCallbackContentType=application/json.",
      });
    }
    const found = problems(req.body ?? {}, sidField, statuses);
    if (found.length) return res.status(400).json({ error: found.join("; ") });
    const event = {
      kind,
      sid: req.body[sidField],
      status: req.body.Status,
      fields: req.body,
    };
    const isNew = store.add(event);
    // not for production: the demo below dies here
    if (afterStore?.(req)) return;
    res.status(200).json({ stored: isNew ? "accepted" : "duplicate" });
    if (isNew) drain();
  };
  const parsers = [
    express.json({ limit: "16kb" }),
    express.urlencoded({ extended: false, limit: "16kb" }),
  ];
  const onCall = receive("CallSid", CALL_STATUSES, "call");
  const onSms = receive("SmsSid", SMS_STATUSES, "sms");
  app.post("/webhooks/exotel/call-status", parsers, onCall);
  app.post("/webhooks/exotel/sms-status", parsers, onSms);
  app.drain = drain;
  return app;
}

// -- the demo: the same situations as for the guide's example, against the
//    sandbox --

const BASE = process.env.EXOTEL_BASE_URL ?? "http://127.0.0.1:4010";
const { EXOTEL_API_KEY, EXOTEL_API_TOKEN, EXOTEL_ACCOUNT_SID } = process.env;
const credentials = `${EXOTEL_API_KEY}:${EXOTEL_API_TOKEN}`;
const basic = Buffer.from(credentials).toString("base64");
const CALL_PATH = "/webhooks/exotel/call-status";

async function sandbox(route, form = {}) {
  const response = await fetch(`${BASE}${route}`, {
    method: "POST",
    headers: route.startsWith("/v1/")
      ? { Authorization: `Basic ${basic}` }
      : {},
    body: new URLSearchParams(form),
  });
  return response.json();
}

const connectCall = (form) =>
  sandbox(`/v1/Accounts/${EXOTEL_ACCOUNT_SID}/Calls/connect.json`, {
    From: "09810000000", To: "09820000000", CallerId: "08010000000",
    StatusCallbackContentType: "application/json", ...form,
  });
const advanceClock = (seconds) =>
  sandbox("/_sandbox/admin/clock/advance", { seconds });
async function deliverDueCallbacks() {
  const { deliveries } = await sandbox("/_sandbox/admin/callbacks/deliver");
  for (const delivery of deliveries) say(`sandbox: ${delivery.summary}`);
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

// A POST from a chosen loopback address (127.0.0.2 is not on the allowlist),
// with headers.
function post(port, body, { from = "127.0.0.1", headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: CALL_PATH,
        method: "POST",
        localAddress: from,
        headers,
      },
      (res) => {
        let text = "";
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolve(`${res.statusCode} ${text}`));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
const json = { "Content-Type": "application/json" };

function listen(app, port) {
  return new Promise((resolve) => {
    const server = app.listen(port, "127.0.0.1", () => resolve(server));
  });
}
function stop(server) {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
}

async function main() {
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), "exotel-events-"));
  // The sandbox posts from this machine; in production, list Exotel's ranges
  // instead.
  const allow = ["127.0.0.1/32"];
  const handle = async (event) => {
    const sid = `${event.sid.slice(0, 4)}…`;
    console.log(`  handler: ${event.kind} ${sid} ${event.status}`);
  };
  const start = (port, afterStore) =>
    listen(
      createReceiver({
        allow,
        store: eventStore(storeDir),
        handle,
        afterStore,
      }),
      port,
    );

  let server = await start(0);
  const port = server.address().port;
  const callback = `http://127.0.0.1:${port}${CALL_PATH}`;

  say(
    "A call that asks for both events: both statuses are handled " +
      "(bug 1 is gone).",
    "",
  );
  await connectCall({
    StatusCallback: callback,
    "StatusCallbackEvents[0]": "answered",
    "StatusCallbackEvents[1]": "terminal",
  });
  await deliverDueCallbacks();
  await advanceClock(42);
  await deliverDueCallbacks();

  console.log("The receiver stores a callback, then dies before answering ...");
  await stop(server);
  server = await start(port, (req) => {
    req.socket.destroy(); // dies: no answer, and its handler never runs
    return true;
  });
  await connectCall({ StatusCallback: callback });
  await advanceClock(42);
  await deliverDueCallbacks();
  say(
    "... restarts, handles what it stored; the retry is a duplicate " +
      "(bug 2 gone):",
    "",
  );
  await stop(server);
  const app = createReceiver({ allow, store: eventStore(storeDir), handle });
  await app.drain();
  server = await listen(app, port);
  await advanceClock(30);
  await deliverDueCallbacks();

  console.log(
    "Two copies of one callback at once: one is stored (bug 3 is gone).",
  );
  const { Call: call } = await connectCall({ StatusCallback: callback });
  const copy = JSON.stringify({ CallSid: call.Sid, Status: "completed" });
  const answers = await Promise.all([
    post(port, copy, { headers: json }),
    post(port, copy, { headers: json }),
  ]);
  for (const answer of answers.sort()) say(`answer: ${answer}`);
  await app.drain();

  say(
    "Refused: a stranger (even claiming an allowed address), bad " +
      "fields, multipart:",
    "",
  );
  const claim = { ...json, "X-Forwarded-For": "127.0.0.1" };
  const stranger = { from: "127.0.0.2", headers: claim };
  say(`answer: ${await post(port, copy, stranger)}`);
  const forged = JSON.stringify({ CallSid: "not a sid!", Status: "paid" });
  say(`answer: ${await post(port, forged, { headers: json })}`);
  const multipart = { "Content-Type": "multipart/form-data; boundary=x" };
  say(`answer: ${await post(port, "--x--", { headers: multipart })}`);

  await stop(server);
  fs.rmSync(storeDir, { recursive: true });
}

const script = pathToFileURL(path.resolve(process.argv[1])).href;
if (import.meta.url === script) await main();
