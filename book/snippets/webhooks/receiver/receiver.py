"""A minimal Exotel status-callback receiver to copy: Starlette and SQLite.

    pip install starlette uvicorn python-multipart
    EXOTEL_SOURCES=203.0.113.0/24 python receiver.py

EXOTEL_SOURCES: Exotel's address ranges (from Exotel support), spaced.
EXOTEL_PROXIES: your TLS proxy, the one sender whose X-Forwarded-For counts.
EXOTEL_EVENTS: the SQLite file. PORT: the port to listen on (8080).
"""

import ipaddress
import json
import os
import re
import sqlite3
import threading

import uvicorn
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.responses import JSONResponse

SOURCES = list(map(ipaddress.ip_network, os.environ["EXOTEL_SOURCES"].split()))
PROXIES = os.environ.get("EXOTEL_PROXIES", "")
SID = re.compile(r"[A-Za-z0-9]{1,64}")
CALL = "queued ringing in-progress completed failed busy no-answer canceled"
SMS = "queued sending submitted sent failed failed_dnd failed-dnd"

db = sqlite3.connect(
    os.environ.get("EXOTEL_EVENTS", "events.sqlite3"),
    isolation_level=None,  # autocommit: each INSERT is on disk before the 200
    check_same_thread=False,
)
db.execute("PRAGMA synchronous=FULL")
db.execute(
    "CREATE TABLE IF NOT EXISTS events (sid TEXT, status TEXT, fields TEXT,"
    " handled INTEGER DEFAULT 0, PRIMARY KEY (sid, status))"
)
db_lock, handler_lock = threading.Lock(), threading.Lock()


def handle(sid: str, status: str, fields: dict) -> None:
    """Your work (an email, a CRM update): once per event, after the 200."""
    print("handled", sid, status, flush=True)


def handle_pending() -> None:
    with handler_lock:
        with db_lock:
            rows = db.execute(
                "SELECT sid, status, fields FROM events WHERE NOT handled"
            ).fetchall()
        for sid, status, fields in rows:
            handle(sid, status, json.loads(fields))
            with db_lock:
                db.execute(
                    "UPDATE events SET handled = 1"
                    " WHERE sid = ? AND status = ?",
                    (sid, status),
                )


async def read_fields(request) -> dict:
    if request.headers.get("content-type", "").startswith("application/json"):
        try:  # StatusCallbackContentType=application/json
            fields = json.loads(await request.body())
        except ValueError:
            return {}
        return fields if isinstance(fields, dict) else {}
    form = await request.form()  # form or multipart
    return {k: v for k, v in form.items() if isinstance(v, str)}


def receiver(sid_field: str, statuses: str):
    async def receive(request):
        source = ipaddress.ip_address(request.client.host)
        if not any(source in network for network in SOURCES):
            return JSONResponse({"error": f"{source} may not post here"}, 403)
        if len(await request.body()) > 16_384:
            return JSONResponse({"error": "the body is over 16 KiB"}, 413)
        fields = await read_fields(request)
        sid, status = fields.get(sid_field), fields.get("Status")
        if not isinstance(sid, str) or not SID.fullmatch(sid):
            return JSONResponse({"error": f"{sid_field} is not a SID"}, 400)
        if status not in statuses.split():
            return JSONResponse({"error": f"unknown Status {status!r}"}, 400)
        with db_lock:
            new = db.execute(
                "INSERT INTO events (sid, status, fields) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (sid, status, json.dumps(fields)),
            ).rowcount
        answer = {"stored": "accepted" if new else "duplicate"}
        return JSONResponse(answer, background=BackgroundTask(handle_pending))

    return receive


app = Starlette()
app.add_route(
    "/webhooks/exotel/call-status", receiver("CallSid", CALL), ["POST"]
)
app.add_route("/webhooks/exotel/sms-status", receiver("SmsSid", SMS), ["POST"])

if __name__ == "__main__":
    handle_pending()  # what a crash left stored but not handled
    uvicorn.run(
        app,
        host="127.0.0.1",  # behind your TLS proxy: Exotel needs HTTPS
        port=int(os.environ.get("PORT", "8080")),
        proxy_headers=bool(PROXIES),
        forwarded_allow_ips=PROXIES or None,
    )
