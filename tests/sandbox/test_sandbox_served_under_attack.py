"""The sandbox under attack over real sockets: ``python -m helpers.sandbox`` in a child process
with a 2 GB address-space limit and 256 open files, attacked as issue 25 describes.

Each test reproduces one finding and checks the process stays bounded: its memory, its log, and
a real caller's answers.
"""

from __future__ import annotations

import errno
import select
import signal
import socket
import time

import httpx
import pytest

from helpers.sandbox import DEMO_ACCOUNT_SID
from helpers.sandbox.admin import ADMIN_PREFIX
from tests.support.served_sandbox import AUTH, ServedSandbox

V1 = f"/v1/Accounts/{DEMO_ACCOUNT_SID}"
CALL = {"From": "09810000000", "To": "09820000000", "CallerId": "08010000000"}
#: Resident memory the served sandbox stays under through every attack here.
MEMORY_BOUND = 200 * 1024**2


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with ServedSandbox(tmp_path_factory.mktemp("sandbox") / "stderr.log", "--frozen-clock") as s:
        yield s


def deliver(served: ServedSandbox, client: httpx.Client) -> list[dict]:
    answer = client.post(f"{ADMIN_PREFIX}/callbacks/deliver")
    assert answer.status_code == 200, answer.text
    return answer.json()["deliveries"]


def test_a_balance_whose_formatting_never_ends_is_refused_and_memory_stays_bounded(served):
    with served.client() as client:
        response = client.put(f"{ADMIN_PREFIX}/account", data={"balance": "-1e20000000000"})
        assert response.status_code == 400
        assert client.get(f"{ADMIN_PREFIX}/account").json()["balance"] == "500.00"
        assert client.post(f"{V1}/Calls/connect.json", auth=AUTH, data=CALL).status_code == 200
    assert served.resident_bytes() < MEMORY_BOUND


def test_a_status_callback_naming_the_admin_paths_cannot_work_them(served):
    """A key limited to calls:write once regenerated the demo token through its callback."""
    with served.client() as client:
        made = client.post(
            f"{ADMIN_PREFIX}/keys", data={"label": "calls only", "permissions": "calls:write"}
        ).json()
        sids = []
        for port in (served.port, served.port + 1):  # either region's port is the sandbox
            url = f"http://127.0.0.1:{port}{ADMIN_PREFIX}/keys/sandbox-demo-key/regenerate"
            answer = client.post(
                f"{V1}/Calls/connect.json",
                auth=(made["key"], made["token"]),
                data={**CALL, "StatusCallback": url},
            )
            sids.append(answer.json()["Call"]["Sid"])
        client.post(f"{ADMIN_PREFIX}/clock/advance", data={"seconds": "42"})
        deliveries = {d["sid"]: d for d in deliver(served, client)}
        assert client.get(f"{V1}/Calls.json", auth=AUTH).status_code == 200  # token unchanged
    for sid, port in zip(sids, (served.port, served.port + 1), strict=True):
        assert (
            deliveries[sid]["error"]
            == f"not sent: port {port} is the sandbox itself, not a receiver"
        )


def test_a_status_callback_naming_the_deliver_path_does_not_make_it_call_itself(served):
    """It once made the deliverer wait 15 s on itself."""
    with served.client(timeout=5) as client:
        url = f"http://localhost:{served.port}{ADMIN_PREFIX}/callbacks/deliver"
        answer = client.post(
            f"{V1}/Calls/connect.json", auth=AUTH, data={**CALL, "StatusCallback": url}
        )
        sid = answer.json()["Call"]["Sid"]
        client.post(f"{ADMIN_PREFIX}/clock/advance", data={"seconds": "42"})
        [delivery] = [d for d in deliver(served, client) if d["sid"] == sid]
    assert delivery["error"].startswith(f"not sent: port {served.port} is the sandbox itself")


def test_a_cross_site_post_without_an_origin_creates_no_key(served):
    with served.client() as client:
        before = len(client.get(f"{ADMIN_PREFIX}/keys").json()["keys"])
        response = client.post(
            f"{ADMIN_PREFIX}/keys", data={"label": "x"}, headers={"Sec-Fetch-Site": "cross-site"}
        )
        assert response.status_code == 403
        assert len(client.get(f"{ADMIN_PREFIX}/keys").json()["keys"]) == before


@pytest.mark.parametrize("host", [b"evil@127.0.0.1", b"127.0.0.1/evil", b":99999"])
def test_a_host_that_is_not_exactly_loopback_is_refused_over_the_socket(served, host):
    with socket.create_connection(("127.0.0.1", served.port), timeout=5) as raw:
        raw.sendall(
            b"GET " + ADMIN_PREFIX.encode() + b"/keys HTTP/1.1\r\nHost: " + host + b"\r\n\r\n"
        )
        head = raw.recv(4096)
    assert head.startswith(b"HTTP/1.1 403"), head[:200]


def test_head_is_answered_as_get_without_a_body(served):
    with served.client() as client:
        get = client.get(f"{V1}/Calls.json", auth=AUTH)
        head = client.head(f"{V1}/Calls.json", auth=AUTH)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]


def test_half_sent_requests_do_not_shut_out_a_real_caller_or_flood_the_log(tmp_path):
    """400 half-sent requests at 256 open files once shut everyone out, and the log grew 47 MB
    in 15 s ("Too many open files")."""
    log = tmp_path / "stderr.log"
    with ServedSandbox(log, "--frozen-clock", open_files=256) as served:
        attackers = half_sent(served.port, 400)
        try:
            fresh = httpx.Limits(max_keepalive_connections=0)  # a new connection each time
            with served.client(limits=fresh, timeout=5) as client:
                answers = [client.get(f"{V1}/Calls.json", auth=AUTH).status_code for _ in range(10)]
        finally:
            for raw in attackers:
                raw.close()
        assert answers == [200] * 10
        assert served.resident_bytes() < MEMORY_BOUND
    text = log.read_text()
    assert "Too many open files" not in text
    assert len(text) < 4096, text[-2000:]


def half_sent(port: int, count: int) -> list[socket.socket]:
    """``count`` connections, opened at once, each with a request line and no end of headers."""
    sockets = []
    for _ in range(count):
        raw = socket.socket()
        raw.setblocking(False)
        raw.connect_ex(("127.0.0.1", port))
        sockets.append(raw)
    end = time.monotonic() + 10
    waiting = list(sockets)
    while waiting and time.monotonic() < end:
        _, ready, _ = select.select([], waiting, [], 1)
        for raw in ready:
            if raw.connect_ex(("127.0.0.1", port)) in (0, errno.EISCONN):
                raw.send(b"GET " + V1.encode() + b"/Calls.json HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            waiting.remove(raw)
    return sockets


def test_ctrl_c_stops_the_sandbox_with_one_line(tmp_path):
    log = tmp_path / "stderr.log"
    with ServedSandbox(log, "--frozen-clock") as served:
        assert served.stop(signal.SIGINT) == 130
    assert log.read_text().strip().splitlines() == ["The sandbox stopped (Ctrl-C)."]
