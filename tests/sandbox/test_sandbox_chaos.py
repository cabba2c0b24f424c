"""The sandbox's long attack scenarios, for ``make chaos`` (minutes, not seconds).

Each runs ``python -m helpers.sandbox`` in a child process under a 2 GB address-space limit and
256 open files, on loopback only, bounded in count and time, and checks what a person would:
a real caller is still answered, nothing is a 500, the memory and the log stay bounded. The fast
versions run in ``make test`` (test_sandbox_under_attack.py, test_sandbox_served_under_attack.py).
"""

from __future__ import annotations

import os
import random
import socket
import time

import httpx
import pytest

from helpers.sandbox import DEMO_ACCOUNT_SID
from helpers.sandbox.admin import ADMIN_PREFIX, LATEST, MAX_ADVANCE
from helpers.sandbox.bodies import BODY_TIMEOUT
from helpers.serving import DEFAULT_HEADER_TIMEOUT
from tests.support.served_sandbox import AUTH, ServedSandbox

pytestmark = [
    pytest.mark.chaos,
    pytest.mark.skipif(
        not os.environ.get("HANDBOOK_CHAOS"),
        reason="a long attack scenario: `make chaos` runs it (HANDBOOK_CHAOS=1)",
    ),
]

V1 = f"/v1/Accounts/{DEMO_ACCOUNT_SID}"
V2 = f"/v2/accounts/{DEMO_ACCOUNT_SID}"
CALL = {"From": "09810000000", "To": "09820000000", "CallerId": "08010000000"}
MEMORY_BOUND = 250 * 1024**2
LOG_BOUND = 16 * 1024


@pytest.fixture
def served(tmp_path):
    with ServedSandbox(tmp_path / "stderr.log", "--frozen-clock") as s:
        yield s
    assert len(s.log.read_text()) < LOG_BOUND, s.log.read_text()[-2000:]


def test_800_ten_year_advances_end_in_a_400_and_the_api_still_answers(served):
    with served.client() as client:
        statuses = [
            client.post(f"{ADMIN_PREFIX}/clock/advance", data={"seconds": MAX_ADVANCE}).status_code
            for _ in range(800)
        ]
        assert 500 not in statuses
        assert statuses.count(200) == (LATEST.year - 2026) // 10
        assert client.post(f"{V1}/Calls/connect.json", auth=AUTH, data=CALL).status_code == 200
        assert client.get(f"{V1}/Calls.json", auth=AUTH).status_code == 200


def test_a_body_that_never_arrives_is_a_408_and_the_connection_closes(served):
    with socket.create_connection(("127.0.0.1", served.port), timeout=BODY_TIMEOUT + 10) as raw:
        raw.sendall(
            f"POST {V1}/Calls/connect.json HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Authorization: Basic c2FuZGJveC1kZW1vLWtleTpzYW5kYm94LWRlbW8tdG9rZW4=\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
            "From=1".encode()
        )
        started = time.monotonic()
        answer = raw.recv(65536)
        waited = time.monotonic() - started
        while chunk := raw.recv(65536):  # until the sandbox closes: the body is never read
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"did not arrive within 10 s" in answer
    assert BODY_TIMEOUT - 1 < waited < BODY_TIMEOUT + 5


def test_a_connection_that_sends_no_headers_is_closed_after_the_header_deadline(served):
    with socket.create_connection(("127.0.0.1", served.port), timeout=30) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\n")
        started = time.monotonic()
        assert raw.recv(1) == b""
    assert time.monotonic() - started < DEFAULT_HEADER_TIMEOUT + 3


def test_a_sustained_slow_header_attack_leaves_a_real_caller_answered(served):
    """Two thousand half-sent requests over twenty seconds, a real caller asking all along."""
    attackers: list[socket.socket] = []
    answers = []
    fresh = httpx.Limits(max_keepalive_connections=0)
    end = time.monotonic() + 20
    with served.client(limits=fresh, timeout=10) as client:
        while time.monotonic() < end and len(attackers) < 2000:
            for _ in range(100):
                raw = socket.socket()
                raw.setblocking(False)
                raw.connect_ex(("127.0.0.1", served.port))
                attackers.append(raw)
            time.sleep(0.5)  # the attack's own pace, not a timing assumption
            for raw in attackers[-100:]:
                try:
                    raw.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                except OSError:
                    pass  # not connected yet, or already shed
            answers.append(client.get(f"{V1}/Calls.json", auth=AUTH).status_code)
    for raw in attackers:
        raw.close()
    assert answers and set(answers) == {200}
    assert served.resident_bytes() < MEMORY_BOUND


def test_a_flood_of_malformed_requests_writes_a_few_log_lines_not_one_each(served):
    for _ in range(2000):
        with socket.create_connection(("127.0.0.1", served.port), timeout=5) as raw:
            raw.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
            raw.recv(1024)
    with served.client() as client:
        assert client.get(f"{V1}/Calls.json", auth=AUTH).status_code == 200


def odd_request(rng: random.Random) -> tuple[str, str, dict]:
    """A request an attacker or a clumsy caller might send: known paths, mutated."""
    paths = [
        f"{V1}/Calls.json",
        f"{V1}/Calls/connect.json",
        f"{V1}/Calls/{rng.randrange(256):02x}.json",
        f"{V1}/Sms/send.json",
        f"{V1}/SMS/Messages/x.json",
        f"{V2}/calls",
        f"{ADMIN_PREFIX}/keys",
        f"{ADMIN_PREFIX}/account",
        f"{ADMIN_PREFIX}/allowlist",
        f"{ADMIN_PREFIX}/clock/advance",
        f"{ADMIN_PREFIX}/keys/sandbox-demo-key/permissions",
    ]
    path = rng.choice(paths)
    if rng.random() < 0.3:
        path += rng.choice(["/", "%00", "/..", "?PageSize=" + rng.choice(["0", "١", "9" * 30])])
    method = rng.choice(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"])
    values = ["", "0", "-1e20000000000", "١٢", "x" * rng.randrange(1, 5000), "\x00", "[" * 50]
    fields = {
        rng.choice(["From", "To", "CallerId", "Body", "StatusCallback", "balance", "seconds",
                    "label", "allow", "permissions", "status", "rule"]): rng.choice(values)
        for _ in range(rng.randrange(0, 8))
    }  # fmt: skip
    kind = rng.random()
    if kind < 0.5:
        options = {"data": fields}
    elif kind < 0.8:
        depth = rng.choice([1, 10, 40, 5000])
        options = {
            "content": b"[" * depth + b"]" * depth,
            "headers": {"Content-Type": "application/json"},
        }
    else:
        options = {"content": rng.randbytes(rng.randrange(0, 2000))}
    return method, path, options


def test_five_thousand_odd_requests_get_no_500_and_the_sandbox_stays_bounded(served):
    rng = random.Random(25)  # seeded: a failure can be replayed
    with served.client(auth=AUTH) as client:
        for _ in range(5000):
            method, path, options = odd_request(rng)
            response = client.request(method, path, **options)
            assert response.status_code < 500, (method, path, response.text[:300])
    assert served.resident_bytes() < MEMORY_BOUND
