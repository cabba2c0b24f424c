"""``POST /_sandbox/admin/callbacks/deliver``: the loopback server posts the status callbacks due
on its clock, over a real socket, to loopback receivers only (the Node.js receivers use it)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from helpers.sandbox.admin import ADMIN_PREFIX

DELIVER = f"{ADMIN_PREFIX}/callbacks/deliver"
CALL = {"From": "09810000000", "To": "09820000000", "CallerId": "08010000000"}


@pytest.fixture
def admin(server, sandbox):
    """The loopback server, with the demo account's credentials for the API paths."""
    server.auth = (sandbox.demo.api_key, sandbox.demo.api_token)
    return server


@pytest.fixture
def receiver():
    """A real HTTP server on loopback that answers 200 and keeps every body it is sent."""
    bodies: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_address[1]}/hook", bodies
    http.shutdown()
    http.server_close()


def place_call(admin, sandbox, url: str) -> str:
    path = f"/v1/Accounts/{sandbox.demo.account_sid}/Calls/connect.json"
    answer = admin.post(path, data={**CALL, "StatusCallback": url})
    return answer.json()["Call"]["Sid"]


def test_nothing_is_delivered_before_it_is_due(admin, sandbox, receiver):
    url, bodies = receiver
    place_call(admin, sandbox, url)
    assert admin.post(DELIVER).json()["deliveries"] == []
    assert bodies == []


def test_a_due_callback_is_posted_to_a_loopback_receiver(admin, sandbox, receiver):
    url, bodies = receiver
    sid = place_call(admin, sandbox, url)
    sandbox.clock.advance(42)
    [delivery] = admin.post(DELIVER).json()["deliveries"]
    assert (delivery["sid"], delivery["status"], delivery["http_status"]) == (sid, "completed", 200)
    assert delivery["summary"] == f"10:00:42 call {sid[:4]}… completed, attempt 1: 200"
    assert len(bodies) == 1 and sid.encode() in bodies[0]


def test_a_callback_to_another_host_is_not_sent_and_is_retried(admin, sandbox):
    place_call(admin, sandbox, "https://hooks.example.com/exotel")
    sandbox.clock.advance(42)
    [delivery] = admin.post(DELIVER).json()["deliveries"]
    assert delivery["http_status"] is None
    assert delivery["error"] == "not sent: hooks.example.com is not a loopback address"
    assert delivery["next_attempt"] is not None


def test_the_admin_index_lists_the_deliver_route(admin):
    assert "POST /_sandbox/admin/callbacks/deliver" in admin.get(ADMIN_PREFIX).json()["routes"]
