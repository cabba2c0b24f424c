// A minimal Exotel status-callback receiver to copy: Express and files.
//
//   npm install express
//   EXOTEL_SOURCES=203.0.113.0/24 node receiver.mjs
//
// EXOTEL_SOURCES: Exotel's address ranges (from Exotel support), spaced.
// EXOTEL_PROXIES: your TLS proxy, the one sender whose X-Forwarded-For counts.
// EXOTEL_EVENTS: the folder of events. PORT: the port to listen on (8080).
// Place calls with StatusCallbackContentType=application/json: Express reads
// JSON and forms, not multipart.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { BlockList, isIPv4 } from "node:net";

import express from "express";

const SOURCES = new BlockList();
for (const range of process.env.EXOTEL_SOURCES.split(" ")) {
  const [address, bits] = range.split("/");
  const type = isIPv4(address) ? "ipv4" : "ipv6";
  const prefix = Number(bits ?? (type === "ipv4" ? 32 : 128));
  SOURCES.addSubnet(address, prefix, type);
}
const SID = /^[A-Za-z0-9]{1,64}$/;
const CALL =
  "queued ringing in-progress completed failed busy no-answer canceled";
const SMS = "queued sending submitted sent failed failed_dnd failed-dnd";
const EVENTS = process.env.EXOTEL_EVENTS ?? "events";
fs.mkdirSync(EVENTS, { recursive: true });

// Your work (an email, a CRM update): once per event, after the 200.
async function handle(sid, status, fields) {
  console.log("handled", sid, status);
}

// One file per event, named by its (Sid, Status), created with O_EXCL ("wx"):
// of two copies, exactly one is stored. Synced to disk before the 200.
function store(sid, status, fields) {
  const key = createHash("sha256").update(`${sid} ${status}`);
  const name = key.digest("hex");
  let file;
  try {
    file = fs.openSync(path.join(EVENTS, `${name}.json`), "wx");
  } catch (error) {
    if (error.code === "EEXIST") return false; // a duplicate
    throw error;
  }
  fs.writeSync(file, JSON.stringify({ sid, status, fields }));
  fs.fsyncSync(file);
  fs.closeSync(file);
  const folder = fs.openSync(EVENTS, "r");
  fs.fsyncSync(folder); // the new name is on disk too
  fs.closeSync(folder);
  return true;
}

let handling = Promise.resolve(); // one handler at a time, in order
function handlePending() {
  handling = handling.then(async () => {
    for (const name of fs.readdirSync(EVENTS).sort()) {
      const file = path.join(EVENTS, name);
      if (!name.endsWith(".json") || fs.existsSync(`${file}.done`)) continue;
      const { sid, status, fields } = JSON.parse(fs.readFileSync(file));
      await handle(sid, status, fields);
      fs.writeFileSync(`${file}.done`, "");
    }
  }).catch((error) => console.error("handler failed; retried later:", error));
  return handling;
}

function receiver(sidField, statuses) {
  return (req, res) => {
    const source = req.ip.replace(/^::ffff:/, "");
    if (!SOURCES.check(source, isIPv4(source) ? "ipv4" : "ipv6")) {
      return res.status(403).json({ error: `${source} may not post here` });
    }
    if (!req.is(["application/json", "application/x-www-form-urlencoded"])) {
      const fix = "ask for StatusCallbackContentType=application/json";
      return res.status(415).json({ error: fix });
    }
    const fields = req.body ?? {};
    const sid = fields[sidField];
    if (typeof sid !== "string" || !SID.test(sid)) {
      return res.status(400).json({ error: `${sidField} is not a SID` });
    }
    if (!statuses.split(" ").includes(fields.Status)) {
      const error = `unknown Status ${JSON.stringify(fields.Status)}`;
      return res.status(400).json({ error });
    }
    const isNew = store(sid, fields.Status, fields);
    res.json({ stored: isNew ? "accepted" : "duplicate" });
    handlePending();
  };
}

const app = express();
app.set("trust proxy", process.env.EXOTEL_PROXIES?.split(" ") ?? false);
const body = [
  express.json({ limit: "16kb" }),
  express.urlencoded({ limit: "16kb" }),
];
app.post("/webhooks/exotel/call-status", body, receiver("CallSid", CALL));
app.post("/webhooks/exotel/sms-status", body, receiver("SmsSid", SMS));
app.use((error, req, res, next) => {
  res.status(error.status ?? 500).json({ error: error.message }); // 400 413
});

await handlePending(); // what a crash left stored but not handled
// Behind your TLS proxy, on loopback: Exotel needs HTTPS.
app.listen(Number(process.env.PORT ?? 8080), "127.0.0.1");
