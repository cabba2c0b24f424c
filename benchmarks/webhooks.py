"""How fast the webhook receiver answers, against a bare endpoint that does nothing (the floor).

All run as uvicorn subprocesses on a loopback port, one after the other, and get the same load:

- real:  ``python -m helpers.webhooks`` (allowlist, content type, size, field validation, a
         committed and fsync'd INSERT per callback, the dispatcher claiming and handling each
         event), once per store: SQLite (a file) and PostgreSQL (a throwaway server from Debian's
         packages, fsync on, started by tests/support/postgres_server.py; skipped, saying why, if it
         cannot start);
- floor: a Starlette app on uvicorn whose one route reads the body and answers 200 (this
         script, with ``--serve-floor``).

Load: ``--callbacks`` status callbacks (default 6,000), a third of them duplicates of the others,
shuffled with a fixed seed, half call callbacks (multipart/form-data, as Exotel sends them) and
half SMS callbacks (application/x-www-form-urlencoded), ``--concurrency`` at a time (default 32)
over keep-alive connections. The client is a few lines of asyncio that speak HTTP/1.1 directly:
httpx's async client tops out far below either server on a small machine, and would measure
itself.

Prints, for each: throughput (callbacks per second), p99 latency and the server's CPU time per
callback (all its threads; less sensitive to a busy machine than throughput, though not immune);
the floor's own spread over the rounds (lowest to highest: how steady the machine was) and the
load average at each round, since a figure taken on a busy machine says as much about the
machine; then, per store, the ratio of
throughputs against the goal (the receiver at least half the floor's), and the check that
nothing was lost: every answer 200, "accepted" exactly once per distinct event, and the store
holding exactly one row per distinct event. Bounded: every request and every wait has a
deadline, and the servers are stopped at the end. Exit status 1 if anything was lost.

Run: ``.venv/bin/python benchmarks/webhooks.py`` (``--rounds 3`` takes the median of three;
``--stores sqlite`` for one store).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from helpers.book.paths import ROOT

CALL_PATH = "/webhooks/exotel/call-status"
SMS_PATH = "/webhooks/exotel/sms-status"
GOAL = 0.5
REQUEST_TIMEOUT = 15.0  # Exotel waits 15 s for the 200
START_TIMEOUT = 20.0


# -- the floor: the same framework, doing nothing ------------------------------------------------


def floor_app():
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    async def accept(request):
        await request.body()
        return Response(b'{"result":"accepted"}', media_type="application/json")

    return Starlette(
        routes=[Route(path, accept, methods=["POST"]) for path in (CALL_PATH, SMS_PATH)]
    )


def serve_floor(port: int) -> None:
    import uvicorn

    uvicorn.run(floor_app(), host="127.0.0.1", port=port, log_level="warning", proxy_headers=False)


# -- the load ----------------------------------------------------------------------------------


def callbacks(total: int, seed: int = 2026) -> tuple[list[bytes], int]:
    """``total`` raw HTTP requests, a third duplicates; and the number of distinct events."""
    distinct = total - total // 3
    originals = []
    for i in range(distinct):
        sid = f"{i:032x}"
        if i % 2:
            fields = {
                "SmsSid": sid,
                "To": "09820000000",
                "Status": "sent",
                "SmsUnits": "1",
                "DetailedStatus": "DELIVERED_TO_HANDSET",
                "DetailedStatusCode": "20005",
                "DateSent": "2026-01-15 10:00:05",
            }
            body = urlencode(fields).encode()
            originals.append(request(SMS_PATH, "application/x-www-form-urlencoded", body))
        else:
            fields = {
                "CallSid": sid,
                "Status": "completed",
                "RecordingUrl": "",
                "DateUpdated": "2026-01-15 10:00:42",
            }
            boundary = f"bench{sid}"
            body = multipart(fields, boundary)
            content_type = f"multipart/form-data; boundary={boundary}"
            originals.append(request(CALL_PATH, content_type, body))
    rng = random.Random(seed)
    sends = originals + rng.sample(originals, total - distinct)
    rng.shuffle(sends)
    return sends, distinct


def multipart(fields: dict[str, str], boundary: str) -> bytes:
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    ]
    return ("".join(parts) + f"--{boundary}--\r\n").encode()


def request(path: str, content_type: str, body: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


@dataclass
class Result:
    seconds: float
    latencies: list[float]
    statuses: dict[int, int]
    accepted: int
    duplicate: int
    cpu: float = 0.0  # the server's CPU seconds (user + system, every thread) during the load

    @property
    def cpu_us(self) -> float:
        """The server's CPU time per callback, in microseconds."""
        return self.cpu / len(self.latencies) * 1e6

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    @property
    def p99_ms(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = next(
        int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")
    )
    return status, await reader.readexactly(length)


async def load(port: int, sends: list[bytes], concurrency: int) -> Result:
    queue = list(reversed(sends))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    counts = {"accepted": 0, "duplicate": 0}

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while queue:
                raw = queue.pop()
                started = time.perf_counter()
                writer.write(raw)
                await writer.drain()
                status, body = await asyncio.wait_for(read_response(reader), REQUEST_TIMEOUT)
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1
                for word in counts:
                    if word.encode() in body:
                        counts[word] += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return Result(
        time.perf_counter() - started, latencies, statuses, counts["accepted"], counts["duplicate"]
    )


# -- servers ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited with status {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    process.kill()
    sys.exit(f"nothing listened on 127.0.0.1:{port} within {timeout:.0f} s")


def start(command: list[str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    wait_for_port(port, process)
    return process


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process has used (Linux: /proc; elsewhere 0)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(process: subprocess.Popen, port: int, sends: list[bytes], concurrency: int) -> Result:
    before = cpu_seconds(process.pid)
    result = asyncio.run(load(port, sends, concurrency))
    result.cpu = cpu_seconds(process.pid) - before
    return result


def run_floor(sends: list[bytes], concurrency: int) -> Result:
    port = free_port()
    process = start([sys.executable, __file__, "--serve-floor", str(port)], port)
    try:
        return measured(process, port, sends, concurrency)
    finally:
        stop(process)


def run_receiver(sends: list[bytes], concurrency: int, store: str) -> tuple[Result, int]:
    port = free_port()
    command = [
        sys.executable, "-m", "helpers.webhooks", "--host", "127.0.0.1", "--port", str(port),
        "--store", store, "--allow", "127.0.0.1/32",
    ]  # fmt: skip
    process = start(command, port)
    try:
        result = measured(process, port, sends, concurrency)
    finally:
        stop(process)
    from helpers.webhooks.store import open_store

    opened = open_store(store)
    rows = opened.counts()["stored"]
    opened.close()
    return result, rows


def postgres_server():
    """A throwaway PostgreSQL server (tests/support/postgres_server.py), or the reason there is none."""
    sys.path.insert(0, str(ROOT))  # the tests' helper, shared rather than copied
    from tests.support.postgres_server import PostgresServer, Unavailable

    try:
        return PostgresServer.start(), None
    except Unavailable as exc:
        return None, str(exc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--callbacks", type=int, default=6000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--stores", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql"
    )
    parser.add_argument("--serve-floor", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_floor:
        serve_floor(args.serve_floor)
        return 0

    sends, distinct = callbacks(args.callbacks)
    print(
        f"{len(sends):,} callbacks ({distinct:,} distinct events, {len(sends) - distinct:,} "
        f"duplicates), {args.concurrency} at a time, loopback, {os.cpu_count()} CPUs"
    )
    stores = [name.strip() for name in args.stores.split(",") if name.strip()]
    unknown = set(stores) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"--stores: {', '.join(sorted(unknown))}; choose sqlite and/or postgresql")
    server = None
    if "postgresql" in stores:
        server, reason = postgres_server()
        if server is None:
            print(f"PostgreSQL skipped: {reason}")
            stores.remove("postgresql")
    floors: list[Result] = []
    reals: dict[str, list[Result]] = {name: [] for name in stores}
    lost: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="webhooks-bench-") as tmp:
            for round_ in range(1, args.rounds + 1):
                floor = run_floor(sends, args.concurrency)
                floors.append(floor)
                line = (
                    f"round {round_} (load {os.getloadavg()[0]:.1f}): floor "
                    f"{floor.throughput:,.0f}/s p99 {floor.p99_ms:.1f} ms"
                )
                for name in stores:
                    if name == "sqlite":
                        spec = str(Path(tmp) / f"events-{round_}.sqlite3")
                    else:
                        spec = server.schema_url(f"bench_{round_}")
                    real, rows = run_receiver(sends, args.concurrency, spec)
                    reals[name].append(real)
                    lost += [f"{name}: {p}" for p in problems(real, rows, len(sends), distinct)]
                    line += (
                        f"; {name} {real.throughput:,.0f}/s p99 {real.p99_ms:.1f} ms, rows {rows:,}"
                    )
                print(line)
    finally:
        if server is not None:
            server.stop()

    floor_tp = statistics.median(r.throughput for r in floors)
    print()
    print(f"{'':<22}{'callbacks/s':>12}{'p99 ms':>9}{'ratio':>7}{'CPU us/callback':>17}")
    floor_p99 = statistics.median(r.p99_ms for r in floors)
    floor_cpu = statistics.median(r.cpu_us for r in floors)
    print(
        f"{'floor (bare endpoint)':<22}{floor_tp:>12,.0f}{floor_p99:>9.1f}{1:>7.2f}{floor_cpu:>17,.0f}"
    )
    low, high = min(r.throughput for r in floors), max(r.throughput for r in floors)
    for name, results in reals.items():
        real_tp = statistics.median(r.throughput for r in results)
        real_p99 = statistics.median(r.p99_ms for r in results)
        real_cpu = statistics.median(r.cpu_us for r in results)
        ratio = real_tp / floor_tp
        label = f"receiver, {name}"
        print(f"{label:<22}{real_tp:>12,.0f}{real_p99:>9.1f}{ratio:>7.2f}{real_cpu:>17,.0f}")
    print(
        f"floor spread over {len(floors)} round(s): {low:,.0f} to {high:,.0f}/s "
        f"({(high - low) / floor_tp:.0%} of its median)"
    )
    for name, results in reals.items():
        ratio = statistics.median(r.throughput for r in results) / floor_tp
        verdict = "met" if ratio >= GOAL else "NOT met"
        print(f"{name}: ratio receiver/floor {ratio:.2f} (goal >= {GOAL}: {verdict})")
    busy = os.getloadavg()[0]
    if busy > 1.5:
        print(
            f"MEASURED UNDER LOAD: load average {busy:.1f} on {os.cpu_count()} CPUs; the goal "
            "is judged on an idle machine"
        )
    if lost:
        print("LOST OR DOUBLED:", "; ".join(lost))
        return 1
    print(
        f"nothing lost: every answer 200, {distinct:,} accepted and {len(sends) - distinct:,} "
        f"duplicates per round and store, {distinct:,} rows in each store"
    )
    return 0


def problems(real: Result, rows: int, sent: int, distinct: int) -> list[str]:
    """What was lost or doubled in one run (empty: nothing)."""
    found = []
    if real.statuses != {200: sent}:
        found.append(f"answers {real.statuses}")
    if (real.accepted, real.duplicate) != (distinct, sent - distinct):
        found.append(f"accepted {real.accepted}, duplicate {real.duplicate}")
    if rows != distinct:
        found.append(f"{rows} rows stored for {distinct} distinct events")
    return found


if __name__ == "__main__":
    sys.exit(main())
